"""A plan directory that is either whole and current or the previous plan, untouched: built beside its target, then
swapped into place; one plan at a time; files the plan did not write are left alone.

- `PlanLock(out)` is held for the whole run: a second plan into the same `--out` stops at once (exit 2) instead of
  interleaving its files with the first's. It is an advisory `flock` on `.<name>.lock` next to `out`, released by the
  kernel if the process dies.
- `claim(out)` checks, and changes nothing: `out` is absent, empty, or a previous plan whose `plan.json` is ours.
- `owned_files(out)` is what the previous plan wrote, proven by its marker: `plan.json` names this generator and lists
  each file with its SHA-256, and only listed files whose content still has that digest count as the plan's. A forged
  or edited marker proves nothing it does not hash.
- `StagedPlan` writes every file into `.<name>.partial-*` next to `out` (same file system, so renames are atomic),
  `plan.json` last. `commit` carries every file the previous plan did not write (a reviewer's notes, a file edited
  since) into the new plan at the same path, moves the previous plan aside, renames the new one into place, and only
  then deletes the previous one. Any failure before that leaves the previous plan as it was.
- Output is deterministic: JSON and YAML with sorted keys, no timestamps, no absolute paths, so two runs over the
  same inputs are byte-identical.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

import yaml

from .wire_numbers import whole_numbers_as_integers

PLAN_FILE = "plan.json"
GENERATOR = "aks-cilium offline plan"
FORMAT = 1


class PlanDirError(Exception):
    """The output directory is not one the plan may write, or another plan is writing it."""


def _marker(directory: Path) -> dict[str, str] | None:
    """The files a plan.json of ours lists, relative path -> SHA-256; None when there is no such marker."""
    try:
        marker = json.loads((directory / PLAN_FILE).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(marker, dict) or marker.get("generator") != GENERATOR:
        return None
    files = marker.get("files", {})
    if not isinstance(files, dict):
        return None
    for relative, digest in files.items():
        parts = PurePosixPath(str(relative)).parts
        if not parts or str(relative).startswith("/") or ".." in parts or not isinstance(digest, str):
            return None
    return {str(relative): digest for relative, digest in files.items()}


def written_by_plan(directory: Path) -> bool:
    """Whether `directory` holds a plan.json that this harness wrote (its marker)."""
    return _marker(directory) is not None


def _files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory).as_posix()) for p in directory.rglob("*") if p.is_file() or p.is_symlink())


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
    except OSError:
        return None


def owned_files(out: Path) -> set[str]:
    """The files of `out` the previous plan wrote: plan.json, and each file it lists whose content has its digest."""
    marker = _marker(out) if out.is_dir() else None
    if marker is None:
        return set()
    return {PLAN_FILE} | {relative for relative, digest in marker.items() if sha256_file(out / relative) == digest}


def foreign_files(out: Path) -> list[str]:
    """Files in `out` that the previous plan did not write, or that changed since it wrote them."""
    if not out.is_dir():
        return []
    owned = owned_files(out)
    return [relative for relative in _files(out) if relative not in owned]


def _leftovers(out: Path) -> list[Path]:
    if not out.parent.is_dir():
        return []
    return sorted([*out.parent.glob(f".{out.name}.partial-*"), *out.parent.glob(f".{out.name}.previous-*")])


class PlanLock:
    """One plan at a time per output directory; a second one raises PlanDirError instead of waiting."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out.parent / f".{out.name}.lock"
        self._fd: int | None = None

    def __enter__(self) -> PlanLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise PlanDirError(f"cannot write beside --out {self.out} ({error.strerror}); choose a writable directory") from None
        busy = PlanDirError(
            f"another offline plan is writing {self.out} now (lock {self.path}); wait for it to finish, or choose another --out"
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise busy from None
        try:
            same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if not same:  # the holder removed the lock file between our open and our lock: it is someone else's now
            os.close(fd)
            raise busy
        self._fd = fd
        for leftover in _leftovers(self.out):  # from a run that was killed before it could clean up
            shutil.rmtree(leftover, ignore_errors=True)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None


def claim(out: Path) -> None:
    """Check that `out` may receive a plan, or raise PlanDirError; nothing is changed."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise PlanDirError(f"--out {out} exists and is not a directory; choose a directory for the plan")
    if out.is_dir() and any(out.iterdir()) and not written_by_plan(out):
        raise PlanDirError(
            f"--out {out} is not empty and holds no plan.json written by the offline plan; refusing to replace "
            "what is there. Choose a new or empty directory, or one a previous plan wrote."
        )


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
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
            self.staging.chmod(0o755)  # mkdtemp makes it private; the plan is for reviewers
        except OSError as error:
            raise PlanDirError(f"cannot write the plan beside --out {out} ({error.strerror}); choose a writable directory") from None
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
        """Write plan.json (with the digest of every other file) last, carry the foreign files over, swap it into place."""
        plan = {"generator": GENERATOR, "format": FORMAT, **record, "files": dict(sorted(self.files.items()))}
        (self.staging / PLAN_FILE).write_text(self.scrub(canonical_json(plan)))
        claim(self.out)  # something may have taken `out` while the program ran
        foreign = foreign_files(self.out)
        clashes = sorted(set(foreign) & {*self.files, PLAN_FILE})
        if clashes:
            raise PlanDirError(
                f"{', '.join(clashes)} in {self.out} changed after the plan wrote them, and the new plan writes them too; "
                "move them out of the way, then plan again"
            )
        for relative in foreign:  # copies, so the previous plan stays whole until the swap
            target = self.staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.out / relative, target, follow_symlinks=False)
        previous = None
        if self.out.exists():
            previous = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.previous-"))
            previous.rmdir()
            self.out.rename(previous)
        try:
            self.staging.rename(self.out)
        except OSError:
            if previous is not None:
                previous.rename(self.out)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


def inputs_digest(files: dict[str, Path], values: dict[str, str]) -> dict[str, Any]:
    """SHA-256 of each input file (by its label) and one digest over all of them and `values`."""
    hashes = {label: hashlib.sha256(path.read_bytes()).hexdigest() for label, path in sorted(files.items())}
    entries = {**{f"file:{label}": digest for label, digest in hashes.items()}, **{f"value:{k}": v for k, v in values.items()}}
    combined = hashlib.sha256("".join(f"{key}\0{value}\n" for key, value in sorted(entries.items())).encode()).hexdigest()
    return {"digest": f"sha256:{combined}", "files": hashes, "values": dict(sorted(values.items()))}
