from kit.migrations import run_migrations
from transit.models import metadata

run_migrations(metadata, schema="transit")
