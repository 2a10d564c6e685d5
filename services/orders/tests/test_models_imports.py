"""The models import no cycle: ``orders.db`` (metadata, base, kit's tables) imports no domain,
each domain's models import only ``orders.db``, and ``orders.models`` gathers them all."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAINS = ("cars", "files", "products", "reference")


def _loaded_after(module: str) -> set[str]:
    """The ``orders`` modules a fresh interpreter holds after importing ``module`` alone."""
    code = (
        f"import sys, sqlalchemy.orm, {module}\n"
        "sqlalchemy.orm.configure_mappers()\n"
        "print(' '.join(m for m in sys.modules if m == 'orders' or m.startswith('orders.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_base_imports_no_domain() -> None:
    assert _loaded_after("orders.db") == {"orders", "orders.db"}


@pytest.mark.parametrize("domain", DOMAINS)
def test_a_domain_s_models_import_alone(domain: str) -> None:
    assert _loaded_after(f"orders.{domain}.models") == {
        "orders",
        "orders.db",
        f"orders.{domain}",
        f"orders.{domain}.models",
    }


def test_the_schema_has_every_domain_s_tables() -> None:
    code = (
        "from orders.models import metadata\n"
        "print(' '.join(sorted(t.name for t in metadata.tables.values())))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    tables = set(done.stdout.split())
    assert {"order_files", "tariff_lines", "products", "outbox_events", "audit_log"} <= tables
