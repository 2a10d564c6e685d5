from kit.migrations import run_migrations
from permits.models import metadata

run_migrations(metadata, schema="permits")
