"""Markers for tests that need Cilium's artifacts: skip with the reason when they cannot be had, FAIL under CI=true.

The artifacts are resolved once per test session by `offline.artifacts` (shared folder, `$CILIUM_ARTIFACTS_DIR`,
user cache, or a verified download), so on CI a missing chart is a red build, never a quietly skipped check.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from offline.artifacts import ArtifactError, CiliumArtifacts, cilium_artifacts

F = TypeVar("F", bound=Callable[..., Any])


def _resolve() -> tuple[CiliumArtifacts | None, str]:
    try:
        return cilium_artifacts(), ""
    except ArtifactError as error:
        return None, str(error)


ARTIFACTS, UNAVAILABLE = _resolve()


def requires_artifacts(test: F, *, unavailable: str | None = None, ci: bool | None = None) -> F:
    """`test` as is when the artifacts resolved; else skipped, or failing when `CI=true`."""
    reason = UNAVAILABLE if unavailable is None else unavailable
    if not reason:
        return test
    if ci if ci is not None else os.environ.get("CI") == "true":

        @functools.wraps(test)
        def failing(*args: Any, **kwargs: Any) -> None:
            pytest.fail(f"CI=true and Cilium's artifacts cannot be had, so this check cannot run: {reason}")

        return failing  # type: ignore[return-value]
    return pytest.mark.skip(reason=reason)(test)


CRD_PATH = ARTIFACTS.file("ciliumnetworkpolicies.yaml") if ARTIFACTS else Path("ciliumnetworkpolicies.yaml-unavailable")
