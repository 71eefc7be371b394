"""Every generated page, by its path under the repository."""

from __future__ import annotations

from pathlib import Path

from . import configuration, policies, versions

REFERENCE_DIR = Path("docs") / "reference"


def pages(project_dir: Path) -> dict[Path, str]:
    return {
        REFERENCE_DIR / "configuration.md": configuration.render(project_dir),
        REFERENCE_DIR / "policies.md": policies.render(),
        REFERENCE_DIR / "kubernetes-versions.md": versions.render(),
    }
