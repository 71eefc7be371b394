"""Cilium's own artifacts (chart, values, values schema, CRDs): found or fetched, and always verified.

Tried in order, the first complete and verified copy wins:
1. `$CILIUM_ARTIFACTS_DIR`;
2. `../shared/cilium/<version>/` beside the repository (the team's machines and CI);
3. the user cache, `$XDG_CACHE_HOME/aks-cilium/cilium/<version>/` (default `~/.cache/...`);
4. a download into that cache: the chart from Cilium's chart repository, the other files from the release's tag.

Every file is checked against the SHA-256 sums pinned in `offline/cilium_sums/<version>.sha256`. A version may pin
its chart alone (the chart carries its own values.yaml and schema; the CRDs are the reference version's). A copy that is
present but does not match is refused outright (never silently replaced by another source), except in the user
cache, which is ours to fetch again. Nothing is ever copied into the repository.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ENV_VAR = "CILIUM_ARTIFACTS_DIR"
DEFAULT_VERSION = "1.20.0"
SUMS_DIR = Path(__file__).resolve().parent / "cilium_sums"
SHARED_ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "cilium"

# Where Cilium publishes them. The chart repository's index lists `cilium-<version>.tgz` at its root; the other
# files are in the cilium/cilium repository at tag v<version> (paths as the shared folder's README names them).
CHART_REPOSITORY = "https://helm.cilium.io"
RELEASE_FILES = "https://raw.githubusercontent.com/cilium/cilium/v{version}"
_RELEASE_PATHS = {
    "values.yaml": "install/kubernetes/cilium/values.yaml",
    "values.schema.json": "install/kubernetes/cilium/values.schema.json",
    "Chart.yaml": "install/kubernetes/cilium/Chart.yaml",
    "ciliumnetworkpolicies.yaml": "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml",
    "ciliumclusterwidenetworkpolicies.yaml": "pkg/k8s/apis/cilium.io/client/crds/v2/ciliumclusterwidenetworkpolicies.yaml",
}
# The largest file is the CRD at about 400 KB; a response far beyond that is not the file we want.
_MAX_DOWNLOAD_BYTES = 16 * 1024 * 1024
_DOWNLOAD_TIMEOUT_S = 30.0


class ArtifactError(Exception):
    """Cilium's artifacts cannot be had, or a copy of them is not the pinned one."""


@dataclass(frozen=True)
class CiliumArtifacts:
    """A verified copy of one Cilium version's artifacts."""

    version: str
    directory: Path
    origin: str
    """Which source it came from, for messages: `$CILIUM_ARTIFACTS_DIR`, `../shared`, `user cache`, `download`."""

    @property
    def chart(self) -> Path:
        return self.directory / chart_name(self.version)

    def file(self, name: str) -> Path:
        return self.directory / name


def chart_name(version: str) -> str:
    return f"cilium-{version}.tgz"


def pinned_sums(version: str, sums_dir: Path = SUMS_DIR) -> dict[str, str]:
    """File name -> SHA-256 of every artifact of `version`, as pinned in the repository."""
    path = sums_dir / f"{version}.sha256"
    if not path.is_file():
        pinned = sorted(p.stem for p in sums_dir.glob("*.sha256"))
        raise ArtifactError(
            f"no pinned SHA-256 sums for Cilium {version} (pinned: {', '.join(pinned)}); "
            f"add {path.relative_to(sums_dir.parent.parent)} with the sums Cilium's release publishes"
        )
    sums: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name] = digest
    return sums


