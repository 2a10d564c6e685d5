"""Webhooks: which URLs may receive them (SSRF), how they are signed (Standard Webhooks) and
how messages reach them."""
