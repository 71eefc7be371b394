"""The Cilium Helm release: values from settings, checked against Cilium 1.20.0's own chart."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from aks_cilium.cilium_values import CiliumFeatures, ValuesConflictError, cilium_values
from offline.chart import chart_defaults, render_chart, unknown_value_paths, values_schema
from stack_settings import ConfigError
from tests.cilium_artifacts import needs_chart, needs_values
from tests.conftest import RunStack

RELEASE = "kubernetes:helm.sh/v3:Release"
DEV_VALUES = {
    "aksbyocni": {"enabled": True},
    "routingMode": "tunnel",
    "tunnelProtocol": "vxlan",
    "ipam": {"mode": "cluster-pool", "operator": {"clusterPoolIPv4PodCIDRList": ["10.244.0.0/16"], "clusterPoolIPv4MaskSize": 24}},
    "hubble": {
        "enabled": True,
        "relay": {"enabled": True},
        "ui": {"enabled": True},
        "tls": {"auto": {"enabled": True, "method": "cronJob"}},
        "metrics": {
            "enabled": ["dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2"],
            "serviceMonitor": {"enabled": False},
        },
    },
    "operator": {"replicas": 2},
    "kubeProxyReplacement": False,
}
FEATURE_OVERRIDES: dict[str, dict[str, str]] = {
    "wireguard": {"wireguard": "true"},
    "cluster-mesh": {"clusterMeshName": "mesh-west", "clusterMeshId": "7"},
    "bandwidth-manager": {"bandwidthManager": "true"},
    "service-monitors": {"hubbleServiceMonitors": "true"},
    "no-metrics": {"hubbleMetrics": "[]"},
    "extra": {"ciliumExtraValues": '{"debug": {"enabled": true}}'},
}


KPR_FEATURES = CiliumFeatures(
    pod_cidr="10.244.0.0/16",
    node_count=2,
    wireguard=True,
    kube_proxy_replacement=True,
    api_server_host="aks-x-1a2b3c4d.hcp.westeurope.azmk8s.io",
)


def release_values(run_stack: RunStack, **overrides: str) -> dict[str, Any]:
    values: dict[str, Any] = run_stack("dev", **overrides).one(RELEASE).inputs["values"]
    return values


def test_dev_release(run_stack: RunStack) -> None:
    run = run_stack("dev")
    release = run.one(RELEASE)
    assert release.inputs["values"] == DEV_VALUES
    assert release.inputs["chart"] == "cilium"
    assert release.inputs["version"] == "1.20.0"
    assert release.inputs["repositoryOpts"] == {"repo": "https://helm.cilium.io"}
    assert release.inputs["namespace"] == "kube-system"
    assert release.inputs["atomic"] is True
    assert release.inputs["cleanupOnFail"] is True
    assert release.inputs["skipAwait"] is False
    assert release.inputs["timeout"] >= 900
    provider = run.one("pulumi:providers:kubernetes")
    assert release.provider.startswith(provider.urn)
    assert run.outputs["ciliumVersion"] == "1.20.0"
    assert "hubble-ui" in run.outputs["hubble"]["ui"]


def test_pod_cidr_is_one_value_for_aks_and_cilium(run_stack: RunStack) -> None:
    run = run_stack("dev", podCidr="10.128.0.0/14")
    aks_pod_cidr = run.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]["podCidr"]
    assert run.one(RELEASE).inputs["values"]["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"] == [aks_pod_cidr]


def test_feature_values_exactly(run_stack: RunStack) -> None:
    assert release_values(run_stack, wireguard="true")["encryption"] == {"enabled": True, "type": "wireguard"}
    # The stack refuses kubeProxyReplacement on AKS (kube-proxy keeps running); the component still offers it.
    kpr = cilium_values(KPR_FEATURES)
    assert kpr["kubeProxyReplacement"] is True
    assert kpr["k8sServiceHost"] == KPR_FEATURES.api_server_host
    assert kpr["k8sServicePort"] == 443
    assert release_values(run_stack, clusterMeshName="mesh-west", clusterMeshId="7")["cluster"] == {"name": "mesh-west", "id": 7}
    assert release_values(run_stack, bandwidthManager="true")["bandwidthManager"] == {"enabled": True}
    monitors = release_values(run_stack, hubbleServiceMonitors="true")
    assert monitors["prometheus"] == {"enabled": True, "serviceMonitor": {"enabled": True, "trustCRDsExist": True}}
    assert monitors["hubble"]["metrics"]["serviceMonitor"] == {"enabled": True}
    assert "metrics" not in release_values(run_stack, hubbleMetrics="[]")["hubble"]
    assert release_values(run_stack, ciliumExtraValues='{"debug": {"enabled": true}}')["debug"] == {"enabled": True}


def test_operator_replicas_follow_the_node_count() -> None:
    assert cilium_values(CiliumFeatures(pod_cidr="10.244.0.0/16", node_count=1))["operator"]["replicas"] == 1
    assert cilium_values(CiliumFeatures(pod_cidr="10.244.0.0/16", node_count=6))["operator"]["replicas"] == 2


def test_extra_values_cannot_override_invariants() -> None:
    with pytest.raises(ValuesConflictError) as caught:
        cilium_values(CiliumFeatures(pod_cidr="10.244.0.0/16", node_count=2, extra_values={"ipam": {"mode": "kubernetes"}, "debug": {}}))
    assert caught.value.paths == ["ipam.mode"]
    with pytest.raises(ValuesConflictError):
        cilium_values(CiliumFeatures(pod_cidr="10.244.0.0/16", node_count=2, extra_values={"hubble": "off"}))


def test_extra_values_conflict_is_a_config_error(run_stack: RunStack) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", ciliumExtraValues='{"hubble": {"tls": {"auto": {"method": "helm"}}}}')
    assert caught.value.keys == {"ciliumExtraValues"}
    assert "hubble.tls.auto.method" in str(caught.value)


def test_no_release_in_azure_cilium_mode(run_stack: RunStack) -> None:
    run = run_stack("prod")
    assert run.of_type(RELEASE) == []
    assert "managed by Azure" in run.outputs["ciliumVersion"]


@pytest.mark.parametrize("key", ["wireguard", "kubeProxyReplacement", "bandwidthManager", "hubbleServiceMonitors"])
def test_helm_only_options_refused_in_azure_cilium_mode(run_stack: RunStack, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("prod", **{key: "true"})
    assert key in caught.value.keys


@needs_values
@pytest.mark.parametrize("feature", [None, *FEATURE_OVERRIDES])
def test_values_are_valid_and_known_to_the_chart(run_stack: RunStack, feature: str | None) -> None:
    values = release_values(run_stack, **FEATURE_OVERRIDES.get(feature or "", {}))
    jsonschema.validate(values, values_schema())
    assert list(unknown_value_paths(values, chart_defaults())) == []


@needs_values
def test_unknown_key_walk_catches_a_typo() -> None:
    assert list(unknown_value_paths({"hubble": {"relay": {"enabeld": True}}, "debug": {"enabled": True}}, chart_defaults())) == [
        "hubble.relay.enabeld"
    ]


def objects_of(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o.get("kind") == kind and o["metadata"]["name"] == name]
    return found


@needs_chart
def test_dev_values_render_a_working_hubble_setup(run_stack: RunStack) -> None:
    objects = render_chart(release_values(run_stack))
    objects_of(objects, "Deployment", "hubble-relay")
    objects_of(objects, "Deployment", "hubble-ui")
    objects_of(objects, "CronJob", "hubble-generate-certs")
    config = objects_of(objects, "ConfigMap", "cilium-config")["data"]
    assert config["enable-hubble"] == "true"
    assert config["ipam"] == "cluster-pool"
    assert config["cluster-pool-ipv4-cidr"] == "10.244.0.0/16"
    assert config["routing-mode"] == "tunnel"
    assert config["tunnel-protocol"] == "vxlan"
    assert config["kube-proxy-replacement"] == "false"
    assert "dns" in config["hubble-metrics"]
    assert "httpV2" in config["hubble-metrics"]
    assert objects_of(objects, "Deployment", "cilium-operator")["spec"]["replicas"] == 2


@needs_chart
def test_wireguard_and_kube_proxy_replacement_render() -> None:
    objects = render_chart(cilium_values(KPR_FEATURES))
    config = objects_of(objects, "ConfigMap", "cilium-config")["data"]
    assert config["enable-wireguard"] == "true"
    assert config["kube-proxy-replacement"] == "true"
    agent = objects_of(objects, "DaemonSet", "cilium")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in agent["env"]}
    assert env["KUBERNETES_SERVICE_HOST"].endswith(".hcp.westeurope.azmk8s.io")
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
