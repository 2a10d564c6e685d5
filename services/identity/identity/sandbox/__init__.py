"""Sandbox-only endpoints: the SMS outbox and what the fake inquiries answer."""
