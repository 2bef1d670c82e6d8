"""Input shapes: one reader per shape, recognised by content (see :mod:`.registry`).

Nothing here knows Polars or Textual: readers turn bytes into record dicts and reasons.
"""
