"""The repository stands on its own: every relative link in its Markdown
documents resolves to a file or folder inside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# [text](target) — the target up to a space, a closing parenthesis or a fragment.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s#]+)(?:#[^)\s]*)?\)")
EXTERNAL = ("http://", "https://", "mailto:")


def _markdown_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / name for name in listed]


@pytest.mark.parametrize("document", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_stays_inside_the_repository(document: Path) -> None:
    broken = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if target.startswith(EXTERNAL):
            continue
        resolved = (document.parent / target).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links outside the repository or to nothing: {broken}"


def test_no_document_sends_readers_to_the_team_s_shared_folder() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p in _markdown_files() if "../shared/" in p.read_text(encoding="utf-8")
    ]
    assert not offenders
