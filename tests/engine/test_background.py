"""A load beside its caller: what it reports is kept until it is read."""

from __future__ import annotations

from pathlib import Path

from ctir_tui.engine.background import BackgroundLoad, LoadNews
from ctir_tui.engine.pipeline.discover import MissingPathError
from ctir_tui.engine.pipeline.load import LoadCancelled, LoadOptions
from tests.factory import record, write_s3


def _follow(loader: BackgroundLoad) -> list[LoadNews]:
    seen: list[LoadNews] = []
    for _ in range(600):  # at most a minute: a load that never ends fails the test
        news = loader.news(timeout=0.1)
        seen.append(news)
        if news.done:
            return seen
    raise AssertionError("the load never ended")


def test_the_session_and_the_last_progress_are_kept_until_read(tmp_path: Path) -> None:
    write_s3(tmp_path / "a.json.gz", [record(1), record(2, eventName="CreateUser")])
    loader = BackgroundLoad([tmp_path], LoadOptions(use_cache=False)).start()
    seen = _follow(loader)
    done = seen[-1]
    assert done.error is None
    assert done.session is not None
    assert sorted(done.session.frame.get_column("event_name").to_list()) == [
        "CreateUser",
        "ListUsers",
    ]
    progress = [n.progress for n in seen if n.progress is not None]
    assert progress
    assert progress[-1].files_done == 1
    # Read again, the end is still there; the progress was handed out once.
    again = loader.news(timeout=0.0)
    assert again.done
    assert again.session is done.session
    assert again.progress is None


def test_a_missing_path_and_a_cancel_end_it_with_their_reason(tmp_path: Path) -> None:
    missing = _follow(BackgroundLoad([tmp_path / "nope"], None).start())[-1]
    assert isinstance(missing.error, MissingPathError)
    assert missing.session is None
    write_s3(tmp_path / "a.json.gz", [record(1)])
    loader = BackgroundLoad([tmp_path], LoadOptions(use_cache=False))
    loader.cancel.set()  # cancelled before it starts: it stops at its first check
    cancelled = _follow(loader.start())[-1]
    assert isinstance(cancelled.error, LoadCancelled)
    assert cancelled.session is None