def upstream_urls(version: str, chart_repository: str = CHART_REPOSITORY, release_files: str = RELEASE_FILES) -> dict[str, str]:
    """File name -> where Cilium publishes it."""
    release = release_files.format(version=version)
    return {chart_name(version): f"{chart_repository}/{chart_name(version)}"} | {
        name: f"{release}/{path}" for name, path in _RELEASE_PATHS.items()
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def user_cache_root(environ: Mapping[str, str] = os.environ) -> Path:
    """The XDG base directory spec's cache home: `$XDG_CACHE_HOME`, else `~/.cache`."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aks-cilium" / "cilium"


@dataclass(frozen=True)
class _Inspection:
    missing: tuple[str, ...]
    mismatched: dict[str, str]
    """Name -> `sha256 <actual>, pinned <expected>` for each file that is present but not the pinned one."""

    def mismatch_text(self) -> str:
        return "; ".join(f"{name} ({detail})" for name, detail in self.mismatched.items())


def _inspect(directory: Path, sums: Mapping[str, str]) -> _Inspection:
    missing: list[str] = []
    mismatched: dict[str, str] = {}
    for name, expected in sorted(sums.items()):
        path = directory / name
        if not path.is_file():
            missing.append(name)
        elif (actual := sha256(path)) != expected:
            mismatched[name] = f"sha256 {actual}, pinned {expected}"
    return _Inspection(tuple(missing), mismatched)


def _describe(label: str, directory: Path, inspection: _Inspection) -> str:
    if not directory.is_dir():
        return f"{label} {directory}: no such directory"
    return f"{label} {directory}: lacks {', '.join(inspection.missing)}"


def _download(url: str, expected: str, target: Path, timeout: float) -> None:
    """Fetch `url` into `target`, only if its SHA-256 is `expected`; the target is never half-written."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read(_MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ArtifactError(f"download of {url} failed: {reason}") from error
    if len(body) > _MAX_DOWNLOAD_BYTES:
        raise ArtifactError(f"download of {url} refused: larger than {_MAX_DOWNLOAD_BYTES} bytes")
    actual = hashlib.sha256(body).hexdigest()
    if actual != expected:
        raise ArtifactError(f"download of {url} refused: sha256 {actual} is not the pinned {expected}; nothing was stored")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.replace(temporary, target)


def resolve(
    version: str = DEFAULT_VERSION,
    *,
    environ: Mapping[str, str] = os.environ,
    shared_root: Path = SHARED_ROOT,
    cache_root: Path | None = None,
    urls: Mapping[str, str] | None = None,
    timeout: float = _DOWNLOAD_TIMEOUT_S,
) -> CiliumArtifacts:
    """The first complete, verified copy of `version`'s artifacts; raises ArtifactError saying what was tried."""
    sums = pinned_sums(version)
    tried: list[str] = []
    candidates = [(f"${ENV_VAR}", Path(environ[ENV_VAR]))] if environ.get(ENV_VAR) else []
    candidates.append(("../shared", shared_root / version))
    for label, directory in candidates:
        inspection = _inspect(directory, sums)
        if inspection.mismatched:
            raise ArtifactError(
                f"Cilium {version} artifacts in {label} {directory} are not the pinned ones, refused: "
                f"{inspection.mismatch_text()}. Replace them with Cilium's release files."
            )
        if not inspection.missing:
            return CiliumArtifacts(version, directory, label)
        tried.append(_describe(label, directory, inspection))

    cache_dir = (cache_root or user_cache_root(environ)) / version
    inspection = _inspect(cache_dir, sums)
    if not inspection.missing and not inspection.mismatched:
        return CiliumArtifacts(version, cache_dir, "user cache")
    tried.append(
        f"user cache {cache_dir}: fetching again {inspection.mismatch_text()}"
        if inspection.mismatched
        else _describe("user cache", cache_dir, inspection)
    )
    sources = urls or upstream_urls(version)
    try:
        for name in sorted({*inspection.missing, *inspection.mismatched}):
            _download(sources[name], sums[name], cache_dir / name, timeout)
    except ArtifactError as error:
        tried.append(str(error))
        raise ArtifactError(
            f"cannot get Cilium {version}'s chart and CRDs. Tried:\n"
            + "".join(f"  - {attempt}\n" for attempt in tried)
            + f"Fix: set {ENV_VAR} to a folder with {', '.join(sorted(sums))}, or allow downloads from "
            f"{CHART_REPOSITORY} and {RELEASE_FILES.format(version=version)}."
        ) from error
    return CiliumArtifacts(version, cache_dir, "download")


@cache
def cilium_artifacts(version: str = DEFAULT_VERSION) -> CiliumArtifacts:
    """`resolve(version)` once per process: the plan and the tests verify the files once, not per use."""
    return resolve(version)


def _patch_key(version: str) -> tuple[int, int, int] | None:
    parts = version.split(".")
    return (int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 and all(p.isdigit() for p in parts) else None


def nearest_verified(
    version: str, resolver: Callable[[str], CiliumArtifacts] = cilium_artifacts, sums_dir: Path = SUMS_DIR
) -> CiliumArtifacts:
    """`version`'s verified chart, or else the verified chart of the same minor nearest to it that can be had.

    For where the exact chart cannot be had offline: a patch release keeps the chart's structure, so the nearest
    patch of the minor renders the same objects from the same values, and the caller says which one it rendered.
    Raises the exact version's ArtifactError when no patch of the minor can be had either.
    """
    try:
        return resolver(version)
    except ArtifactError as exact_error:
        wanted = _patch_key(version)
        if wanted is None:
            raise
        others = [key for path in sums_dir.glob("*.sha256") if (key := _patch_key(path.stem)) and key[:2] == wanted[:2] and key != wanted]
        for key in sorted(others, key=lambda k: (abs(k[2] - wanted[2]), -k[2])):
            try:
                return resolver(".".join(map(str, key)))
            except ArtifactError:
                continue
        raise exact_error


def main(argv: list[str] | None = None) -> int:
    """`python -m offline.artifacts`: resolve (and if need be download) the artifacts, as CI does before the tests."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--version", default=DEFAULT_VERSION)
    version = parser.parse_args(argv).version
    try:
        found = resolve(version)
    except ArtifactError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    print(f"Cilium {version} artifacts: {found.directory} ({found.origin}; every file matches {SUMS_DIR.name}/{version}.sha256)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
