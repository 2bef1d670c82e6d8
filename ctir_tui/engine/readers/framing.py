"""Where the JSON values of a file are: whole documents, concatenated ones, array elements.

Span-aware decoding (the standard library's ``raw_decode``) gives each value's exact text,
which is how an event's original record is shown byte for byte, and how a damaged file is
resynchronised to its next record.

Resynchronising is linear in the file's size, whatever the damage: every byte is decoded
at most a bounded number of times (see :func:`resync` and :class:`ScanStats`), so a file
crafted to make a parser retry from every brace costs no more than a clean one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from ctir_tui.engine.readers.elements import container, containers, is_record
from ctir_tui.engine.readers.typed import safe_float, safe_int

#: Huge integers are kept as text and odd floats as written (see ``typed``).
DECODER: Final = json.JSONDecoder(parse_int=safe_int, parse_float=safe_float)
_WS: Final = re.compile(r"[ \t\n\r]*")
#: A JSON string (escapes included) or a brace: what a structural scan has to see.
_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[{}]', re.DOTALL)
#: Damaged spots described one by one in a report; the rest are counted.
MAX_DAMAGE_SHOWN: Final = 20
Span = tuple[Any, int, int]


@dataclass(slots=True)
class ScanStats:
    """What resynchronising cost: decode attempts and the characters they read.

    Tests hold these to a multiple of the file's size (a size-based proof of linearity);
    ``bench/bench_salvage.py`` prints the time.
    """

    attempts: int = 0
    #: Characters read by decode attempts while resynchronising: up to where each
    #: succeeded, or the whole windows a failed one read (see :func:`decode_at`).
    decoded: int = 0
    #: Characters read by structural scans of regions a failed attempt left open.
    scanned: int = 0


class Undecodable(ValueError):
    """No JSON value decodes at a position: why (``msg``) and where it failed (``pos``)."""

    def __init__(self, msg: str, pos: int, read: int) -> None:
        super().__init__(f"{msg} (char {pos})")
        self.msg = msg
        self.pos = pos
        #: Characters the attempt read (its windows), for :class:`ScanStats`.
        self.read = read


#: The first window a value is decoded in (most records fit; larger ones retry larger).
_WINDOW: Final = 4096
#: A failure this close to a window's end may be the window's doing, not the text's.
_EDGE: Final = 64


def decode_at(text: str, pos: int) -> tuple[Any, int]:
    """Decode the JSON value at ``pos``: (the value, where it ends), like ``raw_decode``.

    The standard library counts the lines before the failure point in every error it
    raises, from the start of the text: a file damaged often would pay a pass over
    everything before each damaged spot. Here the value is decoded in a window that
    grows fourfold until the value fits, so an attempt costs about the value's size.

    Raises:
        Undecodable: No value decodes there (absolute position of the failure).
        RecursionError: The value is nested too deeply to decode.
    """
    n = len(text)
    window = _WINDOW
    read = 0
    while True:
        whole = pos + window >= n
        chunk = text[pos:] if whole else text[pos : pos + window]
        read += len(chunk)
        try:
            value, end = DECODER.raw_decode(chunk)
        except json.JSONDecodeError as exc:
            cut = not whole and (
                exc.pos >= len(chunk) - _EDGE or exc.msg.startswith("Unterminated string")
            )
            if not cut:
                raise Undecodable(exc.msg, pos + exc.pos, read) from None
            window *= 4
            continue
        return value, pos + end


def skip_ws(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace."""
    match = _WS.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


