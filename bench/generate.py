"""Seeded generator of CloudTrail evidence: the repo's ``sample_logs/`` and the benchmark set.

Usage::

    python bench/generate.py sample --out sample_logs      # + tests/fixtures/sample_facts.json
    python bench/generate.py bench --events 1000000 --out bench/data/1m
    python bench/generate.py trail --preset 1m            # or 300k, tiny100k -> bench/data/trail-1m
    python bench/generate.py trail --events 50000 --accounts 2 --out DIR [--files N] [--seed S]

Output is byte-for-byte the same for a given ``--seed``. The code is in ``bench/gen/``; the
sample incident's story is ``bench.gen.incident.STORY``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen.benchset import write_bench
from bench.gen.facts import SAMPLE_FACTS
from bench.gen.sample import write_sample
from bench.gen.trailset import PRESETS, write_trail

__all__ = ["main", "write_bench", "write_sample", "write_trail"]


def per_file(text: str) -> tuple[int, int]:
    """Parse ``LO-HI`` (records per file)."""
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


def trail_options(args: argparse.Namespace) -> dict[str, Any]:
    """Return the layout options of ``trail``: the preset's, overridden by explicit flags."""
    options = dict(PRESETS[args.preset]) if args.preset else {"accounts": 1, "days": 3}
    for name in ("events", "accounts", "days", "files", "per_file"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if "per_file" in options and "events" in options:
        sys.exit("trail: give --events, or --files with --per-file, not both")
    if "per_file" not in options and "events" not in options:
        sys.exit("trail: give --events N (or --preset)")
    return options


def main(argv: list[str] | None = None) -> int:
    """Run the generator's command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="mode", required=True)
    p_sample = sub.add_parser("sample", help="write the repo's sample_logs/")
    p_sample.add_argument("--out", type=Path, default=Path("sample_logs"))
    p_sample.add_argument(
        "--facts",
        type=Path,
        default=SAMPLE_FACTS,
        help="where to write the facts about the sample, outside it (default: %(default)s)",
    )
    p_bench = sub.add_parser("bench", help="write the benchmark set: 1,000-record files")
    p_bench.add_argument("--out", type=Path, default=Path("bench/data/1m"))
    p_bench.add_argument("--events", type=int, default=1_000_000)
    p_trail = sub.add_parser("trail", help="write a benchmark trail laid out as CloudTrail does")
    p_trail.add_argument("--preset", choices=sorted(PRESETS), help="a named layout")
    p_trail.add_argument("--out", type=Path, help="default: bench/data/trail-<preset>")
    p_trail.add_argument("--events", type=int, help="distinct events (exact)")
    p_trail.add_argument("--accounts", type=int, help="accounts (default 1)")
    p_trail.add_argument("--days", type=int, help="days of activity (default 3)")
    p_trail.add_argument("--files", type=int, help="about how many files (solves the skew)")
    p_trail.add_argument("--per-file", type=per_file, help="LO-HI records in every file")
    for p in (p_bench, p_trail):
        p.add_argument("--workers", type=int, default=None)
    for p in (p_sample, p_bench, p_trail):
        p.add_argument("--seed", type=int, default=20250312)
        p.add_argument("--force", action="store_true", help="overwrite a folder of other files")
    args = parser.parse_args(argv)
    if args.mode == "sample":
        write_sample(args.out, args.seed, args.force, args.facts)
    elif args.mode == "bench":
        write_bench(args.out, args.events, args.seed, args.force, args.workers)
    else:
        out = args.out or Path(f"bench/data/trail-{args.preset or 'custom'}")
        options = trail_options(args)
        write_trail(out, args.seed, args.force, preset=args.preset, workers=args.workers, **options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
