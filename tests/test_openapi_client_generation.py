"""A client developer generates a Python client from the merged document with
openapi-python-client and the project's settings for it: no warning, nothing left out.

Two model classes with one name used to become components like
``identity_client__login__CodeConfirm``, which the generator cannot resolve: it dropped
two endpoints and the responses of seven operations.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from openapi.export import rendered_documents

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "openapi" / "openapi-python-client.yaml"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def test_component_names_are_public_names() -> None:
    names = json.loads(rendered_documents()["panjereh.json"])["components"]["schemas"]
    assert [name for name in names if "__" in name] == []


@pytest.mark.timeout(180)
def test_openapi_python_client_generates_the_whole_api_without_a_warning(tmp_path: Path) -> None:
    document = tmp_path / "panjereh.json"
    document.write_text(rendered_documents()["panjereh.json"], encoding="utf-8")
    command = [str(GENERATOR), "generate", "--path", str(document), "--config", str(CONFIG)]
    run = subprocess.run(
        [*command, "--meta", "none", "--output-path", str(tmp_path / "client")],
        capture_output=True,
        text=True,
        timeout=170,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    generated = {path.stem for path in (tmp_path / "client").rglob("*.py")}
    # The operations and models the generator used to drop.
    assert "identity_confirm_totp" in generated
    assert "identity_confirm_sms" in generated
    assert {"product_request_out", "product_attachment_out", "order_attachment_out"} <= generated
    assert {"client_credentials_grant", "refresh_token_grant", "token_exchange_grant"} <= generated