class Positions:
    """``line L column C`` of character offsets, counted incrementally.

    Offsets asked for in increasing order cost one pass over the text in all; the naive
    count from the start for each damaged spot was quadratic in a file damaged often.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._line_start = 0

    def at(self, pos: int) -> str:
        """Where offset ``pos`` is, as ``line L column C``."""
        if pos < self._pos:
            self._pos, self._line, self._line_start = 0, 1, 0
        self._line += self._text.count("\n", self._pos, pos)
        last = self._text.rfind("\n", self._pos, pos)
        if last >= 0:
            self._line_start = last + 1
        self._pos = pos
        return f"line {self._line} column {pos - self._line_start + 1}"


def position(text: str, pos: int) -> str:
    """``line L column C`` of a character offset, for error messages."""
    return Positions(text).at(pos)


def split_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


def scan_documents(text: str) -> list[Span] | None:
    """Decode concatenated JSON documents with their spans; None if any part fails."""
    docs: list[Span] = []
    pos = skip_ws(text, 0)
    while pos < len(text):
        try:
            value, end = DECODER.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            return None
        docs.append((value, pos, end))
        pos = skip_ws(text, end)
    return docs


class Damage:
    """The damaged spots of one file: the first few described, all counted."""

    def __init__(self, text: str) -> None:
        self.where = Positions(text)
        self.shown: list[str] = []
        self.count = 0

    def add(self, pos: int, what: str) -> None:
        """Note damage at offset ``pos``."""
        self.count += 1
        if len(self.shown) < MAX_DAMAGE_SHOWN:
            self.shown.append(f"{self.where.at(pos)}: {readable(what)}")

    def described(self) -> list[str]:
        """The descriptions, with a last one counting those not shown."""
        more = self.count - len(self.shown)
        return [*self.shown, f"and {more:,} more damaged spots"] if more else list(self.shown)


def readable(why: str) -> str:
    """A JSON decoder's message without its dangling end ("Unterminated string starting
    at" -> "Unterminated string"): ctir says where itself."""
    return why.removesuffix(" at").removesuffix(" starting")


def iter_elements(
    text: str, start: int, damage: Damage, stats: ScanStats | None = None
) -> Iterator[Span]:
    """Decode array elements from ``start`` one by one, resynchronising after damage.

    Yields each decoded element with its span; each damaged spot is noted in ``damage``.
    A generator, so that a file of millions of tiny elements never holds them all.
    """
    pos: int | None = start
    while pos is not None:
        span, pos = next_element(text, pos, damage, stats)
        if span is not None:
            yield span


def next_element(
    text: str, pos: int, damage: Damage, stats: ScanStats | None = None
) -> tuple[Span | None, int | None]:
    """One step of :func:`iter_elements`: (the element found or None, where to go on).

    The position to go on from is None at the end of the array (or of the text).
    """
    n = len(text)
    pos = skip_ws(text, pos)
    if pos < n and text[pos] == ",":
        pos = skip_ws(text, pos + 1)
    if pos >= n or text[pos] == "]":
        return None, None
    try:
        value, end = decode_at(text, pos)
    except (Undecodable, RecursionError) as exc:
        # Skip to the next object that decodes as a record; what lies between is lost.
        failed = exc.pos if isinstance(exc, Undecodable) else None
        if stats is not None and isinstance(exc, Undecodable):
            stats.decoded += exc.read
        resume = resync(text, pos + 1, stats, opened=(pos, failed))
        lost_to = resume if resume is not None else n
        why = exc.msg if isinstance(exc, Undecodable) else "nested too deeply"
        damage.add(failed if failed is not None else pos, f"{why}; {lost_to - pos} bytes lost")
        return None, resume
    after = skip_ws(text, end)
    if after < n and text[after] not in ",]":
        damage.add(after, "expected ',' or ']' between records")
    return (value, pos, end), after


def element_spans(text: str, start: int) -> tuple[list[Span], list[str]]:
    """Decode array elements from ``start`` (see :func:`iter_elements`), all at once.

    Returns the decoded elements with their spans, and a description of the damaged spots.
    """
    damage = Damage(text)
    spans = list(iter_elements(text, start, damage))
    return spans, damage.described()


def closers(
    text: str, start: int, stop: int, stats: ScanStats | None = None
) -> tuple[dict[int, int], int]:
    """The matching ``}`` of each ``{`` from ``start``, strings read as JSON reads them.

    ``start`` must begin a JSON value, so that the scan agrees with a decoder's reading of
    the text. The scan ends at ``stop`` or where the object at ``start`` closes (returned
    with the matches); braces still open there have no entry.
    """
    found: dict[int, int] = {}
    stack: list[int] = []
    end = stop
    # An object's scan ends where it closes; an array's runs on (its objects close early).
    one_object = text.startswith("{", start)
    for match in _TOKEN.finditer(text, start, stop):
        token = match.group()
        if token == "{":
            stack.append(match.start())
        elif token == "}" and stack:
            found[stack.pop()] = match.start()
            if one_object and not stack:
                end = match.end()
                break
    if stats is not None:
        stats.scanned += end - start
    return found, end


