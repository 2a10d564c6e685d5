"""Panjereh rules: The amended customs law as dated, cited data: point-in-time values and traced calculations (SPEC §5)."""
