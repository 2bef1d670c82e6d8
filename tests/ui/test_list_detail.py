"""Pilot tests of the event list and event detail widgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import polars as pl
import pytest
from textual.app import App, ComposeResult
from textual.strip import Strip

from ctir_tui.engine.case.marks import marked_rows
from ctir_tui.engine.query.lookup import first_at_or_after, locate, matching_rows
from ctir_tui.engine.schema import EVENT_SCHEMA
from ctir_tui.ui.widgets._list_format import DEFAULT_COLUMNS, layout
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import MARKS, EventList

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
NAMES = ["ListUsers", "GetCallerIdentity", "AssumeRole", "CreateAccessKey", "DescribeInstances"]
SOURCES = ["iam.amazonaws.com", "sts.amazonaws.com", "ec2.amazonaws.com"]
ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:sts::111122223333:assumed-role/Admin/bob"
HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b[2J",
    "[bold red]X[/]",
    "[@click=app.quit]q[/]",
    "\u202e",
    "\u200b",
]


def make_frame(n: int, overrides: dict[int, dict[str, Any]] | None = None) -> pl.DataFrame:
    """``n`` plausible events one minute apart, with per-row ``overrides``."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = dict.fromkeys(EVENT_SCHEMA)
        row.update(
            time=START + timedelta(minutes=i),
            event_name=NAMES[i % len(NAMES)],
            event_source=SOURCES[i % len(SOURCES)],
            region="us-east-1" if i % 4 else "eu-west-1",
            source_ip=f"198.51.100.{i % 250}",
            user_agent="aws-cli/2.15.0",
            identity_type="IAMUser" if i % 2 == 0 else "AssumedRole",
            principal=ALICE if i % 2 == 0 else BOB,
            account_id="111122223333",
            access_key_id=f"AKIAEXAMPLE{i:09d}",
            user_name="alice" if i % 2 == 0 else None,
            error_code="AccessDenied" if i % 7 == 3 else None,
            read_only=i % 3 != 0,
            event_type="AwsApiCall",
            event_id=f"evt-{i:06d}",
            request_id=f"req-{i:06d}",
            source_file="trail.json.gz",
            file_id=0,
            rec_index=i,
        )
        row.update((overrides or {}).get(i, {}))
        rows.append(row)
    return pl.DataFrame(rows, schema=EVENT_SCHEMA, orient="row")


class ListApp(App[None]):
    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self.frame = frame
        self.highlighted: list[EventList.Highlighted] = []
        self.requests: list[str] = []
        self.found: list[bool] = []

    def compose(self) -> ComposeResult:
        yield EventList(self.frame, id="events")

    def on_event_list_highlighted(self, message: EventList.Highlighted) -> None:
        self.highlighted.append(message)

    def on_event_list_search_requested(self, message: EventList.SearchRequested) -> None:
        self.requests.append("search")

    def on_event_list_jump_requested(self, message: EventList.JumpRequested) -> None:
        self.requests.append("jump")

    def on_event_list_find_requested(self, message: EventList.FindRequested) -> None:
        # What the main screen's worker does, done here at once.
        events = self.query_one(EventList)
        if message.what == MARKS:
            rows = marked_rows(events.frame, message.marks)
        else:
            rows = matching_rows(events.frame, message.text)
        self.found.append(events.found(message.what, message.text, rows, forward=message.forward))


def keep_event(events: EventList, frame: pl.DataFrame) -> int | None:
    """Where the cursor's event is in ``frame`` (the screen finds it in its view worker)."""
    event = events.current_event()
    return None if event is None else locate(frame, event)


def jump(events: EventList, when: datetime) -> bool:
    """Jump to a time as the screen does: find the row, then move the cursor there."""
    index, found = first_at_or_after(events.frame, when)
    events.move_to(index)
    return found


async def search(pilot: Any, app: ListApp, text: str) -> bool:
    """Search as the screen does once its prompt is answered; whether anything matched."""
    app.query_one(EventList).search(text)
    await pilot.pause()
    return app.found[-1]


def screen_lines(widget: EventList | EventDetail) -> list[Strip]:
    return [widget.render_line(y) for y in range(widget.scrollable_content_region.height)]


