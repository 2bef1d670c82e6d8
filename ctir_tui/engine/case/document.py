"""A small document model, rendered as GitHub-flavoured Markdown or as one HTML page.

The report is built once as blocks of plain text (:class:`Heading`, :class:`Para`,
:class:`Quote`, :class:`Bullets`, :class:`Table`) and rendered twice. Every string in a
block is data, never markup: the renderers escape all of it, so a note or a record cannot
add a link, an image, HTML, an entity or a table cell.

Markdown: the text is made inert first (:func:`ctir_tui.text.inert`: control characters,
bidi overrides and zero-width characters become visible escapes, newlines too), then
backslash-escaped, which CommonMark defines as always literal: every character that opens
inline syntax (`` \\ ` * _ [ ] ( ) < > & | ! ~ $ ^ # @ ``), whatever would open a block at
the start of a line (``-``, ``+``, ``=``, ``1.``), and what autolinks need (a ``.`` before a
letter, as in ``www.x.com`` or ``evil.io``; the ``:`` of ``://``; ``@``). So ``[x](javascript:…)``,
``![](…)``, ``<script>``, ``&lt;``, ``www.x.com``, ``a@b.c`` and emphasis stay text, and
``|`` cannot split a table cell. No code spans are used (escapes do not work inside them).
The rest (``:`` in ARNs and times, the dots of addresses, ``-``, ``/``) is left as is, so
the file reads well as text.

HTML: the same inert text, ``html.escape``-d; one page with inline CSS only, allowed by
its hash in a strict Content-Security-Policy (no script, no fetch of any kind, no links),
laid out to print.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from ctir_tui.text import inert

#: Longest text kept in one table cell (notes and records can be long).
CELL_LIMIT: Final = 300
#: Words longer than this get a line-break opportunity every ``_WORD_STEP`` characters.
_LONG_WORD: Final = 40
_WORD_STEP: Final = 20
_MD_INLINE: Final = re.compile(r"[\\`*_\[\]()<>&|!~$^#@]")
#: A dot before a letter: domains (``www.x.com``, ``evil.io``) that renderers link.
_MD_DOMAIN: Final = re.compile(r"\.(?=[^\W\d_])")
_MD_SCHEME: Final = re.compile(r":(?=//)")
_MD_ORDERED: Final = re.compile(r"^(\d+)\.")


@dataclass(frozen=True, slots=True)
class Heading:
    """A section title (level 1 is the document's title)."""

    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; ``strong`` is a bold lead-in (``Note:``). Newlines are line breaks."""

    text: str
    strong: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """Free text quoted as written (a note): paragraphs split on blank lines."""

    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    """A bulleted list, one line per item."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table: a header and rows of as many cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(f"a row of {len(row)} cells under {len(self.header)} columns")


Block: TypeAlias = Heading | Para | Quote | Bullets | Table


@dataclass(frozen=True, slots=True)
class Document:
    """A titled list of blocks."""

    title: str
    blocks: tuple[Block, ...]


# --- Markdown -----------------------------------------------------------------------


def md_text(value: object, *, limit: int | None = None, line_start: bool = True) -> str:
    """One line of literal text for Markdown (see the module docstring).

    ``line_start``: the text starts a line, where ``-`` or ``1.`` would open a block (not
    so in a table cell).
    """
    text = inert(value, limit=limit, single_line=True).strip()
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(), text)
    text = _MD_SCHEME.sub(r"\\:", _MD_DOMAIN.sub(r"\\.", text))
    if not line_start:
        return text
    text = _MD_ORDERED.sub(r"\1\\.", text)
    return "\\" + text if text[:1] in ("-", "+", "=") else text


def _md_lines(text: str) -> list[str]:
    """Lines of literal text (a paragraph's), each escaped; blank lines dropped."""
    return [md_text(line) for line in inert(text, limit=None, single_line=False).splitlines()]


