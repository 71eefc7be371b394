"""The Cilium rules of the library, each against its upstream source."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from aks_cilium.cilium.rules import (
    COMPONENT_VALUE_PATHS,
    EXTRA_VALUES_ALLOWED,
    cluster_id_problem,
    cluster_name_problem,
    derived_cluster_id,
    extra_values_problem,
    hubble_metrics_problem,
    refused_extra_value_paths,
    upgrade_problem,
)
from aks_cilium.cilium.values import cilium_values
from offline.chart import chart_defaults
from tests.support.artifacts import requires_artifacts

EVERY_FEATURE: dict[str, Any] = {
    "version": "1.20.2",
    "cluster_name": "aks-cilium-dev",
    "pod_cidr": "10.248.0.0/16",
    "node_count": 3,
    "cluster_id": 9,
    "hubble_metrics": ["dns", "httpV2"],
    "service_monitors": True,
    "wireguard": True,
    "bandwidth_manager": True,
    "cluster_mesh": {
        "clusters": [{"name": "aks-cilium-mesh-west", "port": 2379, "ips": ["10.21.255.250"]}],
        "api_server_ip": "10.20.255.250",
    },
    "flow_logs": True,
}
# The guarantees issue #14 names, and more found in Cilium 1.20's values.yaml.
DANGEROUS_PATHS = [
    {"policyEnforcementMode": "never"},
    {"routingMode": "native"},
    {"tunnelProtocol": "geneve"},
    {"ipam": {"mode": "kubernetes"}},
    {"ipv4NativeRoutingCIDR": "10.0.0.0/8"},
    {"encryption": {"enabled": False}},
    {"hubble": {"tls": {"enabled": False}}},
    {"hubble": {"relay": {"tls": {"server": {"enabled": False}}}}},
    {"image": {"repository": "evil.example.com/cilium"}},
    {"operator": {"image": {"override": "evil.example.com/operator:v1"}}},
    {"extraConfig": {"routing-mode": "native"}},
    {"extraArgs": ["--enable-policy=never"]},
    {"operator": {"extraArgs": ["--cluster-pool-ipv4-cidr=10.0.0.0/8"]}},
    {"operator": {"tolerations": []}},
    {"operator": {"replicas": 5}},
    {"cluster": {"name": "default"}},
    {"cni": {"exclusive": False}},
    {"l7Proxy": False},
    {"securityContext": {"privileged": True}},
    {"hostFirewall": {"enabled": True}},
    {"hubble": {"metrics": {"enabled": ["http"]}}},
]


def leaf_paths(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted leaf paths; a map whose keys hold dots (annotations) is one leaf, as the component sets it whole."""
    for key, value in values.items():
        if isinstance(value, Mapping) and value and not any("." in str(k) for k in value):
            yield from leaf_paths(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def nested(path: str, value: Any) -> dict[str, Any]:
    result: Any = value
    for key in reversed(path.split(".")):
        result = {key: result}
    found: dict[str, Any] = result
    return found


@pytest.mark.parametrize("extra", DANGEROUS_PATHS, ids=lambda extra: next(leaf_paths(extra)))
def test_extra_values_cannot_switch_a_guarantee_off(extra: dict[str, Any]) -> None:
    """Each path is a real key of ../shared/cilium/1.20.0/values.yaml (checked: policyEnforcementMode "default, always and
    never", routingMode, tunnelProtocol, ipam.mode, ipv4NativeRoutingCIDR, encryption.enabled, hubble.tls.enabled,
    hubble.relay.tls.server.enabled, image.repository, operator.image.override, extraConfig, extraArgs,
    operator.extraArgs, operator.tolerations, operator.replicas, cluster.name, cni.exclusive, l7Proxy,
    securityContext.privileged, hostFirewall.enabled, hubble.metrics.enabled). What each guards: BYOCNI's tunnel and
    cluster-pool IPAM (UPSTREAM.md, Cilium "AKS BYOCNI"), the operator's scheduling (UPSTREAM.md, "Operator scheduling"),
    the cluster name set at install (values.yaml `cluster.name`: "default" cannot be used with a cluster ID), the http/httpV2
    conflict (UPSTREAM.md, "Hubble metrics"); the rest are this product's guarantees."""
    assert refused_extra_value_paths(extra) == [next(leaf_paths(extra))]
    problem = extra_values_problem(extra)
    assert problem is not None
    assert next(leaf_paths(extra)) in problem


@requires_artifacts
def test_every_image_path_of_the_chart_is_refused() -> None:
    """Cilium 1.20 values.yaml: every `image` map (agent, operator, relay, UI, certgen, envoy, ...) and every
    `extraConfig`/`extraArgs`/`extraEnv` list is outside the allowlist."""
    risky = [
        p for p in leaf_paths(chart_defaults()) if any(part in ("image", "extraConfig", "extraArgs", "extraEnv") for part in p.split("."))
    ]
    assert len(risky) > 50
    for path in risky:
        assert refused_extra_value_paths(nested(path, "x")) == [path]


@requires_artifacts
def test_allowlisted_paths_exist_in_the_chart() -> None:
    defaults = chart_defaults()
    for path in EXTRA_VALUES_ALLOWED:
        node: Any = defaults
        for key in path.split("."):
            assert isinstance(node, Mapping), f"{path} is not in Cilium 1.20's values.yaml"
            assert key in node, f"{path} is not in Cilium 1.20's values.yaml"
            node = node[key]


def test_allowlist_never_reaches_a_value_the_component_sets() -> None:
    owned = set(leaf_paths(cilium_values(EVERY_FEATURE)))
    for allowed in EXTRA_VALUES_ALLOWED:
        for path in owned:
            overlaps = path == allowed or path.startswith(f"{allowed}.") or allowed.startswith(f"{path}.")
            assert not overlaps, (allowed, path)


def test_component_value_paths_are_exactly_what_the_component_sets() -> None:
    assert sorted(COMPONENT_VALUE_PATHS) == sorted(leaf_paths(cilium_values(EVERY_FEATURE)))


def test_allowed_extra_values_pass_and_merge() -> None:
    extra = {"debug": {"enabled": True}, "podAnnotations": {"prometheus.io/scrape": "true"}, "hubble": {"relay": {"replicas": 2}}}
    assert refused_extra_value_paths(extra) == []
    values = cilium_values({**EVERY_FEATURE, "extra_values": extra})
    assert values["hubble"]["relay"]["replicas"] == 2
    assert values["hubble"]["relay"]["enabled"] is True, "merged, not replaced"


def test_a_dotted_key_cannot_pose_as_an_allowed_path() -> None:
    assert refused_extra_value_paths({"debug.enabled": True}) == ["debug.enabled"]
    assert refused_extra_value_paths({"hubble": {"relay.replicas": 3}}) == ["hubble.relay.replicas"]


def test_hubble_refuses_http_with_http_v2() -> None:
    """cilium/cilium pkg/hubble/metrics/http/plugin.go: `http` and `httpV2` each declare the other in
    ConflictingPlugins."""
    assert hubble_metrics_problem(["dns", "http", "httpV2:exemplars=true"]) is not None
    assert hubble_metrics_problem(["dns", "httpV2"]) is None
    assert hubble_metrics_problem(["http:sourceContext=pod"]) is None


def test_cluster_name_follows_cilium() -> None:
    """Cilium 1.20 values.yaml, cluster.name: at most 32 characters, lower-case alphanumerics and dashes, alphanumeric
    at both ends; "default" only with cluster ID 0."""
    assert cluster_name_problem("aks-cilium-dev") is None
    assert cluster_name_problem("a" * 32) is None
    for bad in ("a" * 33, "Aks-Dev", "aks_dev", "-aks", "aks-", "", "default"):
        assert cluster_name_problem(bad) is not None, bad


def test_cluster_id_follows_cilium() -> None:
    """Cilium 1.20 values.yaml, cluster.id: 1 to 255 for a mesh."""
    assert cluster_id_problem(1) is None
    assert cluster_id_problem(255) is None
    for bad in (0, 256, -1, True, "7"):
        assert cluster_id_problem(bad) is not None, bad  # type: ignore[arg-type]


def test_derived_cluster_ids_are_stable_and_in_range() -> None:
    names = [f"aks-cilium-{stack}" for stack in ("dev", "prod", "staging", "test")]
    ids = [derived_cluster_id(name) for name in names]
    assert ids == [derived_cluster_id(name) for name in names]
    assert all(1 <= cluster_id <= 255 for cluster_id in ids)
    assert len(set(ids)) == len(ids)


def test_upgrades_move_one_minor_at_a_time() -> None:
    """cilium/cilium Documentation/operations/upgrade-warning.rst: the only tested upgrade and rollback path is between
    consecutive minor releases."""
    assert upgrade_problem("1.20.0", "1.20.4") is None
    assert upgrade_problem("1.20.4", "1.21.0") is None
    assert upgrade_problem("1.21.0", "1.20.4") is None
    assert upgrade_problem("1.20.0", "1.22.0") is not None
    assert upgrade_problem("1.22.1", "1.20.0") is not None
    assert upgrade_problem("1.20.0", "2.0.0") is not None
