"""Representation: grants of acting for another party, and who may act for whom."""
