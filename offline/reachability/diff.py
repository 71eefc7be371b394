"""`--diff OLD_PLAN_DIR`: the flows a change opens and closes, and the resources it creates, updates, replaces and deletes.

Resources are matched by URN, as the engine matches them (pulumi/pulumi pkg/resource/deploy/step_generator.go). A
resource whose inputs changed is an update, or a replacement where a changed field forces one:
- pulumi-kubernetes (provider/pkg/provider/diff.go, `forceNewProperties`): `metadata.name` and `metadata.namespace`
  of every kind, plus per kind fields such as a Deployment's `spec.selector` and a Job's `spec.template`;
- pulumi-azure-native marks properties ForceNew in its metadata (provider/pkg/resources/resources.go,
  `AzureAPIProperty.ForceNew`): the resource's path parameters (`resourceGroupName`, the `...Name` that names it) and
  `location`. This harness has no copy of that metadata, so it takes those from the input names; other create-only
  fields that Azure itself refuses to change (a cluster's network plugin, for one) show as updates here.
Changes within a path the resource lists in `ignoreChanges` are not changes, as in the engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import Analysis, analyse_resources
from .engine import Verdict

FlowKey = tuple[str, str, str, int, str]

_METADATA = ("metadata.name", "metadata.namespace")
_SELECTOR = ("spec.selector",)
_KUBERNETES_REPLACE: dict[str, tuple[str, ...]] = {
    "apps/Deployment": _SELECTOR,
    "apps/DaemonSet": _SELECTOR,
    "apps/StatefulSet": (
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
    ),
    "batch/Job": ("spec.completions", "spec.parallelism", "spec.selector", "spec.template"),
    "core/Service": ("spec.clusterIP",),
    "core/Secret": ("type",),
    "core/PersistentVolumeClaim": ("spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"),
    "rbac.authorization.k8s.io/RoleBinding": ("roleRef",),
    "rbac.authorization.k8s.io/ClusterRoleBinding": ("roleRef",),
    "storage.k8s.io/StorageClass": ("parameters", "provisioner"),
}


class DiffInputError(Exception):
    """The directory given to --diff holds no plan to compare with."""


@dataclass
class PlanDiff:
    opened: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"flows": {"opened": self.opened, "closed": self.closed}, "resources": self.resources}


def _flow_key(flow: Mapping[str, Any]) -> FlowKey:
    ((kind, value),) = flow["to"].items()
    return (flow["from"]["namespace"], kind, value, int(flow["port"]), flow["protocol"])


def _flow(key: FlowKey, verdict: Verdict) -> dict[str, Any]:
    source, kind, value, port, protocol = key
    return {"from": {"namespace": source}, "to": {kind: value}, "port": port, "protocol": protocol, "verdict": verdict.word,
            "reason": list(verdict.reasons)}  # fmt: skip


def flow_changes(before: Analysis, after: Analysis) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(opened, closed): the flows either plan covers, judged under both plans' policies, whose verdict flipped.

    Judging each flow under the earlier policies too (not only reading the earlier report) keeps a name or namespace
    that is new to the report from reading as opened where nothing selected its source before either.
    """
    keys = dict.fromkeys([*(f.key for f in after.flows), *(f.key for f in before.flows)])
    opened, closed = [], []
    for key in keys:
        old, new = before.judge(key[0], key[1], key[2], key[3], key[4]), after.judge(key[0], key[1], key[2], key[3], key[4])
        if new.allowed and not old.allowed:
            opened.append(_flow(key, new))
        elif old.allowed and not new.allowed:
            closed.append(_flow(key, new))
    return opened, closed


