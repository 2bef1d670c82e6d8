"""The engine: CloudTrail and Polars, no Textual, no Rich, no UI, no command line."""