def cursor_text(events: EventList) -> str:
    """The text of the line drawn in the cursor style (exactly one must be)."""
    style = events.get_component_rich_style("event-list--cursor")
    found = [
        strip.text
        for strip in screen_lines(events)[1:]
        if all(segment.style == style for segment in strip)
    ]
    assert len(found) == 1, found
    return found[0]


def shown_id(events: EventList) -> str:
    event = events.current_event()
    assert event is not None
    return str(event["event_id"])


async def test_list_shows_header_and_short_columns() -> None:
    # Two accounts: the account column is shown (with one, the status line names it).
    app = ListApp(make_frame(50, {2: {"account_id": "444455556666"}}))
    async with app.run_test(size=(160, 30)) as pilot:
        events = app.query_one(EventList)
        lines = [strip.text for strip in screen_lines(events)]
        # Columns without a value in the view (outcome, MFA, target) stay out.
        assert lines[0].split() == [
            *("Time", "(UTC)", "↑", "Account", "Principal", "Event", "Source", "IP"),
            *("Region", "Error", "User", "agent"),
        ]
        assert lines[1].split() == [
            *("2026-03-01", "10:00:00", "111122223333", "user/alice", "ListUsers"),
            *("198.51.100.0", "eu-west-1", "aws-cli/2.15.0"),
        ]
        assert lines[2].split()[3] == "assumed-role/Admin/bob"
        assert lines[4].split()[0] == "!"
        assert lines[4].split()[-2] == "AccessDenied"
        assert "arn:aws" not in "".join(lines)
        assert app.highlighted[-1].row == 0
        # At 80 columns the less important columns give way; the source IP stays.
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        header = events.render_line(0).text
        assert events.render_line(1).cell_length == events.scrollable_content_region.width
        assert header.split() == [
            *("Time", "(UTC)", "↑", "Principal", "Event", "Source", "IP"),
            "Error",
        ]


def test_layout_fits_the_width_and_the_content() -> None:
    natural = (
        ("time", 19),
        ("account", 12),
        ("principal", 52),
        ("event_name", 26),
        ("source_ip", 39),
        ("region", 14),
        ("outcome", 7),
        ("mfa_shown", 3),
        ("error_code", 12),
        ("target", 0),
        ("agent", 40),
    )
    for width in (60, 78, 80, 100, 160, 240):
        columns = layout(width, DEFAULT_COLUMNS, natural)
        used = 2 + sum(size + 1 for _, size in columns)
        assert used <= width + 1
        assert columns[0][0].key == "time"
    keys = [column.key for column, _ in layout(78, DEFAULT_COLUMNS, natural)]
    assert keys == ["time", "principal", "event_name", "source_ip", "error_code"]
    # Wide: the principal and the IPv6 address get their whole width before the optional
    # columns come in; the target (no value in this view) never does.
    wide = {c.key: size for c, size in layout(240, DEFAULT_COLUMNS, natural)}
    assert wide["principal"] >= 52
    assert wide["source_ip"] == 39
    assert "target" not in wide
    assert {"account", "region", "outcome", "mfa_shown", "agent"} <= set(wide)
    # What the user chose is what is shown, in its order, when it fits.
    chosen = ("time", "agent", "event_name")
    assert [c.key for c, _ in layout(160, chosen, natural)] == list(chosen)


async def test_cursor_keys() -> None:
    app = ListApp(make_frame(200))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        page = events.scrollable_content_region.height - 1
        await pilot.press("j", "j")
        assert events.cursor_row == 2
        assert "10:02:00" in cursor_text(events)
        await pilot.press("G")
        assert events.cursor_row == 199
        assert shown_id(events) == "evt-000199"
        assert "13:19:00" in cursor_text(events)
        await pilot.press("g")
        assert events.cursor_row == 0
        await pilot.press("ctrl+d")
        assert events.cursor_row == page
        assert events.scroll_offset.y == page
        assert f"10:{page:02d}:00" in cursor_text(events)
        await pilot.press("ctrl+u", "k")
        assert events.cursor_row == 0
        await pilot.press("down", "end", "up")
        assert events.cursor_row == 198
        await pilot.pause()
        assert app.highlighted[-1].row == 198
        assert app.highlighted[-1].event is not None
        assert app.highlighted[-1].event["event_id"] == "evt-000198"


