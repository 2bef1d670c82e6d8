"""Hand-made evidence for the case tests: the bytes on disk and what a bundle must hold.

Every record's text is written here as it lands on disk, so the tests compare the bundle
against these bytes, never against anything ctir computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tests.factory import record

ATTACKER = "203.0.113.66"
HOSTILE_UA = (
    "<script>document.title='PWNED';document.body.dataset.pwned='ua'</script>"
    "<img src=x onerror=\"document.title='PWNED'\">"
)
#: A principal that tries every Markdown trick, and a bidi override.
HOSTILE_USER = "[x](javascript:alert(1)) ![p](http://attacker.example/p.png) \u202eevil"
HOSTILE_ERROR = (
    "a | b | c\nnew row | &lt;script&gt; &#60;b&#62; <https://attacker.example> "
    "www.attacker.example"
)
HOSTILE_NOTE = (
    '</td></tr></table><script>document.title="PWNED";'
    "document.body.setAttribute('data-pwned','note')</script>\n"
    "[click me](javascript:alert(document.domain)) ![track](http://attacker.example/t.png)\n"
    "| extra | cells |\n<style>body{display:none}</style> &amp; &#x3C;i&#x3E; \x1b[31mred\u202e"
)
HOSTILE_CASE_NOTE = (
    "# Not a heading\n- not a list\n1. nor this\n<iframe src=http://attacker.example>"
)


def _rec(n: int, **fields: Any) -> dict[str, Any]:
    return record(n, **fields)


def _attacker(n: int, name: str, **fields: Any) -> dict[str, Any]:
    return _rec(n, eventName=name, sourceIPAddress=ATTACKER, readOnly=False, **fields)


@dataclass(frozen=True)
class Evidence:
    """The evidence folder and the exact text of each record in it, by request id."""

    folder: Path
    files: tuple[Path, ...]
    texts: dict[str, bytes]
    event_ids: dict[str, str | None]


def write_evidence(root: Path) -> Evidence:
    """Two files (an S3 delivery, JSON Lines) and a note that is not a log.

    Records, in time order (request ids ``req-0000000N``):

    1. ListUsers by alice from 198.51.100.7
    2. CreateUser by the attacker (203.0.113.66)
    3. CreateAccessKey by the attacker
    4. StopLogging by the attacker, hostile user agent, user name and error
    5. GetCallerIdentity from 2001:db8::7 (no eventID: keyed by its locator)
    6. ListBuckets by alice, failed
    """
    folder = root / "evidence"
    trail = folder / "AWSLogs" / "trail.json"
    lines = folder / "export.jsonl"
    trail.parent.mkdir(parents=True)
    hostile = {
        "userAgent": HOSTILE_UA,
        "errorCode": "AccessDenied",
        "errorMessage": HOSTILE_ERROR,
        "eventSource": "cloudtrail.amazonaws.com",
    }
    in_trail = [
        _attacker(4, "StopLogging", **hostile),
        _rec(1),
        _attacker(3, "CreateAccessKey"),
        _attacker(2, "CreateUser"),
    ]
    in_trail[0]["userIdentity"] = dict(in_trail[0]["userIdentity"], userName=HOSTILE_USER)
    no_id = _rec(5, eventName="GetCallerIdentity", sourceIPAddress="2001:db8::7")
    del no_id["eventID"]
    in_lines = [no_id, _rec(6, eventName="ListBuckets", errorCode="AccessDenied")]
    trail_texts = [orjson.dumps(r) for r in in_trail]
    line_texts = [orjson.dumps(r) for r in in_lines]
    trail.write_bytes(b'{"Records": [' + b", ".join(trail_texts) + b"]}")
    lines.write_bytes(b"\n".join(line_texts) + b"\n")
    (folder / "notes.txt").write_text("analyst notes, not a log\n")
    texts = {}
    ids = {}
    for rec, text in zip([*in_trail, *in_lines], [*trail_texts, *line_texts], strict=True):
        texts[rec["requestID"]] = text
        ids[rec["requestID"]] = rec.get("eventID")
    return Evidence(folder, (trail, lines, folder / "notes.txt"), texts, ids)


def evt(n: int) -> str:
    """The eventID of record ``n``."""
    return f"evt-{n:08d}"


def req(n: int) -> str:
    """The requestID of record ``n``."""
    return f"req-{n:08d}"
