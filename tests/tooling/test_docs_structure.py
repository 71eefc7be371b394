"""The README is a front page that leads to every page in docs/, and no relative link in the docs points nowhere."""

from __future__ import annotations

import re
from pathlib import Path

# [text](target) outside code; the target's own anchor (#...) is not checked here, only the file it names.
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _links(path: Path) -> list[str]:
    text = _FENCE.sub("", path.read_text())
    return [m["target"] for m in _LINK.finditer(text) if "://" not in m["target"] and not m["target"].startswith("#")]


def test_the_readme_is_a_front_page(project_dir: Path) -> None:
    lines = (project_dir / "README.md").read_text().splitlines()
    assert 150 <= len(lines) <= 250, f"README.md has {len(lines)} lines; topics belong in docs/<topic>.md"


def test_every_docs_page_is_linked_from_the_readme(project_dir: Path) -> None:
    linked = {(project_dir / target.split("#", 1)[0]).resolve() for target in _links(project_dir / "README.md")}
    pages = sorted((project_dir / "docs").rglob("*.md"))
    assert pages
    assert [str(p.relative_to(project_dir)) for p in pages if p.resolve() not in linked] == []


def test_every_relative_link_names_a_file_that_exists(project_dir: Path) -> None:
    documents = [project_dir / "README.md", project_dir / "CHANGELOG.md", *sorted((project_dir / "docs").rglob("*.md"))]
    broken = [
        f"{path.relative_to(project_dir)}: {target}"
        for path in documents
        for target in _links(path)
        if not (path.parent / target.split("#", 1)[0]).exists()
    ]
    assert broken == []
