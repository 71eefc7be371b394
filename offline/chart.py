"""Cilium's chart, its default values and schema, from the verified artifacts (see `offline.artifacts`)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import yaml

from .artifacts import DEFAULT_VERSION, cilium_artifacts

# libyaml's loader builds the same objects as PyYAML's pure-Python one, about eight times faster; the chart's values
# and its rendered manifests are the largest YAML read here.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _chart_file(version: str, name: str) -> str:
    """A file of the verified chart archive itself (`cilium/<name>`): a version may pin its chart alone."""
    with tarfile.open(cilium_artifacts(version).chart) as archive:
        member = archive.extractfile(f"cilium/{name}")
        if member is None:
            raise FileNotFoundError(f"cilium/{name} in {cilium_artifacts(version).chart}")
        return member.read().decode()


@cache
def chart_defaults(version: str = DEFAULT_VERSION) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(_chart_file(version, "values.yaml"), Loader=_LOADER)
    return loaded


@cache
def values_schema(version: str = DEFAULT_VERSION) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_chart_file(version, "values.schema.json"))
    return loaded


VERBATIM_KUBERNETES_FIELDS = frozenset({"affinity"})


def unknown_value_paths(values: Mapping[str, Any], defaults: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Paths in `values` that the chart's values.yaml does not have (the schema accepts them silently).

    Below a default that is an empty map or null, any key is the chart's business (free-form maps); so is anything
    below an `affinity`, which the templates copy verbatim into the pod spec as a Kubernetes Affinity (`toYaml`).
    """
    for key, value in values.items():
        path = f"{prefix}{key}"
        if key not in defaults:
            yield path
            continue
        default = defaults[key]
        if isinstance(value, Mapping) and isinstance(default, Mapping) and default and key not in VERBATIM_KUBERNETES_FIELDS:
            yield from unknown_value_paths(value, default, f"{path}.")


def render_chart(values: Mapping[str, Any], version: str = DEFAULT_VERSION) -> list[dict[str, Any]]:
    """Render the real chart offline into Kubernetes objects, as `helm template` would."""
    import helm_python

    with helm_python.Chart.load(str(cilium_artifacts(version).chart)) as chart:
        rendered = chart.render(values=dict(values), name="cilium", namespace="kube-system")
    objects: list[dict[str, Any]] = []
    for template, text in sorted(rendered.items()):
        if not template.endswith((".yaml", ".yml")):
            continue
        objects.extend(doc for doc in yaml.load_all(text, Loader=_LOADER) if doc)
    return objects
