"""Which events to show: value parsers, clauses, the filter stack and language, pivots,
and the history of views."""
