"""Pivot semantics: clauses on one field OR, fields AND, a pivot replaces its field.

Every frame here is written out by hand and every expected id list is literal.
"""

from __future__ import annotations

import argparse

import pytest

from ctir_tui.cli.options import add_filter_options, filters_from_args
from ctir_tui.engine.query.clauses import ErrorsClause
from ctir_tui.engine.query.field_clauses import field_clause, session_clause
from ctir_tui.engine.query.filters import Filters, field_of
from ctir_tui.engine.query.language import make, parse_filter
from ctir_tui.engine.query.pivots import event_pivot, pivoted
from ctir_tui.engine.query.time_clauses import window
from tests.engine.test_filters import NEWEST, kept, make_frame

ROWS = [
    {"id": "a1", "principal": "alice", "event_name": "StopLogging", "source_ip": "1.1.1.1"},
    {"id": "a2", "principal": "alice", "event_name": "DeleteTrail", "source_ip": "2.2.2.2"},
    {
        "id": "a3",
        "principal": "alice",
        "event_name": "ListUsers",
        "source_ip": "1.1.1.1",
        "error_code": "AccessDenied",
    },
    {"id": "b1", "principal": "bob", "event_name": "StopLogging", "source_ip": "3.3.3.3"},
    {"id": "b2", "principal": "bob", "event_name": "ListUsers", "source_ip": "1.1.1.1"},
    {"id": "c1", "principal": "carol", "event_name": "DeleteTrail", "source_ip": "2.2.2.2"},
]


def test_two_typed_event_filters_or_together() -> None:
    filters = (
        Filters().add(parse_filter("event StopLogging")).add(parse_filter("event DeleteTrail"))
    )
    assert kept(filters, make_frame(ROWS)) == ["a1", "a2", "b1", "c1"]
    assert filters.ors_previous() == [False, True]


def test_fields_still_and_and_a_new_clause_joins_its_field() -> None:
    filters = (
        Filters()
        .add(parse_filter("event StopLogging"))
        .add(parse_filter("principal alice"))
        .add(parse_filter("event DeleteTrail"))
    )
    # The second event clause sits beside the first: the chips of a field stay together.
    assert filters.labels() == ["event=StopLogging", "event=DeleteTrail", "principal~alice"]
    assert filters.ors_previous() == [False, True, False]
    assert kept(filters, make_frame(ROWS)) == ["a1", "a2"]


def test_typed_and_pivoted_clauses_on_one_field_or() -> None:
    # "principal bob" typed, then an exact principal clause as a pivot makes (added, not
    # pivoted): both are the principal field.
    filters = Filters().add(parse_filter("principal bob")).add(field_clause("principal", "carol"))
    assert kept(filters, make_frame(ROWS)) == ["b1", "b2", "c1"]


def test_negated_clauses_on_one_field_exclude_each() -> None:
    filters = (
        Filters().add(make("ip", "1.1.1.1", negate=True)).add(make("ip", "2.2.2.2", negate=True))
    )
    assert kept(filters, make_frame(ROWS)) == ["b1"]
    assert filters.ors_previous() == [False, False]


def test_positive_and_negative_on_one_field() -> None:
    filters = Filters().add(make("principal", "a")).add(make("principal", "alice", negate=True))
    # principal~a: alice, carol; not alice: carol's only.
    assert kept(filters, make_frame(ROWS)) == ["c1"]


def test_a_pivot_replaces_its_field_and_keeps_the_others() -> None:
    start = Filters().add(make("principal", "alice")).add(ErrorsClause()).add(make("ip", "2.2.2.2"))
    bob = make_frame(ROWS).row(4, named=True)  # b2
    after = pivoted(start, event_pivot("principal", bob))
    assert after.labels() == ["principal=bob", "errors", "ip=2.2.2.2"]
    after = pivoted(after, event_pivot("ip", bob))
    assert after.labels() == ["principal=bob", "errors", "source_ip=1.1.1.1"]
    # A negated clause on the field is replaced as well (I then i).
    excluded = Filters().add(make("ip", "1.1.1.1", negate=True))
    assert pivoted(excluded, event_pivot("ip", bob)).labels() == ["source_ip=1.1.1.1"]


def test_a_pivot_replaces_every_clause_of_its_field() -> None:
    two = Filters().add(make("event", "StopLogging")).add(make("event", "DeleteTrail"))
    alice = make_frame(ROWS).row(2, named=True)  # a3 ListUsers
    after = pivoted(two, event_pivot("event", alice))
    assert after.labels() == ["event_name=ListUsers"]
    assert kept(after, make_frame(ROWS)) == ["a3", "b2"]


def test_key_and_session_pivots_are_one_field() -> None:
    filters = Filters().add(field_clause("access_key_id", "AKIAOLD"))
    after = filters.pivot(session_clause("ASIANEW"))
    assert after.labels() == ["session=ASIANEW"]
    assert field_of(session_clause("ASIANEW")) == field_of(field_clause("access_key_id", "X"))


def test_a_fresh_pivot_clears_first() -> None:
    start = Filters().add(make("principal", "alice")).add(ErrorsClause())
    bob = make_frame(ROWS).row(3, named=True)  # b1
    assert pivoted(start, event_pivot("ip", bob), fresh=True).labels() == ["source_ip=3.3.3.3"]


def test_a_window_pivot_replaces_the_time_bounds_only() -> None:
    start = Filters().add(make("principal", "alice")).add(make("since", "6h"))
    after = pivoted(start, window("2026-01-02T11:00:00Z"))
    assert after.labels() == [
        "principal~alice",
        "since 2026-01-02T10:45Z",
        "until 2026-01-02T11:15Z",
    ]


def test_clauses_without_a_field_always_and() -> None:
    filters = Filters().add(ErrorsClause()).add(make("readonly")).add(make("since", "1d"))
    assert [field_of(c) for c in filters.clauses] == [None, None, None]
    listing = Filters().add(ErrorsClause()).add(make("text", "listusers"))
    assert kept(listing, make_frame(ROWS)) == ["a3"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--principal", "alice", "--principal", "carol"], ["a1", "a2", "a3", "c1"]),
        (["--ip", "3.3.3.3", "--ip", "2.2.2.2"], ["a2", "b1", "c1"]),
        (["--event", "StopLogging", "--event", "DeleteTrail"], ["a1", "a2", "b1", "c1"]),
        (["--principal", "bob", "--principal", "carol", "--ip", "1.1.1.1"], ["b2"]),
        (["--text", "alice", "--text", "carol"], ["a1", "a2", "a3", "c1"]),
    ],
)
def test_repeated_cli_options_or_not_last_wins(argv: list[str], expected: list[str]) -> None:
    parser = argparse.ArgumentParser()
    add_filter_options(parser)
    filters = filters_from_args(parser.parse_args(argv), NEWEST)
    assert kept(filters, make_frame(ROWS)) == expected


def test_the_cli_and_the_filter_bar_build_the_same_filters() -> None:
    parser = argparse.ArgumentParser()
    add_filter_options(parser)
    cli = filters_from_args(
        parser.parse_args(["--principal", "alice", "--errors", "--principal", "bob"]), NEWEST
    )
    typed = Filters()
    for text in ("principal alice", "principal bob", "errors"):
        typed = typed.add(parse_filter(text))
    assert cli == typed
