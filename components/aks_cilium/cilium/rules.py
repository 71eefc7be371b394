"""The rules a Cilium release's args must follow, each with the upstream source it comes from.

Each rule is a plain function of plain values, so the component checks its args with them (through `ArgsCheck`) and
the stack config layer reports the same rule against its own config key. Nothing here reaches Pulumi or the Helm SDK.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# The only paths extra values may set: operational knobs that change neither the datapath, the policy guarantees,
# Hubble's TLS, the images nor where the pods run. A path is allowed when it equals one of these or lies below one.
# An allowlist rather than a denylist: Cilium's values.yaml has thousands of paths (`extraConfig`, `extraArgs`,
# `*.image`, `policyEnforcementMode`, `routingMode`, `ipam`, `encryption`, `hubble.tls`, ...), and a new chart
# version adds more; anything not listed here is refused. The policy pack, which runs without this library, applies the
# same tuple through its generated policies/rules/library_facts.py (offline/pack_facts.py). Every entry is a path of
# Cilium 1.20's values.yaml (tests/components/test_cilium_rules.py keeps it so).
EXTRA_VALUES_ALLOWED: tuple[str, ...] = (
    "debug",
    "resources",
    "operator.resources",
    "hubble.relay.resources",
    "hubble.ui.backend.resources",
    "hubble.ui.frontend.resources",
    "podAnnotations",
    "operator.podAnnotations",
    "hubble.relay.podAnnotations",
    "hubble.ui.podAnnotations",
    "rollOutCiliumPods",
    "operator.rollOutPods",
    "hubble.relay.rollOutPods",
    "hubble.ui.rollOutPods",
    "hubble.relay.replicas",
    "hubble.ui.replicas",
    "k8sClientRateLimit",
)
# Every value path the component itself sets, with every feature on. With EXTRA_VALUES_ALLOWED this is the whole
# vocabulary of a release's values, so a checker that sees only the final values (the policy pack's values_vocabulary)
# refuses any other path. tests/components/test_cilium_rules.py keeps it equal to what cilium_values produces.
COMPONENT_VALUE_PATHS: tuple[str, ...] = (
    "aksbyocni.enabled",
    "bandwidthManager.enabled",
    "certgen.generateCA",
    "certgen.tolerations",
    "cluster.id",
    "cluster.name",
    "clustermesh.apiserver.kvstoremesh.enabled",
    "clustermesh.apiserver.service.annotations",
    "clustermesh.apiserver.service.type",
    "clustermesh.apiserver.tls.authMode",
    "clustermesh.apiserver.tls.auto.enabled",
    "clustermesh.apiserver.tls.auto.method",
    "clustermesh.config.clusters",
    "clustermesh.config.enabled",
    "clustermesh.useAPIServer",
    "enableNonDefaultDenyPolicies",
    "encryption.enabled",
    "encryption.strictMode.ingress.enabled",
    "encryption.type",
    "hubble.enabled",
    "hubble.export.static.allowList",
    "hubble.export.static.enabled",
    "hubble.export.static.filePath",
    "hubble.metrics.enabled",
    "hubble.metrics.serviceMonitor.enabled",
    "hubble.relay.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
    "hubble.relay.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution",
    "hubble.relay.enabled",
    "hubble.relay.tls.server.enabled",
    "hubble.tls.auto.enabled",
    "hubble.tls.auto.method",
    "hubble.ui.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
    "hubble.ui.enabled",
    "ipam.mode",
    "ipam.operator.clusterPoolIPv4MaskSize",
    "ipam.operator.clusterPoolIPv4PodCIDRList",
    "kubeProxyReplacement",
    "operator.prometheus.enabled",
    "operator.prometheus.serviceMonitor.enabled",
    "operator.replicas",
    "operator.tolerations",
    "prometheus.enabled",
    "prometheus.serviceMonitor.enabled",
    "prometheus.serviceMonitor.trustCRDsExist",
    "routingMode",
    "tunnelProtocol",
)

# Hubble metric handlers that refuse to run together (cilium/cilium pkg/hubble/metrics/http/plugin.go,
# ConflictingPlugins): the agent fails to start its metrics server with both.
CONFLICTING_HUBBLE_METRICS: tuple[frozenset[str], ...] = (frozenset({"http", "httpV2"}),)
# The Hubble metric handlers this library accepts by name.
HUBBLE_METRICS = ("dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2", "http", "kafka", "flows-to-world", "policy")

# Cilium's cluster name (values.yaml, cluster.name): at most 32 characters, lower-case alphanumerics and dashes,
# alphanumeric at both ends; "default" only with cluster ID 0, and this library always sets an ID.
CLUSTER_NAME_MAX_LENGTH = 32
_CLUSTER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
# values.yaml, cluster.id: unique across connected clusters, 1 to 255 (with the default maxConnectedClusters).
CLUSTER_ID_RANGE = range(1, 256)
# The one exact-version pattern (x.y.z, no range, no pre-release), ASCII digits only: Python's `\d` would accept any
# Unicode digit (Arabic-Indic ones, say), which Helm's version parser refuses (Masterminds/semver `version.go`,
# `SemVerRegex`: `[0-9]+`). Stack config and the policy pack use this pattern too.
EXACT_VERSION_PATTERN = r"([0-9]+)\.([0-9]+)\.([0-9]+)"
_EXACT_VERSION = re.compile(EXACT_VERSION_PATTERN)


def _leaf_paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in values.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaf_paths(value, path)
        else:
            yield path


def _paths_outside(values: Mapping[str, Any], allowed: tuple[str, ...]) -> list[str]:
    """Dotted leaf paths of `values` that neither equal nor lie below an `allowed` path, sorted.

    Paths are walked key by key, so a key that itself contains dots (`{"debug.x": 1}`) cannot pose as an allowed path.
    """
    parts = [tuple(path.split(".")) for path in allowed]
    return sorted({".".join(path) for path in _leaf_paths(values) if not any(path[: len(prefix)] == prefix for prefix in parts)})


def refused_extra_value_paths(extra: Mapping[str, Any]) -> list[str]:
    """Paths of extra values outside EXTRA_VALUES_ALLOWED; empty when every path is allowed."""
    return _paths_outside(extra, EXTRA_VALUES_ALLOWED)


def extra_values_problem(extra: Mapping[str, Any]) -> str | None:
    refused = refused_extra_value_paths(extra)
    if not refused:
        return None
    return f"may not set {', '.join(refused)}; extra values may only set {', '.join(EXTRA_VALUES_ALLOWED)}"


def hubble_metric_problem(metric: str) -> str | None:
    """One entry, `name` or `name:options`."""
    name = metric.split(":", 1)[0]
    return None if name in HUBBLE_METRICS else f"is not a Hubble metric ({', '.join(HUBBLE_METRICS)})"


def hubble_metrics_problem(metrics: list[str] | tuple[str, ...]) -> str | None:
    """Metric entries are `name` or `name:options`; only the names matter here."""
    for metric in metrics:
        problem = hubble_metric_problem(metric)
        if problem:
            return f"{metric!r} {problem}"
    names = {metric.split(":", 1)[0] for metric in metrics}
    for pair in CONFLICTING_HUBBLE_METRICS:
        if pair <= names:
            return f"enables {' and '.join(sorted(pair))} together, which Hubble refuses; keep one"
    return None


def cluster_name_problem(name: str) -> str | None:
    if len(name) > CLUSTER_NAME_MAX_LENGTH or not _CLUSTER_NAME.match(name):
        return (
            f"{name!r} is not a Cilium cluster name (at most {CLUSTER_NAME_MAX_LENGTH} lower-case letters, digits or "
            "hyphens, alphanumeric at both ends)"
        )
    if name == "default":
        return "'default' is Cilium's placeholder, refused with a cluster ID; use the cluster's own name"
    return None


def cluster_id_problem(cluster_id: int) -> str | None:
    if isinstance(cluster_id, bool) or not isinstance(cluster_id, int) or cluster_id not in CLUSTER_ID_RANGE:
        return f"{cluster_id!r} is not a Cilium cluster ID (a whole number 1-255)"
    return None


def derived_cluster_id(cluster_name: str) -> int:
    """A stable ID 1-255 from the cluster name, for clusters not given one: clusters with different names get
    different IDs unless their checksums collide, which the mesh's own ID check then reports."""
    return zlib.crc32(cluster_name.encode()) % len(CLUSTER_ID_RANGE) + CLUSTER_ID_RANGE.start


