"""The events received from every service's feed (kit.feeds), one row each, deduplicated by ID."""
