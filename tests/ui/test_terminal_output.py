"""What the explorer really writes to a terminal, read through a pseudo-terminal.

Widget state can look clean while the bytes sent to the terminal are not, so this runs
``ctir`` in a pty, lets it draw, presses keys, and inspects every byte it wrote.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.factory import record, write_s3

# Payloads an attacker can put in a user agent or a user name.
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
CSI = "\x1b[38;5;99mHOSTILE"
MARKUP = "[bold red]boom[/]"
CLICK = "[@click=app.quit]quit[/]"
BIDI = "\u202egnp.exe"
ZERO_WIDTH = "a\u200bb"
HUGE = "A" * 200_000


class Terminal:
    """A child process on a pty of a given size; collects everything it writes."""

    def __init__(self, argv: list[str], columns: int, lines: int, env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # pragma: no cover - the child
            os.execvpe(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.output = bytearray()

    def read_until(self, needle: bytes, deadline: float = 60.0) -> bool:
        """Read output until ``needle`` appears (or the deadline passes, or the child exits)."""
        end = time.monotonic() + deadline
        while needle not in self.output:
            left = end - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return needle in self.output
            if not chunk:
                return needle in self.output
            self.output.extend(chunk)
        return True

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def close(self) -> int:
        """Wait for the child to end (killing it if it hangs); return its exit status."""
        end = time.monotonic() + 20
        while time.monotonic() < end:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.read_until(b"\x00never", deadline=0.5)
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.read_until(b"\x00never", deadline=0.2)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return -9


@pytest.fixture
def hostile_logs(tmp_path: Path) -> Path:
    folder = tmp_path / "evil"
    identity = {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::111122223333:user/{MARKUP}{OSC52}",
        "userName": f"{CLICK}{BIDI}{ZERO_WIDTH}",
        "accountId": "111122223333",
        "accessKeyId": "AKIAEVIL000000000001",
    }
    write_s3(
        folder / "a.json.gz",
        [
            record(1, userIdentity=identity, userAgent=f"{CSI}{OSC52}{BIDI}"),
            record(2, userIdentity=identity, userAgent=HUGE, eventName=f"List{CSI}"),
            record(3),
        ],
    )
    return folder


@pytest.mark.parametrize(("columns", "lines"), [(80, 24), (160, 48)])
def test_hostile_log_text_never_reaches_the_terminal(
    hostile_logs: Path, tmp_path: Path, columns: int, lines: int
) -> None:
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    env.pop("NO_COLOR", None)
    term = Terminal([sys.executable, "-m", "ctir_tui", str(hostile_logs)], columns, lines, env)
    try:
        assert term.read_until(b"of 3 events"), term.output[-2000:]
        # Walk the list so every hostile row is drawn, in the list and in the detail pane.
        for key in ("j", "j", "k", "k", "g"):
            term.send(key)
        term.send("D")
        term.send("D")
        assert term.read_until(b"\\x1b"), "the escape should be shown as visible text"
        term.send("q")
        assert term.read_until(b"Quit ctir?")
        term.send("y")
    finally:
        code = term.close()
    out = bytes(term.output)
    assert code == 0, out[-2000:]
    for payload in (OSC52, CSI, BIDI, "\u200b"):
        assert payload.encode() not in out, f"{payload!r} reached the terminal"
    # The markup is shown as the literal text, not interpreted.
    assert b"[bold red" in out
    assert b"Traceback" not in out


def test_a_crash_restores_the_terminal_and_writes_a_report(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    write_s3(folder / "a.json.gz", [record(1), record(2), record(3)])
    state = tmp_path / "state"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(state),
    }
    # A real bug stands in for the crash: moving the cursor raises.
    code = (
        "import sys\n"
        "from ctir_tui.ui.widgets.event_list import EventList\n"
        "def boom(self): raise ZeroDivisionError('boom')\n"
        "EventList.action_cursor_down = boom\n"
        "from ctir_tui.cli import main\n"
        f"sys.exit(main([{str(folder)!r}]))\n"
    )
    term = Terminal([sys.executable, "-c", code], 80, 24, env)
    try:
        assert term.read_until(b"of 3 events"), term.output[-2000:]
        term.send("j")
        assert term.read_until(b"crash report is in"), term.output[-2000:]
    finally:
        status = term.close()
    out = bytes(term.output)
    assert status == 3
    assert b"Traceback" not in out
    reports = list((state / "ctir" / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1
    text = reports[0].read_text()
    assert "ZeroDivisionError" in text
    assert "boom" in text
    # The terminal was given back: the alternate screen was left.
    assert out.rfind(b"\x1b[?1049l") > out.rfind(b"\x1b[?1049h")


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


@pytest.mark.parametrize("leave", ["q", "ctrl+c", "SIGHUP", "SIGTERM"])
def test_every_way_out_ends_the_process_even_beside_a_fifo(tmp_path: Path, leave: str) -> None:
    folder = tmp_path / "logs"
    write_s3(folder / "a.json.gz", [record(1), record(2), record(3)])
    os.mkfifo(folder / "pipe.json")  # once, reading it hung the load and kept q from exiting
    term = Terminal([sys.executable, "-m", "ctir_tui", str(folder)], 80, 24, _env(tmp_path))
    try:
        assert term.read_until(b"of 3 events"), term.output[-2000:]
        if leave == "q":
            term.send("q")  # at the first view q asks; a second q confirms
            assert term.read_until(b"Quit ctir?"), term.output[-2000:]
            term.send("q")
        elif leave == "ctrl+c":
            term.send("\x03")
        else:
            os.kill(term.pid, getattr(signal, leave))
    finally:
        code = term.close()
    expected = {"q": 0, "ctrl+c": 0, "SIGHUP": 129, "SIGTERM": 143}[leave]
    assert code == expected, bytes(term.output[-2000:])
    assert b"Traceback" not in term.output
