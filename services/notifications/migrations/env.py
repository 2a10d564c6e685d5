from kit.migrations import run_migrations
from notifications.models import metadata

run_migrations(metadata, schema="notifications")