def kube_proxy_replacement_problem(enabled: bool) -> str | None:
    """This release is for AKS bring-your-own-CNI clusters, where AKS keeps running its own kube-proxy: turning it off
    needs the preview kubeProxyConfig API (MicrosoftDocs/azure-aks-docs articles/aks/configure-kube-proxy.md, feature
    KubeProxyConfigurationPreview), which the stable SDK that AksCluster uses lacks. Cilium accepts its replacement beside
    kube-proxy only where a distribution requires kube-proxy, and warns that adding or removing the replacement on a
    running cluster breaks existing connections, since the two NAT tables do not know each other (cilium/cilium
    Documentation/network/kubernetes/kubeproxy-free.rst, "kube-proxy Hybrid Modes"); this release keeps kube-proxy's
    path, the one AKS runs."""
    if not enabled:
        return None
    return (
        "is refused: AKS keeps running kube-proxy on bring-your-own-CNI; turning it off needs the preview kubeProxyConfig "
        "API (feature KubeProxyConfigurationPreview) that the stable SDK lacks, and switching Cilium's replacement on "
        "beside it breaks the cluster's existing connections (Cilium's kubeproxy-free guide, kube-proxy hybrid modes)"
    )


def version_problem(version: str) -> str | None:
    return None if _EXACT_VERSION.fullmatch(version) else f"{version!r} is not an exact chart version x.y.z"


