"""The case: marks (and, with them, what a responder hands over)."""
