"""The committed openapi/*.json must be what the apps produce now."""

from __future__ import annotations

from pathlib import Path

from openapi.export import rendered_documents

OPENAPI_DIR = Path(__file__).resolve().parents[1] / "openapi"


def test_committed_openapi_documents_match_the_apps() -> None:
    expected = rendered_documents()
    committed = {path.name: path.read_text(encoding="utf-8") for path in OPENAPI_DIR.glob("*.json")}
    stale = sorted(name for name, content in expected.items() if committed.get(name) != content)
    unexpected = sorted(set(committed) - set(expected))
    assert not [*stale, *unexpected], (
        f"openapi/ is out of date (differs: {', '.join(stale) or 'none'}; "
        f"no longer produced: {', '.join(unexpected) or 'none'}). Run `make openapi` and commit the result."
    )
