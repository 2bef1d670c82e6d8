"""Free text reaches the request parameters, response elements and additional data.

Hand-made records with literal expectations: each names what it holds in its ``eventID``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ctir_tui.cli import main
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.language import parse_filter
from ctir_tui.engine.query.lookup import matching_rows
from ctir_tui.engine.query.texts import TextSearch
from ctir_tui.engine.session import Session
from tests.factory import record, write_s3


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    write_s3(
        folder / "a.json.gz",
        [
            record(
                1,
                eventID="run",
                eventName="RunInstances",
                eventSource="ec2.amazonaws.com",
                requestParameters={"instanceType": "p4d.24xlarge", "minCount": 8},
            ),
            record(
                2,
                eventID="share",
                eventName="ModifySnapshotAttribute",
                requestParameters={
                    "createVolumePermission": {"add": {"items": [{"userId": "444455556666"}]}}
                },
            ),
            record(
                3,
                eventID="assume",
                eventName="AssumeRole",
                responseElements={"credentials": {"accessKeyId": "ASIAHIDDENINRESPONSE"}},
            ),
            record(4, eventID="login", additionalEventData={"MFAUsed": "No", "LoginTo": "x"}),
            # Regex metacharacters are literal: "a.b" must not find "axb".
            record(5, eventID="dots", requestParameters={"name": "a.b(c)*"}),
            record(6, eventID="decoy", requestParameters={"name": "axb(c)"}),
            record(7, eventID="unicode", requestParameters={"note": "Ünïcödé-日本"}),
            record(8, eventID="plain"),
        ],
    )
    return folder


def found(session: Session, text: str, *, negate: bool = False) -> list[str]:
    clause = parse_filter(("not " if negate else "") + "text " + text)
    return sorted(session.view(Filters((clause,))).get_column("event_id").to_list())


def test_free_text_finds_request_response_and_additional_data(trail: Path) -> None:
    session = Session.open([trail])
    assert found(session, "p4d") == ["run"]
    assert found(session, "P4D.24XLARGE") == ["run"]
    assert found(session, "444455556666") == ["share"]
    assert found(session, "asiahiddeninresponse") == ["assume"]
    assert found(session, "mfaused") == ["login"]
    assert found(session, "a.b(c)*") == ["dots"]
    assert found(session, "ünïcödé-日本") == ["unicode"]
    # The columns are still searched (the event name), and the negation keeps the rest.
    assert found(session, "runinstances") == ["run"]
    assert found(session, "p4d", negate=True) == [
        "assume",
        "decoy",
        "dots",
        "login",
        "plain",
        "share",
        "unicode",
    ]
    assert found(session, "nowhere-to-be-found") == []


def test_a_filtered_view_is_searched_within_itself(trail: Path) -> None:
    session = Session.open([trail])
    view = session.view(Filters((parse_filter("event RunInstances|AssumeRole"),)))
    expr = session.expr(Filters((parse_filter("text ASIAHIDDEN"),)), frame=view)
    assert view.filter(expr).get_column("event_id").to_list() == ["assume"]


def test_the_list_search_reads_the_text_store_when_given_it(trail: Path) -> None:
    session = Session.open([trail])
    frame = session.frame
    rows = matching_rows(frame, "444455556666", session.text_search)
    assert frame[rows.to_list()].get_column("event_id").to_list() == ["share"]
    # Without the store only the columns are searched.
    assert matching_rows(frame, "444455556666").to_list() == []


def test_answers_are_remembered_and_a_vanished_part_is_skipped(trail: Path) -> None:
    session = Session.open([trail], None)
    search = TextSearch(session.texts)
    first = search.hits("p4d")
    assert first.len() == 1
    assert search.hits("P4D") is first  # case-insensitive: the same answer
    for part in session.texts.parts:
        part.path.unlink()
    assert search.hits("444455556666").len() == 0
    assert search.hits("").len() == 0


def test_every_command_takes_text(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(trail), "--text", "p4d", "--format", "csv", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 2  # the header and the RunInstances
    assert ",run," in out


def test_a_frame_without_locators_searches_its_columns() -> None:
    frame = pl.DataFrame({"event_name": ["RunInstances"], "event_id": ["x"]})
    texts_clause = Filters((parse_filter("text runinst"),))
    assert frame.filter(texts_clause.to_expr(frame)).height == 1
