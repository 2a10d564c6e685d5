"""Panjereh identity service."""