def _get(value: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _without(inputs: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """`inputs` with the ignoreChanges paths (dotted, as the engine takes them) removed."""
    copy: dict[str, Any] = json.loads(json.dumps(inputs))
    for path in paths:
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        node: Any = copy
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    return copy


def replace_paths(resource_type: str, inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The input paths whose change makes the engine replace a resource of this type."""
    if resource_type.startswith("kubernetes:"):
        group_version = str(inputs.get("apiVersion", ""))
        group = group_version.split("/")[0] if "/" in group_version else "core"
        return _METADATA + _KUBERNETES_REPLACE.get(f"{group}/{inputs.get('kind', '')}", ())
    if resource_type.startswith("azure-native:"):
        return tuple(
            sorted(k for k in inputs if k in ("resourceGroupName", "location") or (k.endswith("Name") and isinstance(inputs[k], str)))
        )
    return ()


def resource_changes(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    before = {r["urn"]: r for r in old}
    after = {r["urn"]: r for r in new}
    changes: dict[str, list[dict[str, Any]]] = {"create": [], "update": [], "replace": [], "delete": []}
    for urn, resource in after.items():
        if urn not in before:
            changes["create"].append({"urn": urn, "type": resource["type"]})
            continue
        ignored = resource.get("ignoreChanges") or []
        old_inputs, new_inputs = _without(before[urn]["inputs"], ignored), _without(resource["inputs"], ignored)
        if old_inputs == new_inputs:
            continue
        forcing = [p for p in replace_paths(resource["type"], new_inputs) if _get(old_inputs, p) != _get(new_inputs, p)]
        changed = sorted(k for k in set(old_inputs) | set(new_inputs) if old_inputs.get(k) != new_inputs.get(k))
        entry = {"urn": urn, "type": resource["type"], "changed": changed}
        if forcing:
            changes["replace"].append({**entry, "forcedBy": forcing})
        else:
            changes["update"].append(entry)
    changes["delete"] = [{"urn": urn, "type": r["type"]} for urn, r in before.items() if urn not in after]
    return {kind: sorted(items, key=lambda i: i["urn"]) for kind, items in changes.items()}


def load_plan(directory: Path) -> list[dict[str, Any]]:
    """The resources of an earlier plan directory (its policies are re-read from them, whatever version wrote it)."""
    try:
        resources = json.loads((directory / "resources.json").read_text())
        if not isinstance(resources, list) or not all(isinstance(r, dict) and {"urn", "type", "inputs"} <= set(r) for r in resources):
            raise ValueError("not a list of resources")
    except (OSError, ValueError) as error:
        raise DiffInputError(f"--diff {directory}: no readable resources.json there ({error}); give a plan directory") from None
    return resources


def plan_diff(old_resources: Sequence[Mapping[str, Any]], resources: Sequence[Mapping[str, Any]], after: Analysis) -> PlanDiff:
    """The change from a plan's resources to these; `after` is the analysis of `resources`."""
    before = analyse_resources((r["type"], r["inputs"]) for r in old_resources)
    opened, closed = flow_changes(before, after)
    return PlanDiff(opened, closed, resource_changes(old_resources, resources))


def _flow_text(flow: Mapping[str, Any]) -> str:
    ((kind, value),) = flow["to"].items()
    target = value if kind == "namespace" else f"{kind}:{value}"
    return f"{flow['from']['namespace']} -> {target}:{flow['port']}/{flow['protocol']}"


def diff_markdown(diff: PlanDiff, stack: str) -> str:
    """The diff as a pull-request comment."""
    lines = [f"### Offline plan diff, stack `{stack}`", ""]
    lines.append(f"**Flows opened: {len(diff.opened)}, closed: {len(diff.closed)}**")
    for word, flows in (("opened", diff.opened), ("closed", diff.closed)):
        lines.extend(f"- {word}: `{_flow_text(f)}` ({'; '.join(f['reason'])})" for f in flows)
    counts = ", ".join(f"{kind} {len(items)}" for kind, items in diff.resources.items())
    lines += ["", f"**Resources: {counts}**"]
    for kind, items in diff.resources.items():
        for item in items:
            detail = f" (forced by {', '.join(item['forcedBy'])})" if "forcedBy" in item else ""
            detail = detail or (f" ({', '.join(item['changed'])})" if item.get("changed") else "")
            lines.append(f"- {kind}: `{item['urn'].rsplit('::', 1)[-1]}` {item['type']}{detail}")
    return "\n".join(lines) + "\n"
