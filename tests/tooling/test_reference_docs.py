"""docs/reference/ is generated (`make docs`, docgen/): the committed pages are current, and their tables stay tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.markdown import cell, table
from docgen.render import pages
from offline.stack_config import project_declarations

GENERATED = pages(Path(__file__).resolve().parents[2])


@pytest.mark.parametrize("relative", sorted(GENERATED), ids=str)
def test_generated_page_is_current(project_dir: Path, relative: Path) -> None:
    committed = project_dir / relative
    assert committed.exists(), f"{relative} is missing: run `make docs` and commit the result"
    assert committed.read_text() == GENERATED[relative], f"{relative} is not current: run `make docs` and commit the result"


def test_every_declared_key_has_a_row(project_dir: Path) -> None:
    text = GENERATED[Path("docs/reference/configuration.md")]
    _, declared = project_declarations(project_dir)
    assert declared
    for key in declared:
        assert f"\n| `{key.split(':', 1)[1]}` |" in text, key


def test_a_cell_cannot_break_its_row() -> None:
    """GitHub Flavored Markdown splits a table row on every unescaped `|`, inside code spans too, and ends it at a
    newline; a bare `<word>` outside code is an HTML open tag (github/cmark-gfm test/spec.txt: "Tables (extension)",
    "Raw HTML")."""
    (_, _, row) = table(("key", "what"), [("`a|b`", "one | two\nthree <prefix>")])
    assert row == "| `a\\|b` | one \\| two three &lt;prefix> |"
    assert cell("`rg-<prefix>`") == "`rg-<prefix>`"
