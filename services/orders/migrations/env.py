from kit.migrations import run_migrations
from orders.models import metadata

run_migrations(metadata, schema="orders")
