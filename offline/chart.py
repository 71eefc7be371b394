"""Cilium's own artifacts (chart, values schema, CRDs), read from the shared folder, never copied here."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .stack_config import PROJECT_DIR

ENV_VAR = "CILIUM_ARTIFACTS_DIR"


def artifacts_dir(version: str = "1.20.0") -> Path:
    """`$CILIUM_ARTIFACTS_DIR`, else `../shared/cilium/<version>/` beside the repository."""
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else PROJECT_DIR.parent / "shared" / "cilium" / version


def chart_archive(version: str = "1.20.0") -> Path:
    return artifacts_dir(version) / f"cilium-{version}.tgz"


def missing_reason(path: Path) -> str | None:
    """Why an artifact cannot be used, or None when it can."""
    if path.is_file():
        return None
    return f"{path} is absent (set {ENV_VAR} to the folder with Cilium's chart and CRDs)"


@cache
def chart_defaults(version: str = "1.20.0") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((artifacts_dir(version) / "values.yaml").read_text())
    return loaded


@cache
def values_schema(version: str = "1.20.0") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((artifacts_dir(version) / "values.schema.json").read_text())
    return loaded


def unknown_value_paths(values: Mapping[str, Any], defaults: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Paths in `values` that the chart's values.yaml does not have (the schema accepts them silently).

    Below a default that is an empty map or null, any key is the chart's business (free-form maps).
    """
    for key, value in values.items():
        path = f"{prefix}{key}"
        if key not in defaults:
            yield path
            continue
        default = defaults[key]
        if isinstance(value, Mapping) and isinstance(default, Mapping) and default:
            yield from unknown_value_paths(value, default, f"{path}.")


def render_chart(values: Mapping[str, Any], version: str = "1.20.0") -> list[dict[str, Any]]:
    """Render the real chart offline into Kubernetes objects, as `helm template` would."""
    import helm_python

    with helm_python.Chart.load(str(chart_archive(version))) as chart:
        rendered = chart.render(values=dict(values), name="cilium", namespace="kube-system")
    objects: list[dict[str, Any]] = []
    for template, text in sorted(rendered.items()):
        if not template.endswith((".yaml", ".yml")):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
