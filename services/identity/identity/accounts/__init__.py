"""Accounts: registration of natural and legal persons, their managers, the profile, change of mobile."""
