"""Subscriptions: which events a user or machine client wants, at which webhook URL, with which
signing secrets; every subscription has a pull box."""
