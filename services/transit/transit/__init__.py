"""Panjereh transit: Transit declarations, truck scans, plate reads, arrival, settlement and monthly reports (SPEC §4)."""
