"""Seeded generator of CloudTrail evidence: the repo's ``sample_logs/`` and the benchmark set.

Usage::

    python bench/generate.py sample --out sample_logs      # + tests/fixtures/sample_facts.json
    python bench/generate.py bench --events 1000000 --out bench/data/1m

Output is byte-for-byte the same for a given ``--seed``. The code is in ``bench/gen/``; the
sample incident's story is ``bench.gen.incident.STORY``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen.benchset import write_bench
from bench.gen.facts import SAMPLE_FACTS
from bench.gen.sample import write_sample

__all__ = ["main", "write_bench", "write_sample"]


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
    p_bench = sub.add_parser("bench", help="write the large benchmark set")
    p_bench.add_argument("--out", type=Path, default=Path("bench/data/1m"))
    p_bench.add_argument("--events", type=int, default=1_000_000)
    p_bench.add_argument("--workers", type=int, default=None)
    for p in (p_sample, p_bench):
        p.add_argument("--seed", type=int, default=20250312)
        p.add_argument("--force", action="store_true", help="overwrite a folder of other files")
    args = parser.parse_args(argv)
    if args.mode == "sample":
        write_sample(args.out, args.seed, args.force, args.facts)
    else:
        write_bench(args.out, args.events, args.seed, args.force, args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
