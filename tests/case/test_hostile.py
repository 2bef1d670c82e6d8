"""Hostile text from logs and notes stays text in the report, in Markdown and in HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ctir_tui.cli import main
from ctir_tui.engine.case.store import CaseStore
from tests.case.evidence import (
    HOSTILE_CASE_NOTE,
    HOSTILE_NOTE,
    Evidence,
    evt,
    write_evidence,
)

#: The tags the HTML report is made of; anything else came from a log.
OUR_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "h1",
    "h2",
    "h3",
    "p",
    "br",
    "wbr",
    "strong",
    "blockquote",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    evidence: Evidence = write_evidence(root)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_STATE_HOME", str(root / "state"))
        env.setenv("XDG_CACHE_HOME", str(root / "cache"))
        case = CaseStore.open([evidence.folder])
        for n in (1, 2, 3, 4, 6):
            case.mark(evt(n))
        case.set_note(evt(4), HOSTILE_NOTE)
        case.set_note(evt(2), "one line | with [a](http://attacker.example) link")
        case.set_notes(HOSTILE_CASE_NOTE + "\n\n" + HOSTILE_NOTE)
        out = root / "bundle"
        code = main(["case", "export", str(evidence.folder), "-o", str(out), "--no-cache"])
    assert code == 0
    return out


def test_markdown_holds_no_raw_html_link_or_image(bundle: Path) -> None:
    text = (bundle / "report.md").read_text()
    assert "](" not in text
    # Every < and & from a log or a note is escaped (the report itself writes none).
    assert re.search(r"(?<!\\)[<&]", text) is None
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\<U+202E\\>" in text  # shown, not obeyed


def _rendered(bundle: Path) -> str:
    # A stricter renderer than GitHub's: GFM tables and strikethrough plus linkify, which
    # also links bare domains.
    md = MarkdownIt("gfm-like", {"linkify": True, "html": True})
    rendered: str = md.render((bundle / "report.md").read_text())
    return rendered


def test_markdown_renders_to_text_only(bundle: Path) -> None:
    html = _rendered(bundle)
    for tag in ("<script", "<img", "<a ", "<iframe", "<style", "<h1>Not", "<ol"):
        assert tag not in html, tag
    assert "&lt;script&gt;" in html
    assert "[click me](javascript:alert(document.domain))" in html


def test_markdown_tables_keep_their_columns(bundle: Path) -> None:
    html = _rendered(bundle)
    tables = re.findall(r"<table>.*?</table>", html, re.S)
    # timeline, identities, source IPs, access keys, tactics, load report, coverage
    assert len(tables) == 7
    for table in tables:
        header = len(re.findall(r"<th\b", table.split("</thead>")[0]))
        for row in re.findall(r"<tr>.*?</tr>", table.split("</thead>")[1], re.S):
            assert len(re.findall(r"<td\b", row)) == header, row
    timeline = (bundle / "report.md").read_text().split("## Timeline")[1].split("\n#")[0]
    rows = [line for line in timeline.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 5  # header, rule, five events: no row was split or added


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def test_html_is_made_of_our_tags_only(bundle: Path) -> None:
    page = (bundle / "report.html").read_text()
    parser = _Tags()
    parser.feed(page)
    assert {tag for tag, _ in parser.tags} <= OUR_TAGS
    for tag, attrs in parser.tags:
        names = {name for name, _ in attrs}
        assert "href" not in names
        assert "src" not in names
        if tag not in ("html", "meta"):
            assert not attrs, (tag, attrs)
    csp = [
        dict(a)
        for t, a in parser.tags
        if t == "meta" and ("http-equiv", "Content-Security-Policy") in a
    ]
    assert len(csp) == 1
    policy = csp[0]["content"] or ""
    assert "default-src 'none'" in policy
    assert "script-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "<script" not in page
    assert "&lt;script&gt;" in page


def test_html_tables_keep_their_columns(bundle: Path) -> None:
    page = (bundle / "report.html").read_text()
    for table in re.findall(r"<table>.*?</table>", page, re.S):
        header = len(re.findall(r"<th>", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S):
            assert len(re.findall(r"<td>", row)) == header
