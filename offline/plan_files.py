"""A plan directory that is either whole and current or absent: built beside its target, then renamed into place.

- `claim(out)` runs before anything else: it refuses a non-empty directory the plan did not write (no `plan.json`
  of ours in it), and removes a previous plan, so a run that then fails or is killed leaves no plan that looks
  current.
- `StagedPlan` writes every file into `.<name>.partial-*` next to `out` (same file system, so the final
  `os.rename` is one atomic step), `plan.json` last, and renames the directory into place; on any exception the
  staging directory is removed.
- Output is deterministic: JSON and YAML with sorted keys, no timestamps, no absolute paths, so two runs over the
  same inputs are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from .wire_numbers import whole_numbers_as_integers

PLAN_FILE = "plan.json"
GENERATOR = "aks-cilium offline plan"
FORMAT = 1


class PlanDirError(Exception):
    """The output directory is not one the plan may replace."""


def written_by_plan(directory: Path) -> bool:
    """Whether `directory` holds a plan.json that this harness wrote (its marker)."""
    try:
        marker = json.loads((directory / PLAN_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("generator") == GENERATOR


def _partials(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.partial-*")) if out.parent.is_dir() else []


def claim(out: Path, staging: Path | None = None) -> None:
    """Make `out` free for a new plan, or raise PlanDirError without touching anything."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise PlanDirError(f"--out {out} exists and is not a directory; choose a directory for the plan")
    if out.is_dir() and any(out.iterdir()) and not written_by_plan(out):
        raise PlanDirError(
            f"--out {out} is not empty and holds no plan.json written by the offline plan; refusing to replace "
            "what is there. Choose a new or empty directory, or one a previous plan wrote."
        )
    if out.is_dir():
        shutil.rmtree(out)
    for leftover in _partials(out):  # from a run that was killed before it could clean up
        if leftover != staging:
            shutil.rmtree(leftover, ignore_errors=True)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(whole_numbers_as_integers(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class StagedPlan:
    """The plan's files, staged next to `out` and published by `commit`; a context manager that cleans up."""

    def __init__(self, out: Path, scrub: Callable[[str], str] = str) -> None:
        self.out = out
        self.scrub = scrub
        """Applied to every file's text: the last guard that keeps secret values out of the plan."""
        out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
        self.staging.chmod(0o755)  # mkdtemp makes it private; the plan is for reviewers
        self.files: dict[str, str] = {}
        """Relative path -> SHA-256 of everything written so far (recorded in plan.json)."""

    def __enter__(self) -> StagedPlan:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    def text(self, relative: str, content: str) -> None:
        if relative == PLAN_FILE or relative in self.files:
            raise ValueError(f"{relative} is written twice or is reserved")
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        content = self.scrub(content)
        path.write_text(content)
        self.files[relative] = sha256_text(content)

    def json(self, relative: str, value: Any) -> None:
        self.text(relative, canonical_json(value))

    def yaml(self, relative: str, value: Any) -> None:
        self.text(relative, yaml.safe_dump(whole_numbers_as_integers(value), sort_keys=True))

    def yaml_all(self, relative: str, values: list[Any]) -> None:
        self.text(relative, yaml.safe_dump_all(whole_numbers_as_integers(values), sort_keys=True))

    def commit(self, record: dict[str, Any]) -> None:
        """Write plan.json (with the digest of every other file) last, then rename the whole plan into place."""
        plan = {"generator": GENERATOR, "format": FORMAT, **record, "files": dict(sorted(self.files.items()))}
        (self.staging / PLAN_FILE).write_text(self.scrub(canonical_json(plan)))
        claim(self.out, self.staging)  # a concurrent run may have written one meanwhile; ours is the newer
        self.staging.rename(self.out)


def inputs_digest(files: dict[str, Path], values: dict[str, str]) -> dict[str, Any]:
    """SHA-256 of each input file (by its label) and one digest over all of them and `values`."""
    hashes = {label: hashlib.sha256(path.read_bytes()).hexdigest() for label, path in sorted(files.items())}
    entries = {**{f"file:{label}": digest for label, digest in hashes.items()}, **{f"value:{k}": v for k, v in values.items()}}
    combined = hashlib.sha256("".join(f"{key}\0{value}\n" for key, value in sorted(entries.items())).encode()).hexdigest()
    return {"digest": f"sha256:{combined}", "files": hashes, "values": dict(sorted(values.items()))}
