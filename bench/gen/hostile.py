"""Hostile evidence: one folder per class of attack on a loader, with what a correct load finds.

Each :class:`Case` writes its files into an empty folder and returns an :class:`Expect`: the
eventIDs that must load, the files that must be reported (by a fragment of the path and of
the reason), and the flags some events must carry. Tests write them small; ``bench/
bench_hostile.py`` writes them at the sizes that broke earlier versions and prints, per class,
the time, the peak memory and the records kept.

The expectations are what the writer put there, never what ctir reads back.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import socket
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

MIB = 1 << 20


@dataclass(slots=True)
class Expect:
    """What a correct load of a case finds."""

    #: eventIDs that must be loaded (each exactly once unless listed in ``copies``).
    loaded: set[str] = field(default_factory=set)
    #: eventIDs loaded more than once (conflicting copies), with how many copies.
    copies: dict[str, int] = field(default_factory=dict)
    #: (path fragment, reason fragment) of files that must be reported failed or skipped.
    reported: list[tuple[str, str]] = field(default_factory=list)
    #: eventID -> a flag it must carry.
    flags: dict[str, str] = field(default_factory=dict)
    #: Re-deliveries that must be dropped and counted.
    duplicates: int = 0
    #: Records that must be rejected (counted, with a reason).
    rejected: int = 0
    #: Records that must load although they carry no eventID.
    unnamed: int = 0
    #: eventIDs that may carry a flag or not (how deep a decoder follows depends on the
    #: stack it runs on: 990 levels fit in a worker process, not always in a thread).
    may_flag: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Case:
    """One class of hostile input."""

    name: str
    what: str
    #: Writes the case into a folder, at a scale, with a folder outside the evidence.
    write: Callable[[Path, int, Path], Expect]
    needs_posix: bool = False


def record(event_id: str, name: str = "ListBuckets", **extra: Any) -> dict[str, Any]:
    """A plain, valid CloudTrail record."""
    base: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLE",
            "userName": "alice",
        },
        "eventTime": "2026-03-12T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": None,
        "responseElements": None,
        "eventID": event_id,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    }
    base.update(extra)
    return base


def delivery(*records: dict[str, Any]) -> bytes:
    """A file as CloudTrail delivers it: ``{"Records": [...]}``."""
    return orjson.dumps({"Records": list(records)})


def eid(case: str, n: int) -> str:
    """A readable, unique eventID for record ``n`` of a case."""
    return f"{case}-{n:04d}-0000-0000-000000000000"


def _good(folder: Path, case: str, count: int = 3) -> set[str]:
    """Write a good delivery beside the hostile files: it must always load."""
    ids = {eid(case, n) for n in range(count)}
    (folder / f"good-{case}.json").write_bytes(delivery(*(record(i) for i in sorted(ids))))
    return ids


# --- one bad file never stops the load --------------------------------------------------------


def _deep_nesting(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "deep")
    deep_ok = eid("deep", 990)
    deep_bad = eid("deep", 1000)
    parts = []
    for depth, event_id in ((990, deep_ok), (1000 * scale, deep_bad)):
        nested = '{"a":' * depth + "1" + "}" * depth
        text = orjson.dumps(record(event_id)).decode()
        parts.append(text.replace('"requestParameters":null', f'"requestParameters":{nested}'))
    (folder / "deep-records.json").write_text('{"Records":[' + ",".join(parts) + "]}")
    (folder / "deep-arrays.json").write_text("[" * (100_000 * scale) + "]" * (100_000 * scale))
    return Expect(
        loaded=good | {deep_ok, deep_bad},
        flags={deep_bad: "deep-nesting"},
        may_flag={deep_ok},
        reported=[("deep-arrays.json", "nested too deeply")],
    )


def _surrogates(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "surr")
    (folder / "lone.json").write_bytes(b'[{"eventName":"\\ud800"}]')
    flagged = eid("surr", 9)
    text = orjson.dumps(record(flagged, userAgent="XSURROGATEX")).decode()
    (folder / "agent.json").write_text(text.replace("XSURROGATEX", "aws-cli \\udfff \\ud800x"))
    # The 24-byte file is a record with a name and nothing else: kept, flagged, no eventID.
    return Expect(loaded=good | {flagged}, flags={flagged: "bad-unicode"}, unnamed=1)


def _big_numbers(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "bignum")
    big = eid("bignum", 9)
    text = orjson.dumps(record(big, requestParameters={"n": "X"})).decode()
    (folder / "bignum.json").write_text(text.replace('"X"', "9" * (5000 * scale)))
    return Expect(loaded=good | {big}, flags={big: "big-number"})


def _bad_names(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "names")
    named = eid("names", 9)
    raw = os.fsencode(folder)
    with open(raw + b"/\xff-bad.json", "wb") as out:
        out.write(delivery(record(named)))
    with open(raw + b"/\x9b-empty.json", "wb"):
        pass
    return Expect(loaded=good | {named}, reported=[("empty.json", "empty")])


def _time_extremes(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "time")
    times = {
        eid("time", 10): "0000-01-01T00:00:00Z",
        eid("time", 11): "-0001-01-01T00:00:00Z",
        eid("time", 12): "10000-01-01T00:00:00Z",
        eid("time", 13): "9999-12-31T23:59:59Z",
        eid("time", 14): "not a time",
    }
    (folder / "times.json").write_bytes(
        delivery(*(record(i, eventTime=t) for i, t in times.items()))
    )
    bad = {i: "bad-time" for i in times if i != eid("time", 13)}
    return Expect(loaded=good | set(times), flags=bad)


def _special_files(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "special")
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.json").write_bytes(delivery(record(eid("special", 99))))
    (folder / "escape").symlink_to(outside)
    (folder / "escape-file.json").symlink_to(outside / "secret.json")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(folder / "sock"))
    finally:
        sock.close()
    return Expect(
        loaded=good,
        reported=[
            ("fifo.json", "only regular files are read"),
            ("zero.json", "outside the evidence: not followed"),
            ("escape", "outside the evidence: not followed"),
            ("escape-file.json", "outside the evidence: not followed"),
            ("sock", "only regular files are read"),
        ],
    )


# --- bounded resources ------------------------------------------------------------------------


def _stream(chunk: bytes, total: int, compressor: Any) -> bytes:
    out = io.BytesIO()
    for _ in range(total // len(chunk)):
        out.write(compressor.compress(chunk))
    out.write(compressor.flush())
    return out.getvalue()


def _gzip_bomb(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "gzbomb")
    size = 256 * MIB * scale
    spaces = _stream(b" " * MIB, size, zlib.compressobj(9, zlib.DEFLATED, 31))
    (folder / "spaces.json.gz").write_bytes(spaces)
    head = b'{"Records":[{"eventName":"'
    body = zlib.compressobj(9, zlib.DEFLATED, 31)
    string = body.compress(head) + _stream(b"A" * MIB, size, body)
    (folder / "string.json.gz").write_bytes(string)
    return Expect(
        loaded=good,
        reported=[("spaces.json.gz", "refused: inflates past"), ("string.json.gz", "refused")],
    )


def _zip_bomb(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "zipbomb")
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.json", "w", force_zip64=True) as member:
            chunk = b"\0" * MIB
            for _ in range(256 * scale):
                member.write(chunk)
        zf.writestr("fine.json", delivery(record(eid("zipbomb", 9))))
    return Expect(
        loaded=good | {eid("zipbomb", 9)}, reported=[("zeros.json", "refused: inflates past")]
    )


def _huge_line(folder: Path, scale: int, outside: Path) -> Expect:
    """One delivery on a single line, ``scale`` x 16 MiB (the benchmark uses ~1.1 GB)."""
    good = _good(folder, "line")
    pad = "x" * 1000
    count = 16 * MIB * scale // 1400
    ids = {eid("line", 10_000 + n) for n in range(count)}
    with open(folder / "one-line.json", "wb") as out:
        out.write(b'{"Records":[')
        for n, event_id in enumerate(sorted(ids)):
            if n:
                out.write(b",")
            out.write(orjson.dumps(record(event_id, requestParameters={"pad": pad})))
        out.write(b"]}")
    return Expect(loaded=good | ids)


def _zeros_array(folder: Path, scale: int, outside: Path) -> Expect:
    """``{"Records": [0,0,...]}``: 100,000 x scale items that are no records (19 KB gzip
    for 10M), each rejected, in aggregate."""
    good = _good(folder, "zeros")
    count = 100_000 * scale
    body = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    out.write(body.compress(b'{"Records":[0'))
    chunk = b",0" * 50_000
    for _ in range((count - 1) // 50_000):
        out.write(body.compress(chunk))
    out.write(body.compress(b",0" * ((count - 1) % 50_000) + b"]}"))
    out.write(body.flush())
    (folder / "zeros.json.gz").write_bytes(out.getvalue())
    return Expect(loaded=good, rejected=count)


# --- nothing hidden ---------------------------------------------------------------------------


def _duplicate_keys(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "dupkey")
    sneaky = eid("dupkey", 9)
    text = orjson.dumps(record(sneaky, eventName="XNAMEX")).decode()
    both = '"eventName":"ListBuckets","eventName":"DeleteTrail"'
    text = text.replace('"eventName":"XNAMEX"', both)
    (folder / "dupkeys.json").write_text('{"Records":[' + text + "]}")
    return Expect(loaded=good | {sneaky}, flags={sneaky: "duplicate-keys"})


def _conflicting_copies(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "conflict")
    shared = eid("conflict", 9)
    redelivered = eid("conflict", 8)
    (folder / "a.json").write_bytes(delivery(record(shared, "DeleteTrail"), record(redelivered)))
    (folder / "b.json").write_bytes(
        delivery(
            record(shared, "ListBuckets", eventTime="2026-03-12T09:00:00Z"), record(redelivered)
        )
    )
    return Expect(
        loaded=good | {shared, redelivered},
        copies={shared: 2},
        flags={shared: "conflicting-copy"},
        duplicates=1,
    )


def _damaged_compression(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "crc")
    first = {eid("crc", 10 + n) for n in range(5)}
    data = bytearray(gzip.compress(delivery(*(record(i) for i in sorted(first)))))
    data[-8] ^= 0xFF  # the CRC32 of the member
    (folder / "bad-crc.json.gz").write_bytes(bytes(data))
    lines = b"".join(orjson.dumps(record(eid("crc", 20 + n))) + b"\n" for n in range(2))
    first_member = gzip.compress(lines)
    middle = gzip.compress(orjson.dumps(record(eid("crc", 30))) + b"\n")
    tail = gzip.compress(orjson.dumps(record(eid("crc", 31))) + b"\n")[:-12]
    (folder / "members.jsonl.gz").write_bytes(first_member + middle + tail)
    kept = first | {eid("crc", 20), eid("crc", 21), eid("crc", 30)}
    # The truncated member's line is cut short: rejected, with its line number.
    return Expect(loaded=good | kept, rejected=1)


def _encodings(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "enc")
    ids = [eid("enc", 10 + n) for n in range(3)]
    text = delivery(record(ids[0])).decode()
    (folder / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (folder / "utf16le.json").write_bytes(
        "\ufeff".encode("utf-16-le") + delivery(record(ids[1])).decode().encode("utf-16-le")
    )
    (folder / "utf16be.json").write_bytes(
        "\ufeff".encode("utf-16-be") + delivery(record(ids[2])).decode().encode("utf-16-be")
    )
    return Expect(loaded=good | set(ids))


def _archives(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "arch")
    kinds = ("tar", "tgz", "bz2", "xz", "zz")
    ids = {kind: eid("arch", 10 + n) for n, kind in enumerate(kinds)}

    def member(event_id: str) -> bytes:
        return delivery(record(event_id))

    for kind in ("tar", "tgz"):
        body = member(ids[kind])
        info = tarfile.TarInfo("nested/log.json")
        info.size = len(body)
        plain = io.BytesIO()
        with tarfile.open(fileobj=plain, mode="w") as tf:
            tf.addfile(info, io.BytesIO(body))
        packed = plain.getvalue() if kind == "tar" else gzip.compress(plain.getvalue())
        (folder / f"logs.{kind}").write_bytes(packed)
    (folder / "log.json.bz2").write_bytes(bz2.compress(member(ids["bz2"])))
    (folder / "log.json.xz").write_bytes(lzma.compress(member(ids["xz"])))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("inner.json", member(ids["zz"]))
    with zipfile.ZipFile(folder / "outer.zip", "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    dup_a, dup_b = eid("arch", 20), eid("arch", 21)
    with zipfile.ZipFile(folder / "dups.zip", "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate name is the point
        zf.writestr("same.json", member(dup_a))
        zf.writestr("same.json", member(dup_b))
    return Expect(loaded=good | set(ids.values()) | {dup_a, dup_b})


def _bad_identity(folder: Path, scale: int, outside: Path) -> Expect:
    good = _good(folder, "ident")
    odd = {eid("ident", 10): "root", eid("ident", 11): ["a", "b"], eid("ident", 12): 7}
    (folder / "identity.json").write_bytes(
        delivery(*(record(i, userIdentity=v) for i, v in odd.items()))
    )
    return Expect(loaded=good | set(odd), flags=dict.fromkeys(odd, "bad-identity"))


def _mixed_wrappers(folder: Path, scale: int, outside: Path) -> Expect:
    """One document holding both ``Records`` and lookup-events ``Events``: both are read."""
    good = _good(folder, "mixed")
    in_records, in_events = eid("mixed", 10), eid("mixed", 11)
    hidden = record(in_events, "DeleteTrail")
    page = {
        "EventId": in_events,
        "EventName": "DeleteTrail",
        "CloudTrailEvent": orjson.dumps(hidden).decode(),
    }
    body = {"Records": [record(in_records)], "Events": [page]}
    (folder / "both.json").write_bytes(orjson.dumps(body))
    return Expect(loaded=good | {in_records, in_events})


CASES: tuple[Case, ...] = (
    Case("deep-nesting", "JSON nested 1,000 and 100,000 deep", _deep_nesting),
    Case("surrogates", "a lone surrogate in a string (24 bytes)", _surrogates),
    Case("big-numbers", "an integer of 5,000 digits", _big_numbers),
    Case("bad-names", "file names that are not UTF-8 (0xff, 0x9b)", _bad_names, True),
    Case("time-extremes", "years 0000, -1, 10000 and 9999-12-31", _time_extremes),
    Case("special-files", "a FIFO, /dev/zero, a socket, links outside", _special_files, True),
    Case("gzip-bomb", "gzip of 256 MiB x scale of spaces or one string", _gzip_bomb),
    Case("zip-bomb", "zip member of 256 MiB x scale of zeros", _zip_bomb),
    Case("huge-line", "one delivery of 16 MiB x scale on one line", _huge_line),
    Case("zeros-array", "Records of 100,000 x scale zeros (no records)", _zeros_array),
    Case("duplicate-keys", "eventName given twice: ListBuckets, DeleteTrail", _duplicate_keys),
    Case("conflicting-copies", "one eventID, two contents; one re-delivery", _conflicting_copies),
    Case("damaged-compression", "bad gzip CRC; members then a truncated one", _damaged_compression),
    Case("encodings", "UTF-8 BOM, UTF-16 LE and BE", _encodings),
    Case("archives", "tar, tgz, bz2, xz, zip in zip, duplicate zip names", _archives),
    Case("bad-identity", "userIdentity as a string, a list, a number", _bad_identity),
    Case("mixed-wrappers", "Records and Events in one document", _mixed_wrappers),
)


def write_all(
    folder: Path, scale: int = 1, *, skip: frozenset[str] = frozenset(), outside: Path | None = None
) -> Expect:
    """Write every case into one folder (the tmux check opens it); return the union.

    Links meant to lead out of the evidence point into ``outside`` (by default a sibling
    of ``folder``).
    """
    outside = outside or folder.parent / f"{folder.name}-outside"
    total = Expect()
    for case in CASES:
        if case.name in skip:
            continue
        sub = folder / case.name
        sub.mkdir(parents=True, exist_ok=True)
        got = case.write(sub, scale, outside)
        total.loaded |= got.loaded
        total.copies.update(got.copies)
        total.reported += got.reported
        total.flags.update(got.flags)
        total.duplicates += got.duplicates
        total.rejected += got.rejected
        total.unnamed += got.unnamed
        total.may_flag |= got.may_flag
    return total
