"""Writing views out: records (JSON Lines, CSV) and the matrix as text or Markdown."""