async def test_click_selects_row() -> None:
    app = ListApp(make_frame(40))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.click(EventList, offset=(10, 4))
        assert events.cursor_row == 3


async def test_set_frame_keeps_the_event() -> None:
    frame = make_frame(100)
    app = ListApp(frame)
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press(*["j"] * 10)
        assert shown_id(events) == "evt-000010"
        even = frame.filter(pl.col("rec_index") % 2 == 0)
        events.set_frame(even, keep=keep_event(events, even))
        await pilot.pause()
        assert shown_id(events) == "evt-000010"
        assert events.cursor_row == 5
        assert "10:10:00" in cursor_text(events)
        assert app.highlighted[-1].event is not None
        assert app.highlighted[-1].event["event_id"] == "evt-000010"
        # The event is gone: the row number is kept, clamped to the new frame.
        first = frame.filter(pl.col("rec_index") < 3)
        events.set_frame(first, keep=keep_event(events, first))
        assert events.cursor_row == 2
        events.set_frame(frame.head(0), keep=keep_event(events, frame.head(0)))
        await pilot.pause()
        assert events.current_event() is None
        assert app.highlighted[-1].event is None
        assert "no events" in events.render_line(1).text
        events.set_frame(frame)
        assert events.cursor_row == 0


async def test_search_next_previous_and_wrap() -> None:
    overrides = {
        5: {"user_agent": "Boto3/1.34 EVIL-agent"},
        40: {"principal": "arn:aws:iam::111122223333:user/evil"},
        90: {"source_ip": "evil.example"},
    }
    app = ListApp(make_frame(100, overrides))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press("slash")
        await pilot.pause()
        assert app.requests == ["search"]
        assert await search(pilot, app, "evil")
        assert events.cursor_row == 5
        await pilot.press("n")
        await pilot.pause()
        assert events.cursor_row == 40
        assert "user/evil" in cursor_text(events)
        await pilot.press("n")
        assert events.cursor_row == 90
        await pilot.press("n")
        assert events.cursor_row == 5
        await pilot.press("N")
        assert events.cursor_row == 90
        assert not await search(pilot, app, "no-such-thing")
        assert events.cursor_row == 90
        assert await search(pilot, app, "akiaexample000000041")  # access key, any case
        assert events.cursor_row == 41


async def test_sort_toggle_reverses_order() -> None:
    app = ListApp(make_frame(60))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press("j", "j", "j")
        await pilot.press("o")
        assert events.descending
        assert shown_id(events) == "evt-000003"
        assert events.cursor_row == 56
        await pilot.press("g")
        assert shown_id(events) == "evt-000059"
        lines = [strip.text for strip in screen_lines(events)]
        assert "↓" in lines[0]
        assert "10:59:00" in lines[1]
        assert "10:58:00" in lines[2]
        await pilot.press("j")
        assert shown_id(events) == "evt-000058"
        # search forward follows the displayed order
        assert await search(pilot, app, "evt-000010")
        assert shown_id(events) == "evt-000010"
        await pilot.press("o")
        assert not events.descending
        assert events.cursor_row == 10


async def test_jump_to_time() -> None:
    app = ListApp(make_frame(300, {299: {"time": None}}))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press("t")
        await pilot.pause()
        assert app.requests == ["jump"]
        assert jump(events, datetime(2026, 3, 1, 12, 30, 30, tzinfo=UTC))
        assert shown_id(events) == "evt-000151"
        assert jump(events, datetime(2026, 3, 1, 11, 0))  # naive means UTC
        assert shown_id(events) == "evt-000060"
        assert not jump(events, datetime(2027, 1, 1, tzinfo=UTC))
        assert shown_id(events) == "evt-000298"
        await pilot.press("o")
        assert jump(events, datetime(2026, 3, 1, 10, 5, tzinfo=UTC))
        assert shown_id(events) == "evt-000005"