def _is_wanted(value: Any) -> bool:
    return isinstance(value, dict) and (is_record(value) or "CloudTrailEvent" in value)


@dataclass(slots=True)
class _Region:
    """Text a failed attempt read: which of its braces close inside it (see :func:`resync`)."""

    end: int
    inner: dict[int, int]


def resync(
    text: str,
    pos: int,
    stats: ScanStats | None = None,
    *,
    opened: tuple[int, int | None] | None = None,
) -> int | None:
    """The position to carry on from after damage: the next record at or after ``pos``.

    That is the start of the next object that decodes as a record (or a lookup item), or
    the first element of the next wrapper document (``{"Records": [...]}``) that decodes
    whole. ``opened`` is the failed attempt that led here: (its start, where it failed,
    None when it was nested too deeply).

    Linear: a value that decodes but is no record is skipped whole (nothing inside a
    non-wrapper object is a record). After a failed attempt, one structural scan of the
    text it read tells which braces inside it close before the failure: only those can
    decode, the others are not tried, so no stretch of text is read again and again
    (a file of ``{"a":{"a":...`` left open would otherwise be read once per brace).
    """
    regions: list[_Region] = []

    def open_region(start: int, failed: int | None) -> None:
        inner, end = closers(text, start, failed if failed is not None else len(text), stats)
        regions.append(_Region(end, inner))

    if opened is not None:
        open_region(*opened)
    while True:
        q = text.find("{", pos)
        if q < 0:
            return None
        while regions and q >= regions[-1].end:
            regions.pop()
        if regions and q not in regions[-1].inner:
            pos = q + 1  # still open where the failed attempt failed: it fails there too
            continue
        if stats is not None:
            stats.attempts += 1
        try:
            value, end = decode_at(text, q)
        except Undecodable as exc:
            if stats is not None:
                stats.decoded += exc.read
            open_region(q, exc.pos)
            pos = q + 1
            continue
        except RecursionError:
            if not regions or q not in regions[-1].inner:
                open_region(q, None)
            # Too deep to decode: skip the value whole where its end is known.
            known = regions[-1].inner.get(q)
            pos = known + 1 if known is not None else q + 1
            continue
        if stats is not None:
            stats.decoded += end - q
        if _is_wanted(value):
            return q
        found = container(value)
        if found is not None and found[1] is not None:
            first = key_array_start(text, q, found[1])
            if first is not None:
                return first
        pos = end


def key_array_start(text: str, obj_start: int, key: str | None) -> int | None:
    """The position after ``[`` of member ``key`` in the object at ``obj_start``."""
    pos = obj_start + 1
    while True:
        pos = skip_ws(text, pos)
        if text.startswith("}", pos):
            return None
        name, pos = DECODER.raw_decode(text, pos)
        pos = skip_ws(text, pos) + 1  # the colon
        pos = skip_ws(text, pos)
        if name == key:
            return pos + 1
        _value, pos = DECODER.raw_decode(text, pos)
        pos = skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1


def item_texts(text: str) -> list[str] | None:
    """The exact text of every item of every document in ``text``, in document order.

    Returns None when the text is not a sequence of whole documents.
    """
    docs = scan_documents(text)
    if docs is None:
        return None
    texts: list[str] = []
    for doc, a, b in docs:
        for shape, key in containers(doc):
            if shape == "digest":
                continue
            if key is None and not isinstance(doc, list):
                texts.append(text[a:b])
                continue
            start = a + 1 if isinstance(doc, list) else key_array_start(text, a, key)
            if start is None:
                return None
            spans, _damage = element_spans(text, start)
            texts.extend(text[s:e] for _v, s, e in spans)
    return texts