def render_markdown(doc: Document) -> str:
    """The document as GitHub-flavoured Markdown."""
    out = [f"# {md_text(doc.title)}", ""]
    for block in doc.blocks:
        out += _md_block(block)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'#' * max(2, min(block.level, 6))} {md_text(block.text)}"]
    if isinstance(block, Para):
        lines = [line for line in _md_lines(block.text) if line] or [""]
        if block.strong:
            lines[0] = f"**{md_text(block.strong)}** {lines[0]}".rstrip()
        # A backslash at the end of a line is a hard line break.
        return [line + "\\" for line in lines[:-1]] + lines[-1:]
    if isinstance(block, Quote):
        out: list[str] = []
        for para in re.split(r"\n\s*\n", block.text.strip("\n")):
            lines = [line for line in _md_lines(para) if line]
            if not lines:
                continue
            if out:
                out.append(">")
            out += [f"> {line}\\" for line in lines[:-1]] + [f"> {lines[-1]}"]
        return out or ["> \\(empty\\)"]
    if isinstance(block, Bullets):
        return [f"- {md_text(item, limit=None)}" for item in block.items] or ["- \\(none\\)"]
    header = [md_text(h, line_start=False) for h in block.header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in block.rows:
        lines.append(
            "| "
            + " | ".join(md_text(cell, limit=CELL_LIMIT, line_start=False) for cell in row)
            + " |"
        )
    return lines


# --- HTML ---------------------------------------------------------------------------

_CSS: Final = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24;
  background: #fff; margin: 0; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #1b1f24; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: 12.5px; }
th, td { border: 1px solid #d0d7de; padding: .25rem .45rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f5f7; }
tr:nth-child(even) td { background: #fafbfc; }
blockquote { margin: .5rem 0; padding: .2rem .9rem; border-left: 4px solid #8c959f;
  color: #33393f; white-space: normal; }
p, li, blockquote { overflow-wrap: anywhere; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  table { font-size: 7pt; }
  th, td { padding: .1rem .25rem; }
  tr, blockquote { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
}
"""
_CSS_HASH: Final = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
#: Nothing may load or run: only the page's own stylesheet, allowed by its hash.
CSP: Final = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'none'; "
    "script-src 'none'; connect-src 'none'; font-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def html_text(value: object, *, limit: int | None = None) -> str:
    """One line of literal text for HTML: inert, then escaped (quotes too)."""
    return html.escape(inert(value, limit=limit, single_line=True), quote=True)


def _html_cell(value: object) -> str:
    """Cell text, with a line-break opportunity (``<wbr>``, not copied) in long words."""
    text = inert(value, limit=CELL_LIMIT, single_line=True)
    parts = []
    for word in re.split(r"(\s+)", text):
        if len(word) <= _LONG_WORD:
            parts.append(html.escape(word, quote=True))
            continue
        chunks = [word[i : i + _WORD_STEP] for i in range(0, len(word), _WORD_STEP)]
        parts.append("<wbr>".join(html.escape(chunk, quote=True) for chunk in chunks))
    return "".join(parts)


def _html_lines(text: str) -> str:
    lines = inert(text, limit=None, single_line=False).strip("\n").splitlines()
    return "<br>\n".join(html.escape(inert(line, limit=None), quote=True) for line in lines)


def render_html(doc: Document) -> str:
    """The document as one self-contained HTML page (no script, no external resource)."""
    body = [f"<h1>{html_text(doc.title)}</h1>"]
    for block in doc.blocks:
        body.append(_html_block(block))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html_text(doc.title)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        level = max(2, min(block.level, 6))
        return f"<h{level}>{html_text(block.text)}</h{level}>"
    if isinstance(block, Para):
        lead = f"<strong>{html_text(block.strong)}</strong> " if block.strong else ""
        return f"<p>{lead}{_html_lines(block.text)}</p>"
    if isinstance(block, Quote):
        paras = [p for p in re.split(r"\n\s*\n", block.text.strip("\n")) if p.strip()]
        inner = "\n".join(f"<p>{_html_lines(p)}</p>" for p in paras) or "<p>(empty)</p>"
        return f"<blockquote>\n{inner}\n</blockquote>"
    if isinstance(block, Bullets):
        items = block.items or ("(none)",)
        return "<ul>\n" + "\n".join(f"<li>{html_text(i)}</li>" for i in items) + "\n</ul>"
    return _html_table(block.header, block.rows)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html_text(h)}</th>" for h in header)
    lines = [f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>"]
    for row in rows:
        cells = "".join(f"<td>{_html_cell(cell)}</td>" for cell in row)
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)
