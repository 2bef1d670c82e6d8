"""Check that the generator writes the same bytes as it did at another commit.

Usage::

    python bench/same_output.py                  # the working tree against HEAD
    python bench/same_output.py --base main~3 --events 20000 --seed 7

Copies ``bench/`` of the base commit (``git archive``) and of the working tree into a temporary
folder, runs ``generate.py sample`` and ``generate.py bench`` in each, hashes every file written
and prints the files that differ. The benchmark README holds the generation time
(``"seconds": N``), the one value that changes from run to run: it is set to 0 before hashing.
Exit status 0 when every file list and hash matches.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hashes(folder: Path) -> dict[str, str]:
    """Return {relative path: sha256} of every file under ``folder``."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name == "README.md":
            data = re.sub(rb'"seconds":[0-9.]+', b'"seconds":0', data)
        out[path.relative_to(folder).as_posix()] = hashlib.sha256(data).hexdigest()
    return out


def generate(tree: Path, work: Path, seed: int, events: int) -> dict[str, dict[str, str]]:
    """Run both generator modes of the copy in ``tree``; return the hashes of each output."""
    script = str(tree / "bench" / "generate.py")
    runs = {
        "sample": [script, "sample", "--out", str(work / "sample"), "--seed", str(seed)],
        "bench": [script, "bench", "--out", str(work / "bench"), "--events", str(events)],
    }
    for args in runs.values():
        subprocess.run([sys.executable, *args], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return {name: hashes(work / name) for name in runs}


def main(argv: list[str] | None = None) -> int:
    """Compare the outputs of the base commit and of the working tree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--base", default="HEAD", help="the commit to compare with")
    parser.add_argument("--seed", type=int, default=20250312)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ctir-same-") as tmp:
        base, head = Path(tmp, "base"), Path(tmp, "head")
        archive = subprocess.run(
            ["git", "archive", args.base, "bench"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(base, filter="data")
        shutil.copytree(ROOT / "bench", head / "bench", ignore=shutil.ignore_patterns("data"))
        before = generate(base, Path(tmp, "out-base"), args.seed, args.events)
        after = generate(head, Path(tmp, "out-head"), args.seed, args.events)
    same = True
    for name, old in before.items():
        new = after[name]
        differ = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
        same = same and not differ
        print(f"{name}: {len(new)} files, " + ("identical" if not differ else "DIFFERENT:"))
        for rel in differ[:20]:
            print(f"  {rel}: {old.get(rel, 'missing')[:12]} -> {new.get(rel, 'missing')[:12]}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