async def test_marks() -> None:
    app = ListApp(make_frame(100))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press("j", "j", "m")
        await pilot.press(*["j"] * 30, "m", "g")
        assert events.marks == {"evt-000002", "evt-000032"}
        assert events.render_line(3).text.startswith("*")
        await pilot.press("apostrophe")
        assert events.cursor_row == 2
        await pilot.press("apostrophe")
        assert events.cursor_row == 32
        await pilot.press("apostrophe")
        assert events.cursor_row == 2
        await pilot.press("m")
        assert events.marks == {"evt-000032"}
        assert not events.render_line(3).text.startswith("*")


async def test_hostile_text_is_inert_in_the_list() -> None:
    long_value = "A" * 200_000
    overrides = {
        0: {"principal": "".join(HOSTILE), "event_name": long_value},
        1: {"principal": "[bold red]X[/]", "user_agent": "".join(HOSTILE)},
        2: {"principal": "[@click=app.quit]q[/]", "error_code": "\x1b[31mDenied"},
    }
    app = ListApp(make_frame(5, overrides))
    async with app.run_test(size=(160, 30)) as pilot:
        events = app.query_one(EventList)
        width = events.scrollable_content_region.width
        lines = screen_lines(events)
        for strip in lines:
            assert strip.cell_length == width
            text = strip.text
            assert "\x1b" not in text
            assert "\x07" not in text
            assert not any(ch in text for ch in "\u202e\u200b")
        assert "[bold red]X[/]" in lines[2].text
        assert "[@click=app.quit]q[/]" in lines[3].text
        assert "\\x1b]52" in lines[1].text
        assert "\\x1b[31mDenied" in lines[3].text
        assert lines[1].text.count("A") < 100
        await pilot.press("slash")
        assert await search(pilot, app, "[bold red]")
        assert events.cursor_row == 1
        screenshot = app.export_screenshot()
        assert "[bold red]X[/]" in screenshot.replace("&#160;", " ")


async def test_cursor_reverse_video_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ListApp(make_frame(10))
    async with app.run_test(size=(100, 30)) as pilot:
        events = app.query_one(EventList)
        await pilot.press("j")
        assert events.get_component_rich_style("event-list--cursor").reverse
        assert "10:01:00" in cursor_text(events)


# -- detail --------------------------------------------------------------------------

RECORD: dict[str, Any] = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IAMUser",
        "arn": "arn:aws:iam::111122223333:user/alice",
        "accessKeyId": "AKIAEXAMPLEALICE0001",
        "sessionContext": {"attributes": {"mfaAuthenticated": "false"}},
    },
    "eventTime": "2026-03-01T10:00:00Z",
    "eventName": "CreateUser",
    "sourceIPAddress": "198.51.100.7",
    "requestParameters": {"userName": "mallory", "maxItems": 100, "force": True},
    "responseElements": None,
    "resources": [{"ARN": "arn:aws:iam::111122223333:user/mallory", "type": "AWS::IAM::User"}],
    "tags": [],
}
RAW = orjson.dumps(RECORD).decode()


