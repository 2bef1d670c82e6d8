"""Views as analyses: typed results computed from a (filtered) frame."""
