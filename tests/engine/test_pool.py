"""The parsing pool: a worker that dies costs nothing."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from ctir_tui.engine.pipeline import load as load_module
from ctir_tui.engine.pipeline import pool as pool_module
from ctir_tui.engine.pipeline.load import LoadOptions, LoadResult, Progress, load_paths
from tests.factory import record, write_s3

FILES = 24
PER_FILE = 3_000


def _trail(root: Path) -> None:
    for f in range(FILES):
        records = [record(f * PER_FILE + i, eventName=f"Call{f}") for i in range(PER_FILE)]
        write_s3(root / f"f{f:02d}.json.gz", records)


def _load_within(root: Path, why: str, **callbacks: Any) -> LoadResult:
    """Load ``root`` with two worker processes, failing with ``why`` if it takes 120 s."""
    options = LoadOptions(use_cache=False, processes=True, workers=2)
    results: list[LoadResult] = []
    loading = threading.Thread(
        target=lambda: results.append(load_paths([root], options, **callbacks)), daemon=True
    )
    loading.start()
    loading.join(timeout=120)
    assert results, why
    return results[0]


def test_workers_killed_mid_load_lose_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the out-of-memory killer would: every worker is killed once a batch that a worker
    # parsed is back (the first is parsed in this process), while they hold the next ones.
    # Their batches are parsed again, and every record of every file is there.
    monkeypatch.setattr(load_module, "BATCH_FILES", 1)
    _trail(tmp_path / "trail")
    killed: list[int] = []

    def progress(p: Progress) -> None:
        if not killed and p.files_done >= 2:
            for child in mp.active_children():
                if child.name == "ctir-parse" and child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)
                    killed.append(child.pid)

    # A kill once left every worker waiting on a lock for ever.
    result = _load_within(
        tmp_path / "trail", "the load hung after its workers were killed", progress=progress
    )
    assert killed, "no worker was running to be killed"
    assert result.frame.height == FILES * PER_FILE
    assert result.report.reconciles
    assert [f.status for f in result.report.files] == ["read"] * FILES
    per_file = dict(result.frame.group_by("event_name").len().iter_rows())
    assert per_file == {f"Call{f}": PER_FILE for f in range(FILES)}


def _exit_at_once(*_args: object) -> None:  # pragma: no cover - runs in the child
    os._exit(7)


def test_workers_that_cannot_start_leave_the_parse_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker process that dies before it starts (an interpreter that cannot import ctir,
    # a limit on processes) once made the pool start workers for ever. After a few, the
    # batches are parsed here, and the load ends whole.
    monkeypatch.setattr(load_module, "BATCH_FILES", 1)
    monkeypatch.setattr(pool_module, "_serve", _exit_at_once)
    _trail(tmp_path / "trail")
    result = _load_within(tmp_path / "trail", "the load never ended: workers were started for ever")
    assert result.frame.height == FILES * PER_FILE
    assert [f.status for f in result.report.files] == ["read"] * FILES


def test_workers_parse_at_a_lower_priority_than_ctir(tmp_path: Path) -> None:
    # While they parse on every core, the explorer's interface is scheduled first.
    _trail(tmp_path / "trail")
    own = os.getpriority(os.PRIO_PROCESS, 0)
    seen: dict[int, int] = {}

    def progress(p: Progress) -> None:
        for child in mp.active_children():
            if child.name == "ctir-parse" and child.pid is not None:
                try:
                    seen[child.pid] = os.getpriority(os.PRIO_PROCESS, child.pid)
                except OSError:  # already gone
                    continue

    result = _load_within(tmp_path / "trail", "the load did not finish", progress=progress)
    assert result.frame.height == FILES * PER_FILE
    # Lowered as each is started (its start is the heavy part), so every one seen is.
    assert seen, "no worker process was seen"
    assert all(nice >= min(own + 10, 19) for nice in seen.values()), (own, seen)
