"""Shared infrastructure for the Panjereh services. Imports no service."""
