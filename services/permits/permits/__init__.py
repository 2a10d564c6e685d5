"""Panjereh permits: Clearance, export and case permits, their channels, and the write-off of used quantities against order lines (SPEC §3)."""
