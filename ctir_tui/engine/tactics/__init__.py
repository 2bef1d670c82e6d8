"""The tactic matrix: mapping model, packaged data, user overrides, counts."""
