"""Panjereh gateway."""
