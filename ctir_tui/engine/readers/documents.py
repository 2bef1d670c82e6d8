"""The JSON-document shapes: one reader per wrapper, sharing how documents become items.

A document-shaped file is one JSON value, or several concatenated (``lookup-events`` pages).
Each reader recognises its wrapper by the first bytes; :func:`read_documents` then decodes
the whole file and enumerates the items of every document, whatever wrapper each one has, so
a file mixing shapes loses nothing.
"""

from __future__ import annotations

from typing import Any

import orjson

from ctir_tui.engine.readers.base import Item, Parsed, Reader
from ctir_tui.engine.readers.elements import classify, containers, elements, is_record
from ctir_tui.engine.readers.framing import item_texts, scan_documents


def items_of_documents(docs: list[Any], parsed: Parsed) -> None:
    """Enumerate the items of ``docs`` into ``parsed``, naming the shape (or why it skips)."""
    shapes: list[str] = []
    for doc in docs:
        for shape, key in containers(doc):
            shapes.append(shape)
            if shape == "digest":
                continue
            for element in elements(doc, key):
                if shape == "s3-delivery" and isinstance(element, dict) and not is_record(element):
                    parsed.items.append(Item(None, "not a CloudTrail record (no eventName)"))
                else:
                    parsed.items.append(classify(element))
    if not shapes:
        parsed.skip = "JSON, but not CloudTrail (no Records, Events or eventName)"
        return
    if set(shapes) == {"digest"}:
        parsed.skip = "CloudTrail digest file (hashes, no events)"
    parsed.shape = shapes[0] if len(set(shapes)) == 1 else "mixed"
    if len(docs) > 1:
        parsed.shape += f" ({len(docs)} documents)"


def attach_raw(text: str, parsed: Parsed) -> None:
    """Attach the exact text of each item, when the spans line up with the items."""
    texts = item_texts(text)
    if texts is None or len(texts) != len(parsed.items):
        return
    for item, raw in zip(parsed.items, texts, strict=True):
        if item.raw is None and item.record is not None:
            item.raw = raw


def read_documents(data: bytes, *, want_raw: bool) -> Parsed | None:
    """Read a file of one or several whole JSON documents; None if it is not that."""
    parsed = Parsed(shape="unknown")
    try:
        docs: list[Any] = [orjson.loads(data)]
        text: str | None = None
    except orjson.JSONDecodeError:
        text = data.decode("utf-8", "replace")
        spans = scan_documents(text)
        if not spans:
            return None
        docs = [doc for doc, _a, _b in spans]
    items_of_documents(docs, parsed)
    if want_raw and parsed.items:
        attach_raw(text if text is not None else data.decode("utf-8", "replace"), parsed)
    return parsed


class DocumentReader(Reader):
    """A shape recognised by its wrapper's first bytes and read as whole documents."""

    def read(self, data: bytes, *, want_raw: bool) -> Parsed | None:
        """Decode the whole file as JSON document(s) (see :func:`read_documents`)."""
        return read_documents(data, want_raw=want_raw)
