"""Run a statement on Athena and bring its result CSV home: ``ctir sql --run``.

Needs the optional ``aws`` extra (``pip install 'ctir[aws]'``, boto3), imported only here and
only when asked, with credentials and a region as the AWS CLI finds them (environment,
profile). The result is downloaded into ctir's cache directory, never beside the evidence.
Interrupting the wait stops the query on Athena, so nothing keeps scanning (and billing).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ctir_tui import paths

INSTALL_HINT: Final = "--run needs boto3: pip install 'ctir[aws]'"
_DONE: Final = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})
_S3_URI: Final = re.compile(r"s3://([^/]+)/(.+)")
_FIRST_WAIT: Final = 0.5
_LONGEST_WAIT: Final = 5.0
_CHUNK: Final = 1 << 20


class AwsMissing(RuntimeError):
    """boto3 is not installed; the message says how to install it."""


class AthenaError(RuntimeError):
    """The query failed or was cancelled on Athena; the message is Athena's reason."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the query is: Athena's state, seconds waited, bytes scanned so far."""

    query_id: str
    state: str
    elapsed: float
    scanned: int


def clients() -> tuple[Any, Any]:
    """Athena and S3 clients, as the AWS CLI would configure them.

    Raises:
        AwsMissing: boto3 is not installed.
    """
    try:
        import boto3
    except ImportError:
        raise AwsMissing(INSTALL_HINT) from None
    return boto3.client("athena"), boto3.client("s3")


def results_dir() -> Path:
    """Where result CSVs are kept: ctir's cache directory, never the evidence."""
    return paths.cache_dir() / "athena-results"


def run_athena(
    sql: str,
    *,
    workgroup: str,
    output: str | None,
    progress: Callable[[Progress], None] | None = None,
    athena: Any = None,
    s3: Any = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Path:
    """Start ``sql`` on Athena, wait for it, download the result CSV; return its path.

    Args:
        sql: One statement.
        workgroup: The Athena workgroup to run in.
        output: ``s3://`` folder for Athena's results (None: the workgroup's own).
        progress: Told of each state Athena reports while waiting.
        athena: An Athena client (default: :func:`clients`), as are ``s3``, ``sleep`` and
            ``clock``, for tests.

    Raises:
        AwsMissing: boto3 is not installed.
        AthenaError: The query failed or was cancelled.
        botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError: AWS refused.
    """
    if athena is None or s3 is None:
        athena, s3 = clients()
    request: dict[str, Any] = {"QueryString": sql, "WorkGroup": workgroup}
    if output:
        request["ResultConfiguration"] = {"OutputLocation": output}
    pause = sleep or time.sleep  # looked up now, so that a test can stand in for it
    query_id = str(athena.start_query_execution(**request)["QueryExecutionId"])
    started = clock()
    wait = _FIRST_WAIT
    try:
        while True:
            execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            status = execution["Status"]
            state = str(status["State"])
            scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
            if progress is not None:
                progress(Progress(query_id, state, clock() - started, scanned))
            if state in _DONE:
                break
            pause(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
    except KeyboardInterrupt:
        athena.stop_query_execution(QueryExecutionId=query_id)
        raise
    if state != "SUCCEEDED":
        reason = status.get("StateChangeReason") or "no reason given"
        raise AthenaError(f"query {query_id} {state.lower()}: {reason}")
    return _download(s3, execution["ResultConfiguration"]["OutputLocation"], query_id)


def _download(s3: Any, location: str, query_id: str) -> Path:
    found = _S3_URI.fullmatch(location)
    if found is None:
        raise AthenaError(f"Athena gave no S3 result location for query {query_id}: {location}")
    bucket, key = found.groups()
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The id names the file: keep it to what Athena's ids are made of.
    target = folder / (re.sub(r"[^A-Za-z0-9-]", "_", query_id) + ".csv")
    partial = target.with_suffix(".csv.part")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    with partial.open("wb") as out:
        for chunk in iter(lambda: body.read(_CHUNK), b""):
            out.write(chunk)
    partial.replace(target)
    return target
