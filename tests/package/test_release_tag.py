"""Releases are git tags `v<version>` of components/pyproject.toml's version: the install lines and the changelog follow."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

# `pip install "aks-cilium @ git+https://…/aks-cilium@<ref>#subdirectory=components"` and
# `pulumi package add https://…/aks-cilium/components@<ref>`: the two forms the docs give teams.
_INSTALL_REF = re.compile(r"aks-cilium(?:@|/components@)(?P<ref>[^\s#\"'`)]+)")
_DOCUMENTS = ("README.md", "docs/*.md", "components/README.md", "examples/*/requirements.txt", "examples/*/README.md")


def _version(project_dir: Path) -> str:
    return str(tomllib.loads((project_dir / "components" / "pyproject.toml").read_text())["project"]["version"])


def _install_refs(project_dir: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pattern in _DOCUMENTS:
        for path in sorted(project_dir.glob(pattern)):
            refs = [match["ref"] for match in _INSTALL_REF.finditer(path.read_text())]
            if refs:
                found[str(path.relative_to(project_dir))] = refs
    return found


def test_every_install_line_names_the_tag_of_the_current_version(project_dir: Path) -> None:
    refs = _install_refs(project_dir)
    assert "README.md" in refs, "the README's install line is missing"
    expected = f"v{_version(project_dir)}"
    wrong = {path: sorted(set(found) - {expected}) for path, found in refs.items() if set(found) != {expected}}
    assert not wrong, f"install lines must name the release tag {expected}: {wrong}"


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ('pip install "aks-cilium @ git+https://github.com/o/aks-cilium@v1.2.3#subdirectory=components"', ["v1.2.3"]),
        ("pulumi package add https://github.com/o/aks-cilium/components@main", ["main"]),
        ("aks-cilium @ git+https://github.com/o/aks-cilium@<tag>#subdirectory=components", ["<tag>"]),
    ],
    ids=["pip", "package-add", "placeholder"],
)
def test_the_install_line_pattern_sees_each_form(text: str, refs: list[str]) -> None:
    assert [match["ref"] for match in _INSTALL_REF.finditer(text)] == refs


def test_the_changelog_has_unreleased_on_top_and_the_current_version_below(project_dir: Path) -> None:
    """Keep a Changelog 1.1.0: an `Unreleased` section first, then one `## [x.y.z] - date` per release, newest first."""
    headings = re.findall(r"^## \[?([^\]\s]+)\]?", (project_dir / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings[:2] == ["Unreleased", _version(project_dir)], headings
