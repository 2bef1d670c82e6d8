"""A view as SQL for the engines AWS runs: Athena over the trail's S3 prefix, CloudTrail Lake.

:func:`view_sql` writes the statement; :class:`NotExpressible` names a filter it cannot
write; :func:`athena_ddl` prints the table the Athena statements read.
"""

from ctir_tui.engine.export.sql.context import NotExpressible
from ctir_tui.engine.export.sql.ddl import athena_columns, athena_ddl
from ctir_tui.engine.export.sql.query import view_sql
from ctir_tui.engine.export.sql.tables import DIALECTS

__all__ = ["DIALECTS", "NotExpressible", "athena_columns", "athena_ddl", "view_sql"]
