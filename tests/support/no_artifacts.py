"""Artifact resolution as on a clone with no `../shared`, no user cache and no network: nothing is found, and every
download goes to a port nothing listens on. Small on purpose: a fresh `python -c` imports it to plan without artifacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from offline.artifacts import CiliumArtifacts, resolve, upstream_urls


def unreachable(tmp_path: Path) -> Callable[[str], CiliumArtifacts]:
    """A resolver in place of `offline.plan.cilium_artifacts` that looks only under `tmp_path`, where nothing is."""

    def resolver(version: str) -> CiliumArtifacts:
        urls = upstream_urls(version, chart_repository="http://127.0.0.1:9", release_files="http://127.0.0.1:9/v{version}")
        return resolve(version, environ={}, shared_root=tmp_path / "none", cache_root=tmp_path / "cache", urls=urls, timeout=5)

    return resolver
