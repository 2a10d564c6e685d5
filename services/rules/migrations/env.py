from kit.migrations import run_migrations
from rules.models import metadata

run_migrations(metadata, schema="rules")
