"""From files to the canonical frame: discover, inflate, parse, normalise, dedup, cache."""
