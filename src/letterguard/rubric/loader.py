"""Load rubric TOML files (stub; being written)."""


class RubricError(ValueError):
    """A rubric file is broken: the message names file, line and key."""
