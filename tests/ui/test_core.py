"""The explorer's core, driven by keys: the filter prompt, pivots, focus, panes, columns.

Expected counts come from the generator's facts (``tests/facts.py``) or from hand-made
trails written here; never from ctir's engine.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, SelectionList

from ctir_tui import paths
from ctir_tui.engine import schema as c
from ctir_tui.engine.query.lookup import matching_rows
from ctir_tui.ui.app import MESSAGE_SECONDS, CtirApp
from ctir_tui.ui.config import ExplorerConfig, load_settings
from ctir_tui.ui.screens import _finding as finding
from ctir_tui.ui.screens.columns import ColumnsScreen
from ctir_tui.ui.screens.quit import QuitScreen
from ctir_tui.ui.widgets._json_lines import JsonLine, wrap_spans
from ctir_tui.ui.widgets._list_format import format_rows
from ctir_tui.ui.widgets.event_detail import EventDetail
from ctir_tui.ui.widgets.event_list import EventList
from ctir_tui.ui.widgets.filter_bar import FilterBar
from ctir_tui.ui.widgets.tactic_matrix import TacticMatrix
from tests import facts as F
from tests.conftest import SAMPLE_LOGS
from tests.factory import record, write_s3
from tests.ui.pilot import current, main, search_for, settle, status, type_text
from tests.ui.test_list_detail import make_frame

INCIDENT = F.incident()
TOR, TOR_CONSOLE = INCIDENT["attacker_ips"][0], INCIDENT["attacker_ips"][1]


def app_for(*paths_: Path, **kwargs: Any) -> CtirApp:
    return CtirApp(ExplorerConfig([str(p) for p in paths_ or (SAMPLE_LOGS,)], **kwargs))


async def type_filter(pilot: Any, text: str) -> None:
    await pilot.press("equals_sign")
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


# --- the filter prompt ------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_a_misspelt_filter_word_is_refused_with_the_fix(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("equals_sign")
        await type_text(pilot, "principle justin")
        bar = main(pilot).query_one(FilterBar)
        understood = str(bar.query_one("#understood").render())
        assert "did you mean principal?" in understood
        await pilot.press("enter")
        await settle(pilot)
        assert bar.has_class("-error")
        assert "did you mean principal?" in str(bar.query_one("#error").render())
        assert status(pilot).startswith(F.shown(F.total()))  # nothing was filtered
        # Spelt as asked, it is understood and shown before enter.
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, f"ip {TOR}")
        assert f"→ ip={TOR}" in str(bar.query_one("#understood").render())
        await pilot.press("enter")
        await settle(pilot)
        assert status(pilot).startswith(F.shown(F.count("by_source_ip", TOR)))


async def test_text_asked_for_explicitly_is_searched() -> None:
    async with app_for().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "text principle justin")
        assert main(pilot).filters.labels() == ["text~principle justin"]


# --- pivot semantics in the explorer ----------------------------------------------------


async def test_two_event_filters_or_and_the_bar_says_or() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "event StopLogging")
        await type_filter(pilot, "event DeleteTrail")
        both = F.counts_of("by_event_name", ["StopLogging", "DeleteTrail"])
        assert status(pilot).startswith(F.shown(both))
        chips = str(main(pilot).query_one(FilterBar).query_one("#chips").render())
        assert "[event=StopLogging ×] or [event=DeleteTrail ×]" in chips


async def test_a_pivot_replaces_its_field_and_alt_pivots_fresh() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await type_filter(pilot, f"ip {TOR}")
        await type_filter(pilot, "event GetCallerIdentity")
        await type_filter(pilot, f"ip {TOR_CONSOLE}")  # a second ip: they OR
        expected = INCIDENT["events"]
        calls = [e for e in expected if e["name"] == "GetCallerIdentity"]
        from_tor = [e for e in calls if e["ip"] in (TOR, TOR_CONSOLE)]
        assert status(pilot).startswith(F.shown(len(from_tor)))
        assert current(pilot)["source_ip"] == TOR
        await pilot.press("i")  # replaces both ip clauses, keeps the event one
        await settle(pilot)
        assert main(pilot).filters.labels() == [f"source_ip={TOR}", "event=GetCallerIdentity"]
        only_tor = [e for e in calls if e["ip"] == TOR]
        assert status(pilot).startswith(F.shown(len(only_tor)))
        await pilot.press("alt+i")  # fresh: this IP alone
        await settle(pilot)
        assert main(pilot).filters.labels() == [f"source_ip={TOR}"]
        assert status(pilot).startswith(F.shown(F.count("by_source_ip", TOR)))


# --- focus and keys ---------------------------------------------------------------------


async def test_tab_puts_the_matrix_next_to_the_list_and_the_bar_joins_with_filters() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = main(pilot)
        order = []
        for _ in range(3):
            order.append(type(screen.focused).__name__)
            await pilot.press("tab")
        # No filter yet: nothing to pick in the bar, so tab leaves it out.
        assert order == ["EventList", "TacticMatrix", "EventDetail"]
        assert isinstance(screen.focused, EventList)
        await pilot.press("shift+tab")
        assert isinstance(screen.focused, EventDetail)
        await pilot.press("tab", "i")  # back to the list, then pivot: one filter
        await settle(pilot)
        await pilot.press("shift+tab")
        assert isinstance(screen.focused, FilterBar)
        chips = str(screen.query_one(FilterBar).query_one("#chips").render())
        assert chips.startswith("▶filters")
        await pilot.press("tab")
        assert isinstance(screen.focused, EventList)


async def test_at_80x24_tab_skips_the_hidden_matrix() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        order = []
        for _ in range(3):
            order.append(type(main(pilot).focused).__name__)
            await pilot.press("tab")
        assert order == ["EventList", "EventDetail", "EventList"]


async def test_ctrl_p_opens_the_palette_with_human_names() -> None:
    async with app_for().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, CommandPalette)


async def test_palette_entries_are_descriptions_not_action_names() -> None:
    from ctir_tui.ui.commands import KeyCommands

    async with app_for().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = KeyCommands(main(pilot))
        entries = provider._entries()
        titles = [title for title, _, _ in entries]
        helps = {title: help_text for title, help_text, _ in entries}
        assert helps["Search"] == "Event list · key /"  # the pane by name, not its id
        assert helps["Add filter"] == "Main screen · key ="
        assert "Columns" in titles
        assert "Add filter" in titles
        assert "Source IP only (clear filters first)" in titles
        for title in titles:
            assert "_" not in title, title
            assert "(" not in title.split(" ")[0], title


@pytest.mark.parametrize("where", ["list", "input"])
async def test_ctrl_c_quits_at_once(where: str) -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        if where == "input":
            await pilot.press("equals_sign")
            await type_text(pilot, "ip 1")
            assert isinstance(app.focused, Input)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0
    assert app.clipboard == ""


async def test_q_then_y_quits_and_esc_stays() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QuitScreen)
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


# --- panes ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_enter_opens_the_detail_full_screen_and_esc_returns(size: tuple[int, int]) -> None:
    async with app_for().run_test(size=size) as pilot:
        await settle(pilot)
        screen = main(pilot)
        detail = screen.query_one(EventDetail)
        before = detail.size
        await pilot.press("enter")
        await pilot.pause()
        assert screen.maximized is detail
        assert detail.has_focus
        assert detail.size.width > before.width or detail.size.height > before.height
        assert detail.outer_size.height >= size[1] - 2  # all but the footer
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None
        assert isinstance(screen.focused, EventList)


async def test_z_enlarges_the_focused_detail_and_toggles_back() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = main(pilot)
        await pilot.press("tab")
        detail = screen.query_one(EventDetail)
        assert detail.has_focus
        before = detail.outer_size
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is detail
        assert detail.outer_size.height > before.height
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is None
        assert detail.outer_size == before


def test_detail_wraps_between_tokens_not_inside_words() -> None:
    line = JsonLine(
        (
            ("    ", "plain"),
            ('"roleArn"', "key"),
            (": ", "punct"),
            ('"arn:aws:iam::111122223333:role/app-server-role"', "string"),
            (",", "punct"),
        )
    )
    text = line.text
    spans = wrap_spans(line, 40)
    assert len(spans) > 1
    assert "".join(text[a:b] for a, b, _ in spans) == text
    for start, end, _ in spans[:-1]:
        assert text[end - 1] in " ,;/:=&|)-", text[start:end]  # cut after a separator
    assert text[spans[-1][0] : spans[-1][1]] != ","  # the comma is not alone
    assert all(indent == 8 for _, _, indent in spans[1:])  # under the line's indent
    # A run longer than the width (a session token) is cut where it must be.
    token = JsonLine((('"' + "A" * 100 + '"', "string"),))
    assert next(b - a for a, b, _ in wrap_spans(token, 40)) == 40


# --- the list's columns -----------------------------------------------------------------


def _header(pilot: Any) -> str:
    return main(pilot).query_one(EventList).render_line(0).text


async def test_at_80x24_the_source_ip_stays_and_ipv6_is_whole_when_wide() -> None:
    async with app_for().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Source IP" in _header(pilot)
    v6 = INCIDENT["attacker_ips"][2]
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await type_filter(pilot, f"ip {v6}")
        events = main(pilot).query_one(EventList)
        row = events.render_line(1).text
        assert v6 in row
        header = _header(pilot)
        for title in ("Principal", "Event", "Source IP", "Region"):
            assert title in header
        # Every event of the sample is in one account: said once, not on every row.
        assert list(F.facts()["counts"]["by_account"]) == ["111122223333"]
        assert "Account" not in header
        assert "account 111122223333" in status(pilot)


async def test_a_failed_console_login_without_an_error_code_has_the_bang(tmp_path: Path) -> None:
    failed = record(
        1,
        eventName="ConsoleLogin",
        eventSource="signin.amazonaws.com",
        responseElements={"ConsoleLogin": "Failure"},
        additionalEventData={"MFAUsed": "No"},
    )
    write_s3(tmp_path / "t" / "a.json.gz", [failed, record(2)])
    async with app_for(tmp_path / "t").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        events = main(pilot).query_one(EventList)
        login, other = events.render_line(1).text, events.render_line(2).text
        assert "ConsoleLogin" in login
        assert login[1] == "!"
        assert other[1] == " "
        assert "failure" in login  # the outcome column
        # Zoomed (z), the list has room for the MFA column: not used.
        await pilot.press("z")
        await pilot.pause()
        assert main(pilot).maximized is events
        header = _header(pilot)
        assert "MFA" in header
        login = events.render_line(1).text
        assert login[header.index("MFA") : header.index("MFA") + 3] == "no "


async def test_the_samples_failed_console_logins_have_the_bang() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "event ConsoleLogin")
        logins = F.count("by_event_name", "ConsoleLogin")
        assert status(pilot).startswith(F.shown(logins))
        events = main(pilot).query_one(EventList)
        rows = [events.render_line(y).text for y in range(1, logins + 1)]
        failed = F.facts()["counts"]["console_login_failures"]
        assert [r[1] for r in rows].count("!") == failed


async def test_the_columns_chooser_hides_a_column_and_remembers_it() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "Principal" in _header(pilot)
        await pilot.press("v")
        await pilot.pause()
        chooser = pilot.app.screen
        assert isinstance(chooser, ColumnsScreen)
        choices = chooser.query_one(SelectionList)
        # Down to the principal's row (time, account, principal) and untick it.
        await pilot.press("down", "down")
        assert choices.highlighted == 2
        assert "Principal   shown " in str(choices.get_option_at_index(2).prompt)
        await pilot.press("space")
        await pilot.pause()
        # Said in words, not only by the toggle's colour (NO_COLOR).
        assert "Principal   hidden" in str(choices.get_option_at_index(2).prompt)
        await pilot.press("escape")
        await settle(pilot)
        assert "Principal" not in _header(pilot)
        assert "principal" not in main(pilot).query_one(EventList).columns
    saved = paths.explorer_state_file().read_text()
    assert '"principal"' not in saved
    assert '"time"' in saved
    # A new run starts with the choice.
    settings = load_settings()
    assert settings.columns is not None
    assert "principal" not in settings.columns
    async with app_for(settings=settings).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "Principal" not in _header(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_columns_chooser_says_shown_only_of_columns_on_screen(
    size: tuple[int, int],
) -> None:
    # Every default column is chosen; at 80 columns most do not fit, and the sample holds
    # one account (named on the status line, so its column tells nothing apart).
    async with app_for().run_test(size=size) as pilot:
        await settle(pilot)
        header = _header(pilot)
        await pilot.press("v")
        await pilot.pause()
        choices = pilot.app.screen.query_one(SelectionList)
        said = {}
        for index in range(choices.option_count):
            prompt = str(choices.get_option_at_index(index).prompt)
            title, state = prompt[:11].strip(), prompt[12:19].strip()
            said[title] = state
        for title in ("Time (UTC)", "Principal", "Event", "Source IP", "Region", "User agent"):
            assert (said[title] == "shown") == (title in header), (title, said[title], header)
        assert said["Account"] == "no data"
        if size == (80, 24):
            assert said["Region"] == "no room"
            assert said["User agent"] == "no room"


# --- matrix -----------------------------------------------------------------------------


async def test_matrix_says_its_mapping_and_keeps_short_labels_whole() -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        matrix = main(pilot).query_one(TacticMatrix)
        assert "seed table" in str(matrix.border_title)
        assert "v19" in str(matrix.border_title)
        lines = [matrix.render_line(y).text for y in range(4)]
        for name in ("ConsoleLogin", "StopLogging", "DeleteTrail", "ListUsers", "AssumeRole"):
            assert any(name in line for line in lines), name
        matrix.focus()
        await pilot.press("x")
        await settle(pilot)
        assert "extended ATT&CK" in str(matrix.border_title)


# --- messages and search ----------------------------------------------------------------


async def test_search_runs_off_the_ui_thread_and_finds_request_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread() is threading.main_thread())
        return matching_rows(*args, **kwargs)

    monkeypatch.setattr(finding, "matching_rows", watched)
    snapshot = INCIDENT["snapshot_id"]
    names = {e["name"] for e in INCIDENT["events"]} & {"CreateSnapshot", "ModifySnapshotAttribute"}
    async with app_for().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, snapshot)
        assert threads == [False]
        assert current(pilot)["event_name"] in names


async def test_a_no_match_message_stays_until_a_key() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await search_for(pilot, "no-such-text-anywhere")
        shown = list(app._notifications)
        assert any("no match" in n.message for n in shown)
        assert all(n.timeout >= MESSAGE_SECONDS for n in shown if "no match" in n.message)


# --- whole values -----------------------------------------------------------------------

SSO_ROLE = "AWSReservedSSO_AdministratorAccess_4f1e2d3c2b1a0f9e"
SSO_ARN = f"arn:aws:sts::111122223333:assumed-role/{SSO_ROLE}/carol@acme.example"
V6 = "2001:db8:4f1e:2d3c:2b1a:0f9e:8d7c:6b5a"


def _sso_trail(tmp_path: Path) -> Path:
    sso = record(
        1,
        userIdentity={
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:carol@acme.example",
            "arn": SSO_ARN,
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLECAROL0001",
        },
        sourceIPAddress=V6,
        userAgent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
    )
    other = record(2, userIdentity={**record(2)["userIdentity"], "accountId": "444455556666"})
    write_s3(tmp_path / "t" / "a.json.gz", [sso, other])
    return tmp_path / "t"


async def test_at_160x48_an_sso_principal_keeps_its_user_and_ipv6_is_whole(
    tmp_path: Path,
) -> None:
    async with app_for(_sso_trail(tmp_path)).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        row = main(pilot).query_one(EventList).render_line(1).text
        assert "/carol@acme.example" in row  # the user, after the role
        assert "4f1e2d3c2b1a0f9e" not in row  # the permission set's random suffix
        assert V6 in row
        # Two accounts: zoomed, the account column is shown (and the status names none).
        assert "account 1111" not in status(pilot)
        await pilot.press("z")
        await pilot.pause()
        assert "Account" in _header(pilot)
        row = main(pilot).query_one(EventList).render_line(1).text
        assert "111122223333" in row


def test_an_sso_principal_cell_drops_the_roles_random_suffix_only() -> None:
    frame = make_frame(2, {0: {"principal": SSO_ARN}})
    cells = [row.cells[c.PRINCIPAL] for row in format_rows(frame, frozenset())]
    assert cells == [
        "assumed-role/AWSReservedSSO_AdministratorAccess/carol@acme.example",
        "assumed-role/Admin/bob",  # an ordinary role is left as it is
    ]


async def test_v_shows_every_value_whole_and_esc_closes(tmp_path: Path) -> None:
    from ctir_tui.ui.screens.values import ValuesScreen

    async with app_for(_sso_trail(tmp_path)).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = main(pilot).query_one(EventList).render_line(1).text
        assert SSO_ARN not in row
        assert "Mozilla" not in row
        await pilot.press("V")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, ValuesScreen)
        text = "".join(line.rstrip() for line in screen.page.plain_lines)  # unwrapped
        assert "Principal" in text
        assert "carol@acme.example" in text
        assert SSO_ROLE in text
        assert "111122223333" in text
        assert V6 in text
        assert "Mozilla/5.0" in text
        assert "(KHTML, like Gecko)" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(main(pilot).focused, EventList)


@pytest.mark.parametrize("pane", [EventList, TacticMatrix])
async def test_z_enlarges_the_list_and_the_matrix_and_z_restores(pane: type[Any]) -> None:
    async with app_for().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = main(pilot)
        widget = screen.query_one(pane)
        widget.focus()
        await pilot.pause()
        before = widget.outer_size
        await pilot.press("z")
        await pilot.pause()
        zoomed = widget.outer_size
        assert screen.maximized is widget
        assert zoomed.width == 160
        assert zoomed.height > before.height
        await pilot.press("z")
        await pilot.pause()
        assert screen.query_one(pane).outer_size == before
        assert screen.maximized is None
