"""The problems screen: the load report, so that nothing is hidden silently.

Totals first ("N records seen = loaded + duplicates + rejected"), then every failed,
skipped and salvaged file with its reason, the rejected records kept in the report (with
"and N more" when only the first ones were kept) and the duplicates dropped. Paths and
reasons come from the evidence (a file name can hold an ESC): all pass through
:func:`ctir_tui.text.inert` and are shown as plain ``Text``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from rich.style import Style
from rich.text import Text

from ctir_tui.engine.pipeline.report import FileReport, LoadReport, plural
from ctir_tui.engine.query.flag_clauses import KNOWN_FLAGS
from ctir_tui.text import inert
from ctir_tui.ui.screens.paged import TITLE_STYLE, PagedTextScreen

_WARN = Style(bold=True)
_PATH = Style(bold=True)
_INDENT = "  "
#: What to show after a file's path (its reason, or what was salvaged).
_Detail = Callable[[FileReport], str | None]


class ProblemsScreen(PagedTextScreen):
    """The load report in full, one key away from the main view."""

    DIALOG_TITLE = "Load problems"

    def __init__(self, report: LoadReport) -> None:
        """Create the screen.

        Args:
            report: The report of the load being explored.
        """
        super().__init__()
        self.report = report

    def texts(self) -> Iterable[Text]:
        """Totals, then one section per kind of problem."""
        yield from report_lines(self.report)


def report_lines(report: LoadReport) -> Iterator[Text]:
    """Render ``report`` as lines of inert text.

    Args:
        report: A load report.

    Yields:
        Lines: the totals, then failed, skipped and salvaged files, rejected records and
        duplicates, each section headed with its count.
    """
    totals = Text(
        f"{plural(report.records_seen, 'record')} seen = {report.loaded:,} loaded"
        f" + {plural(report.duplicates, 'duplicate')} + {report.rejected:,} rejected"
    )
    if not report.reconciles:
        totals.append("  (does not add up!)", _WARN)
    yield totals
    files = (
        f"{plural(len(report.files), 'file')}: {report.count('read'):,} read"
        f", {report.count('skipped'):,} skipped, {report.count('failed'):,} failed"
    )
    if report.from_cache:
        files += f" ({report.from_cache:,} from the cache)"
    yield Text(files)
    if report.no_time:
        have = "has" if report.no_time == 1 else "have"
        yield Text(f"{plural(report.no_time, 'loaded event')} {have} no usable time (sorted last)")
    if report.seconds:
        yield Text(f"Loaded in {report.seconds:.1f} s")

    failed = [f for f in report.files if f.status == "failed"]
    skipped = [f for f in report.files if f.status == "skipped"]
    salvaged = [f for f in report.files if f.salvage]
    yield from _section("Failed files", failed, lambda f: f.reason)
    yield from _section("Skipped files", skipped, lambda f: f.reason)
    yield from _section("Salvaged files", salvaged, lambda f: f.salvage)

    yield Text("")
    yield Text(f"Flagged events ({report.flagged:,})", style=TITLE_STYLE)
    if not report.flagged:
        yield Text(f"{_INDENT}none")
    for flag, count in report.flags.items():
        meaning = KNOWN_FLAGS.get(flag, "")
        yield Text.assemble(
            _INDENT, (f"{count:,} {inert(flag)}", _PATH), f": {meaning}" if meaning else ""
        )
    if report.flagged:
        yield Text(f"{_INDENT}filter with: flagged (any), or flagged NAME")

    yield Text("")
    yield Text(f"Rejected records ({report.rejected:,})", style=TITLE_STYLE)
    if not report.rejected:
        yield Text(f"{_INDENT}none")
    for record in report.rejected_details:
        yield Text.assemble(
            _INDENT,
            (inert(record.path), _PATH),
            f" #{record.index:,}: ",
            inert(record.reason),
        )
    more = report.rejected - len(report.rejected_details)
    if more > 0:
        yield Text(
            f"{_INDENT}and {more:,} more (only the first {len(report.rejected_details):,} are kept)"
        )

    yield Text("")
    yield Text(f"Duplicates dropped ({report.duplicates:,})", style=TITLE_STYLE)
    repeated = "record repeated" if report.duplicates == 1 else "records repeated"
    yield Text(
        f"{_INDENT}{report.duplicates:,} {repeated} an eventID and content already loaded"
        if report.duplicates
        else f"{_INDENT}none"
    )
    noted = [f for f in report.files if f.note]
    if noted:
        yield from _section("Read with a note (no problem)", noted, lambda f: f.note)


def _section(title: str, files: list[FileReport], detail: _Detail) -> Iterator[Text]:
    """A titled list of ``path: detail`` lines (or "none")."""
    yield Text("")
    yield Text(f"{title} ({len(files):,})", style=TITLE_STYLE)
    if not files:
        yield Text(f"{_INDENT}none")
    for file in files:
        line = Text.assemble(_INDENT, (inert(file.path), _PATH))
        reason = detail(file)
        if reason:
            line.append(": ")
            line.append(inert(reason))
        yield line