@dataclass(frozen=True)
class ReliedOnFix:
    """A Cilium bug fix a guarantee of this library depends on, and the first patch of its minor that has it."""

    source: str
    minor: tuple[int, int]
    fixed_in_patch: int
    relied_on_by: str


# Each fix a release note names for a setting the component sets, with what would break without it. Versions of other
# minors are not judged: no release note read for this library says whether they carry the bug.
RELIED_ON_FIXES: tuple[ReliedOnFix, ...] = (
    ReliedOnFix(
        source="cilium/cilium#48391 (Fix missing config setup for 'enable-non-default-deny-policies' flag, in 1.20.2)",
        minor=(1, 20),
        fixed_in_patch=2,
        relied_on_by="enableNonDefaultDenyPolicies, which lets the deny-only WireServer/IMDS block (enableDefaultDeny "
        "false) subtract two addresses; where the setting is not applied, that block would put every workload outside "
        "kube-system, and kube-dns, into egress default deny",
    ),
)


def missing_fix_problem(version: str) -> str | None:
    """A version of a minor whose release notes say it mishandles a setting the component relies on."""
    match = _EXACT_VERSION.match(version)
    if match is None:
        return None
    minor, patch = (int(match[1]), int(match[2])), int(match[3])
    for fix in RELIED_ON_FIXES:
        if minor == fix.minor and patch < fix.fixed_in_patch:
            return (
                f"Cilium {version} lacks {fix.source}; the component relies on it for {fix.relied_on_by}. "
                f"Use {fix.minor[0]}.{fix.minor[1]}.{fix.fixed_in_patch} or later"
            )
    return None


def upgrade_problem(previous: str, target: str) -> str | None:
    """Cilium moves one minor at a time, up or down (Documentation/operations/upgrade-warning.rst)."""
    before, after = _EXACT_VERSION.fullmatch(previous), _EXACT_VERSION.fullmatch(target)
    if before is None or after is None:
        return None  # version_problem reports the malformed one
    major_before, minor_before = int(before[1]), int(before[2])
    major_after, minor_after = int(after[1]), int(after[2])
    if major_before != major_after or abs(minor_after - minor_before) > 1:
        return (
            f"moves Cilium from {previous} to {target}; upgrades and rollbacks go one minor at a time, "
            "each through its own `pulumi up` after the pre-flight check (docs/cilium.md, Cilium upgrades)"
        )
    return None
