"""Markers for tests that need Cilium's artifacts: skip with the reason when they cannot be had, FAIL under CI=true.

The artifacts are resolved once per test session by `offline.artifacts` (shared folder, `$CILIUM_ARTIFACTS_DIR`,
user cache, or a verified download), so on CI a missing chart is a red build, never a quietly skipped check.
"""

from __future__ import annotations

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
    """`test`, marked `artifacts`, as is when the artifacts resolved; else skipped, or failing when `CI=true`.

    The failing stand-in takes no fixtures and no parameters: nothing of the test can run, so nothing is set up for it
    (its parametrizations, applied below this decorator, fold into one failure).
    """
    reason = UNAVAILABLE if unavailable is None else unavailable
    if not reason:
        return pytest.mark.artifacts(test)
    if ci if ci is not None else os.environ.get("CI") == "true":

        def failing() -> None:
            pytest.fail(f"CI=true and Cilium's artifacts cannot be had, so this check cannot run: {reason}")

        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(failing, attribute, getattr(test, attribute))
        return pytest.mark.artifacts(failing)  # type: ignore[return-value]
    return pytest.mark.artifacts(pytest.mark.skip(reason=reason)(test))


CRD_PATH = ARTIFACTS.file("ciliumnetworkpolicies.yaml") if ARTIFACTS else Path("ciliumnetworkpolicies.yaml-unavailable")