class DetailApp(App[None]):
    def __init__(self, raw: str | None, event: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.raw, self.event = raw, event
        self.pivots: list[EventDetail.Pivot] = []

    def compose(self) -> ComposeResult:
        yield EventDetail(id="detail")

    def on_mount(self) -> None:
        detail = self.query_one(EventDetail)
        detail.show(self.raw, self.event)
        detail.focus()

    def on_event_detail_pivot(self, message: EventDetail.Pivot) -> None:
        self.pivots.append(message)


async def test_detail_pretty_prints_in_order() -> None:
    app = DetailApp(RAW)
    async with app.run_test(size=(100, 30)):
        detail = app.query_one(EventDetail)
        text = [line.text for line in detail.lines]
        assert text == orjson.dumps(RECORD, option=orjson.OPT_INDENT_2).decode().splitlines()
        shown = [strip.text.rstrip() for strip in screen_lines(detail)]
        assert shown[:3] == ["{", '  "eventVersion": "1.09",', '  "userIdentity": {']
        # keys, strings and numbers are styled apart
        line = detail.render_line(17)
        assert "maxItems" in line.text
        assert len({segment.style for segment in line if segment.text.strip()}) >= 3


async def test_detail_field_cursor_and_pivot() -> None:
    app = DetailApp(RAW)
    async with app.run_test(size=(100, 30)) as pilot:
        detail = app.query_one(EventDetail)
        assert detail.cursor_path() == "eventVersion"
        await pilot.press("j", "j")
        assert detail.cursor_path() == "userIdentity.arn"
        assert detail.cursor_value() == "arn:aws:iam::111122223333:user/alice"
        await pilot.press("f")
        await pilot.press("down", "down", "F")
        await pilot.pause()
        assert [(p.path, p.value, p.negate) for p in app.pivots] == [
            ("userIdentity.arn", "arn:aws:iam::111122223333:user/alice", False),
            ("userIdentity.sessionContext.attributes.mfaAuthenticated", "false", True),
        ]
        assert app.pivots[0].control is detail
        await pilot.press("G")
        assert detail.cursor_path() == "resources[0].type"
        await pilot.press("k")
        assert detail.cursor_path() == "resources[0].ARN"
        await pilot.press("k")
        assert detail.cursor_path() == "responseElements"
        assert detail.cursor_value() is None
        await pilot.press("k", "k")
        assert detail.cursor_path() == "requestParameters.maxItems"
        assert detail.cursor_value() == "100"
        await pilot.press("g", "up")
        assert detail.cursor_path() == "eventVersion"
        # the same path stays under the cursor for the next event
        await pilot.press("j", "j", "j", "j")
        assert detail.cursor_path() == "userIdentity.sessionContext.attributes.mfaAuthenticated"
        other = dict(RECORD, eventVersion="1.08")
        detail.show(orjson.dumps(other).decode(), None)
        assert detail.cursor_path() == "userIdentity.sessionContext.attributes.mfaAuthenticated"


async def test_detail_copies_the_value_under_the_cursor() -> None:
    # Copying the whole event (y) is the main screen's: see the Pilot tests.
    app = DetailApp(RAW)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.query_one(EventDetail).raw == RAW
        await pilot.press("j", "j", "Y")
        assert app.clipboard == "arn:aws:iam::111122223333:user/alice"


async def test_detail_without_raw_or_json() -> None:
    event = {"event_name": "ListUsers", "time": START, "error_code": None}
    app = DetailApp(None, event)
    async with app.run_test(size=(100, 30)):
        detail = app.query_one(EventDetail)
        assert "unavailable" in detail.lines[0].text
        assert detail.cursor_path() == "event_name"
        copied = detail.copy_text()
        assert copied is not None
        assert orjson.loads(copied)["time"] == "2026-03-01T10:00:00+00:00"
        detail.show("not json {\x1b[2J", None)
        assert detail.cursor_path() is None
        assert "\\x1b[2J" in detail.lines[1].text
        detail.show(None, None)
        assert detail.cursor_value() is None


@pytest.mark.parametrize("width", [40, 100])
async def test_detail_hostile_values(width: int) -> None:
    record = {
        "userAgent": "".join(HOSTILE),
        "userIdentity": {"userName": "[bold red]X[/]", "arn": "[@click=app.quit]q[/]"},
        "requestParameters": {"policy": "B" * 200_000, "\x1b[2Jkey": "line\nbreak\u202e"},
    }
    app = DetailApp(orjson.dumps(record).decode())
    async with app.run_test(size=(width, 30)):
        detail = app.query_one(EventDetail)
        total = "".join(line.text for line in detail.lines)
        assert "\x1b" not in total
        assert not any(ch in total for ch in "\u202e\u200b\x07")
        assert '"[bold red]X[/]"' in total
        assert '"[@click=app.quit]q[/]"' in total
        assert "\\n" in total
        assert "(+198,000 chars)" in total
        assert total.count("B") < 2100
        lines = screen_lines(detail)
        for strip in lines:
            assert strip.cell_length == detail.scrollable_content_region.width
            assert "\x1b" not in strip.text
        detail.action_cursor_last()
        assert detail.cursor_value() == "line\nbreak\u202e"
        assert detail.cursor_path() == 'requestParameters["\\u001b[2Jkey"]'
