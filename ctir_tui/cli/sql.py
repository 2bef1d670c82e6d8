"""``ctir sql``: the view as SQL for Athena or CloudTrail Lake; the Athena table; ``--run``.

PATH is optional: it anchors durations (``--since 6h``) on the newest loaded event and shows
how many loaded events the view holds. Without it durations count back from now (the SQL
says so) and tactics use the mapping as configured.
"""

from __future__ import annotations

import argparse
import sys

from ctir_tui.cli.common import UsageError, err, open_session, session_filters
from ctir_tui.cli.options import add_attack_version, filters_from_args
from ctir_tui.engine.export.sql import DIALECTS, NotExpressible, athena_ddl, view_sql
from ctir_tui.engine.export.sql.athena_run import (
    INSTALL_HINT,
    AthenaError,
    AwsMissing,
    Progress,
    run_athena,
)
from ctir_tui.engine.export.sql.ddl import DEFAULT_REGION
from ctir_tui.engine.query.filters import Filters
from ctir_tui.engine.query.values import FILTER_ERRORS
from ctir_tui.engine.tactics.data import load_mapping

NAME = "sql"
HELP = (
    "The view as SQL for Athena (over the trail's S3 prefix) or CloudTrail Lake, "
    "or the Athena table to run it on (--ddl athena)."
)
#: PATH only anchors durations; the SQL can be written without it.
PATHS_REQUIRED = False


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's own options."""
    parser.add_argument(
        "--dialect", choices=DIALECTS, default="athena", help="the engine (default athena)"
    )
    parser.add_argument(
        "--table",
        metavar="NAME",
        help="Athena: [DATABASE.]TABLE (default cloudtrail_logs); "
        "Lake: the event data store's ID or ARN",
    )
    parser.add_argument("--extended", action="store_true", help="tactics of the extended mapping")
    add_attack_version(parser)
    ddl = parser.add_argument_group("the Athena table")
    ddl.add_argument(
        "--ddl",
        choices=("athena",),
        help="print the CREATE TABLE (partition projection) instead of a query",
    )
    ddl.add_argument(
        "--location",
        metavar="S3",
        help="with --ddl: the trail's s3://BUCKET/[PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/",
    )
    ddl.add_argument(
        "--region",
        default=DEFAULT_REGION,
        help=f"with --ddl: the region folder the table reads (default {DEFAULT_REGION}, where "
        "IAM, STS and sign-in deliver); one table per region",
    )
    run = parser.add_argument_group("running it (pip install 'ctir[aws]')")
    run.add_argument(
        "--run", action="store_true", help="start the query on Athena and download the result"
    )
    run.add_argument("--workgroup", default="primary", help="Athena workgroup (default primary)")
    run.add_argument(
        "--output",
        metavar="S3",
        help="s3:// folder for Athena's results (default: the workgroup's)",
    )


def _ddl(ns: argparse.Namespace) -> int:
    if ns.paths or not _no_filters(ns):
        raise UsageError("--ddl prints the table; it takes no PATH and no filters")
    if not ns.location:
        raise UsageError(
            "--ddl athena needs --location s3://BUCKET/[PREFIX/]AWSLogs/ACCOUNT/CloudTrail/"
        )
    try:
        sys.stdout.write(athena_ddl(ns.location, table=ns.table, region=ns.region))
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _no_filters(ns: argparse.Namespace) -> bool:
    valued = ("principal", "ip", "since", "until", "tactic")
    return not any(getattr(ns, w) is not None for w in valued) and not ns.event and not ns.errors


def _progress(step: Progress) -> None:
    mb = step.scanned / 1e6
    err(f"athena: {step.state.lower()}, {step.elapsed:.0f} s, {mb:,.1f} MB scanned")


def run(ns: argparse.Namespace) -> int:
    """Print the SQL (or the DDL), or run it on Athena."""
    if ns.ddl:
        return _ddl(ns)
    if ns.run and ns.dialect != "athena":
        raise UsageError("--run runs Athena queries only; paste Lake's into its console")
    mapping = load_mapping(attack_version=ns.attack_version)
    filters: Filters
    if ns.paths:
        session = open_session(ns, mapping)
        filters = session_filters(ns, session)
        newest, mapping = session.newest, session.mapping
        shown = session.view(filters, extended=ns.extended).height
        err(f"{shown:,} of the {session.frame.height:,} loaded events are in this view")
    else:
        try:
            filters = filters_from_args(ns, None).validate(mapping.tactic_words())
        except FILTER_ERRORS as exc:
            raise UsageError(str(exc)) from exc
        newest = None
    try:
        sql = view_sql(filters, mapping, newest, ns.dialect, ns.table, extended=ns.extended)
    except NotExpressible as exc:
        raise UsageError(str(exc)) from exc
    except FILTER_ERRORS as exc:
        raise UsageError(str(exc)) from exc
    if not ns.run:
        sys.stdout.write(sql + "\n")
        return 0
    return _run(ns, sql)


def _run(ns: argparse.Namespace, sql: str) -> int:
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    try:
        result = run_athena(sql, workgroup=ns.workgroup, output=ns.output, progress=_progress)
    except AwsMissing as exc:
        raise UsageError(str(exc)) from exc
    except (AthenaError, BotoCoreError, ClientError) as exc:
        err(f"athena: {exc}")
        return 1
    print(result)
    err(f"the result is in ctir's cache: open it with  ctir {result}")
    return 0
