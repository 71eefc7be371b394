"""The Cilium Helm release of the stacks: values from settings, checked against Cilium 1.20.0's own chart."""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable
from functools import cache
from typing import Any

import jsonschema
import pytest

from aks_cilium.cilium.rules import CLUSTER_ID_RANGE
from aks_cilium.cilium.values import cilium_values
from offline.chart import chart_defaults, render_chart, unknown_value_paths, values_schema
from offline.engine import run_program
from offline.stack_config import PROJECT_DIR
from stack_settings import ConfigError
from tests.support.artifacts import requires_artifacts
from tests.support.program_settings import program_config_error
from tests.support.stacks import PROD_AS_BYOCNI, RunStack, release_values, stack_config, with_overrides
from tests.support.tokens import RELEASE

FEATURE_OVERRIDES: dict[str, dict[str, str]] = {
    "wireguard": {"wireguard": "true"},
    "cluster-id": {"clusterMeshId": "7"},
    "bandwidth-manager": {"bandwidthManager": "true"},
    "service-monitors": {"hubbleServiceMonitors": "true"},
    "no-metrics": {"hubbleMetrics": "[]"},
    "extra": {"ciliumExtraValues": '{"debug": {"enabled": true}, "operator": {"resources": {"requests": {"cpu": "100m"}}}}'},
}


WIREGUARD_ARGS: dict[str, Any] = {"cluster_name": "aks-x", "pod_cidr": "10.244.0.0/16", "node_count": 2, "wireguard": True}

FeatureValues = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def feature_values() -> FeatureValues:
    """dev's release values with one of FEATURE_OVERRIDES set: one stack run per feature for the whole module (the
    exact values and the chart's schema read the same run), each caller getting its own copy."""

    @cache
    def run(feature: str) -> dict[str, Any]:
        values: dict[str, Any] = run_program(with_overrides(stack_config("dev"), FEATURE_OVERRIDES[feature])).one(RELEASE).inputs["values"]
        return values

    return lambda feature: copy.deepcopy(run(feature))


# The chart rendered with dev's values as committed, read by several tests: a render is the costly part.
_DEV_RENDER: list[dict[str, Any]] = []


def dev_render(run_stack: RunStack) -> list[dict[str, Any]]:
    if not _DEV_RENDER:
        _DEV_RENDER.extend(render_chart(release_values(run_stack)))
    return _DEV_RENDER


@cache
def values_validator() -> jsonschema.protocols.Validator:
    """Cilium's values.schema.json as one validator for the module: `jsonschema.validate` checks the schema and builds
    a validator on every call, which cost more than the validation."""
    schema = values_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


def test_dev_release(run_stack: RunStack) -> None:
    """aksbyocni with tunnel routing and cluster-pool IPAM (UPSTREAM.md, Cilium 1.20 "AKS BYOCNI":
    Documentation/installation/k8s-install-helm.rst, cilium/cilium-cli install/helm.go); Hubble TLS by cronJob,
    which rotates the certificates where `helm` never does (UPSTREAM.md, Cilium 1.20 "Hubble TLS")."""
    run = run_stack("dev")
    release = run.one(RELEASE)
    values = release.inputs["values"]
    assert values["aksbyocni"] == {"enabled": True}
    assert (values["routingMode"], values["tunnelProtocol"]) == ("tunnel", "vxlan")
    assert values["ipam"] == {
        "mode": "cluster-pool",
        "operator": {"clusterPoolIPv4PodCIDRList": ["10.248.0.0/16"], "clusterPoolIPv4MaskSize": 24},
    }
    assert values["hubble"]["tls"] == {"auto": {"enabled": True, "method": "cronJob"}}
    metrics = values["hubble"]["metrics"]["enabled"]
    assert [entry.split(":", 1)[0] for entry in metrics] == ["dns", "drop", "tcp", "flow", "port-distribution", "icmp", "httpV2", "policy"]
    assert values["kubeProxyReplacement"] is False
    assert release.inputs["chart"] == "cilium"
    assert release.inputs["version"] == "1.20.2"
    assert release.inputs["repositoryOpts"] == {"repo": "https://helm.cilium.io"}
    assert release.inputs["namespace"] == "kube-system"
    assert release.inputs["atomic"] is True
    assert release.inputs["cleanupOnFail"] is True
    assert release.inputs["skipAwait"] is False
    assert release.inputs["timeout"] >= 900
    provider = run.one("pulumi:providers:kubernetes")
    assert release.provider.startswith(provider.urn)
    assert run.outputs["ciliumVersion"] == "1.20.2"
    assert "hubble-ui" in run.outputs["hubble"]["ui"]


def test_cluster_name_is_the_clusters_and_ids_differ_per_stack(run_stack: RunStack, feature_values: FeatureValues) -> None:
    """Name and ID are set at install (changing them later restarts every workload), the name as cilium-cli sets it:
    the cluster's own (cilium/cilium Documentation/installation/k8s-install-helm.rst; cilium-cli/install/helm.go,
    `cluster.name`). values.yaml, cluster.id: unique across connected clusters, 1-255."""
    dev = run_stack("dev")
    dev_cluster = dev.one(RELEASE).inputs["values"]["cluster"]
    assert dev_cluster["name"] == dev.one("azure-native:containerservice:ManagedCluster").inputs["resourceName"]
    prod_cluster = release_values(run_stack, "prod", **PROD_AS_BYOCNI)["cluster"]
    assert prod_cluster["name"] != dev_cluster["name"]
    assert {dev_cluster["id"], prod_cluster["id"]} <= set(CLUSTER_ID_RANGE)
    assert dev_cluster["id"] != prod_cluster["id"]
    assert FEATURE_OVERRIDES["cluster-id"] == {"clusterMeshId": "7"}
    assert feature_values("cluster-id")["cluster"] == {"name": dev_cluster["name"], "id": 7}


def test_stacks_have_disjoint_pod_cidrs() -> None:
    """A cluster mesh needs distinct pod CIDRs (UPSTREAM.md, Cilium 1.20, AKS BYOCNI; k8s-install-helm.rst)."""
    stacks = sorted(path.name.split(".")[1] for path in PROJECT_DIR.glob("Pulumi.*.yaml"))
    assert {"dev", "prod"} <= set(stacks)
    cidrs = {stack: ipaddress.IPv4Network(stack_config(stack).values["aks-cilium:podCidr"]) for stack in stacks}
    for stack, cidr in cidrs.items():
        for other, other_cidr in cidrs.items():
            assert stack == other or not cidr.overlaps(other_cidr), f"{stack} {cidr} overlaps {other} {other_cidr}"


def test_pod_cidr_is_one_value_for_aks_and_cilium(run_stack: RunStack) -> None:
    run = run_stack("dev", podCidr="10.128.0.0/14")
    aks_pod_cidr = run.one("azure-native:containerservice:ManagedCluster").inputs["networkProfile"]["podCidr"]
    assert run.one(RELEASE).inputs["values"]["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"] == [aks_pod_cidr]


def test_feature_values_exactly(feature_values: FeatureValues) -> None:
    """Every key is the chart's own (../shared/cilium/1.20.0/values.yaml): `encryption.enabled` and `encryption.type`
    ("one of ipsec, wireguard or ztunnel"), `bandwidthManager.enabled`, `prometheus.serviceMonitor.trustCRDsExist` ("helm
    will not check for monitoring.coreos.com/v1 CRDs"), `hubble.metrics.serviceMonitor.enabled`, `debug.enabled`."""
    assert feature_values("wireguard")["encryption"] == {"enabled": True, "type": "wireguard"}
    assert feature_values("bandwidth-manager")["bandwidthManager"] == {"enabled": True}
    monitors = feature_values("service-monitors")
    assert monitors["prometheus"] == {"enabled": True, "serviceMonitor": {"enabled": True, "trustCRDsExist": True}}
    assert monitors["hubble"]["metrics"]["serviceMonitor"] == {"enabled": True}
    assert "metrics" not in feature_values("no-metrics")["hubble"]
    extra = feature_values("extra")
    assert extra["debug"] == {"enabled": True}
    assert extra["operator"]["resources"] == {"requests": {"cpu": "100m"}}


def test_no_release_in_azure_cilium_mode(run_stack: RunStack) -> None:
    run = run_stack("prod")
    assert run.of_type(RELEASE) == []
    assert "managed by Azure" in run.outputs["ciliumVersion"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("wireguard", "true"),
        ("kubeProxyReplacement", "true"),
        ("bandwidthManager", "true"),
        ("hubbleServiceMonitors", "true"),
        ("clusterMeshId", "3"),
        ("ciliumExtraValues", '{"debug": {"enabled": true}}'),
    ],
)
def test_helm_only_options_refused_in_azure_cilium_mode(key: str, value: str) -> None:
    """In Azure CNI powered by Cilium, AKS runs Cilium and there is no Helm release to carry these options
    (MicrosoftDocs/azure-aks-docs articles/aks/azure-cni-powered-by-cilium.md, FAQ: "Can the Cilium ConfigMap be
    modified?": only label exclusion, "Changes to other values in the ConfigMap are not supported"; "Does Azure CNI
    Powered by Cilium use kube-proxy?": no; the feature table: WireGuard there is an ACNS setting), so they are
    refused rather than silently dropped. Through the program's config check (tests/support/program_settings.py)."""
    assert key in program_config_error(with_overrides(stack_config("prod"), {key: value})).keys


def test_prod_hubble_output_sets_up_the_acns_mtls_client(run_stack: RunStack) -> None:
    """ACNS serves Hubble Relay with mutual TLS; the client takes tls.crt, tls.key and ca.crt from the
    hubble-relay-client-certs Secret and checks the name instance.hubble-relay.cilium.io (MicrosoftDocs/azure-aks-docs
    articles/aks/advanced-network-observability-cli.md, "Visualize the Hubble Flows")."""
    commands = list(run_stack("prod").outputs["hubble"].values())
    script = "\n".join(commands)
    for key, option in (("tls.crt", "tls-client-cert-file"), ("tls.key", "tls-client-key-file"), ("ca.crt", "tls-ca-cert-files")):
        (fetch,) = [c for c in commands if f"hubble config set {option} " in c]
        assert "get secret hubble-relay-client-certs" in fetch
        assert key.replace(".", "\\.") in fetch
    assert "hubble config set tls true" in script
    assert "hubble config set tls-server-name instance.hubble-relay.cilium.io" in script
    assert "port-forward svc/hubble-relay 4245:443" in script
    # The fetches come before TLS is switched on, and the port-forward before anything that talks to the relay.
    assert script.index("tls-client-cert-file") < script.index("hubble config set tls true") < script.index("hubble observe")


@requires_artifacts
@pytest.mark.parametrize("feature", [None, *FEATURE_OVERRIDES])
def test_values_are_valid_and_known_to_the_chart(run_stack: RunStack, feature_values: FeatureValues, feature: str | None) -> None:
    values = feature_values(feature) if feature else release_values(run_stack)
    values_validator().validate(values)
    assert list(unknown_value_paths(values, chart_defaults())) == []


@requires_artifacts
def test_unknown_key_walk_catches_a_typo() -> None:
    assert list(unknown_value_paths({"hubble": {"relay": {"enabeld": True}}, "debug": {"enabled": True}}, chart_defaults())) == [
        "hubble.relay.enabeld"
    ]


def objects_of(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o.get("kind") == kind and o["metadata"]["name"] == name]
    return found


@requires_artifacts
def test_dev_values_render_a_working_hubble_setup(run_stack: RunStack) -> None:
    """Rendered with the real chart (../shared/cilium/1.20.0). BYOCNI forces tunnel routing and cluster-pool IPAM
    (UPSTREAM.md, Cilium "AKS BYOCNI"); vxlan is the chart's default tunnel protocol (values.yaml `tunnelProtocol`,
    @default "vxlan"); the cronJob certificate method renders the hubble-generate-certs CronJob (UPSTREAM.md, "Hubble TLS");
    `cluster.id` is 1-255 (values.yaml `cluster.id`); httpV2, not http (UPSTREAM.md, "Hubble metrics": the pair conflicts)."""
    objects = dev_render(run_stack)
    objects_of(objects, "Deployment", "hubble-relay")
    objects_of(objects, "Deployment", "hubble-ui")
    objects_of(objects, "CronJob", "hubble-generate-certs")
    config = objects_of(objects, "ConfigMap", "cilium-config")["data"]
    assert config["enable-hubble"] == "true"
    assert config["ipam"] == "cluster-pool"
    assert config["cluster-pool-ipv4-cidr"] == "10.248.0.0/16"
    assert config["routing-mode"] == "tunnel"
    assert config["tunnel-protocol"] == "vxlan"
    assert config["kube-proxy-replacement"] == "false"
    assert config["cluster-name"] == "aks-cilium-dev"
    assert 1 <= int(config["cluster-id"]) <= 255
    assert "dns" in config["hubble-metrics"]
    assert "httpV2" in config["hubble-metrics"]


@requires_artifacts
def test_deny_only_policies_stay_deny_only(run_stack: RunStack) -> None:
    """The WireServer/IMDS block is a deny-only policy with `enableDefaultDeny` off. Cilium honours that field only with
    `enable-non-default-deny-policies` on (cilium/cilium Documentation/security/policy/intro.rst, "Endpoint default
    policy"; the CRD's enableDefaultDeny in ../shared/cilium/1.20.0; values.yaml `enableNonDefaultDenyPolicies`);
    otherwise every workload it selects falls into default deny both ways. The release sets it rather than trusting
    the chart's default, and extra values cannot change it."""
    values = release_values(run_stack)
    assert values["enableNonDefaultDenyPolicies"] is True
    config = objects_of(dev_render(run_stack), "ConfigMap", "cilium-config")["data"]
    assert config["enable-non-default-deny-policies"] == "true"
    with pytest.raises(ConfigError, match="enableNonDefaultDenyPolicies"):
        raise program_config_error(with_overrides(stack_config("dev"), {"ciliumExtraValues": '{"enableNonDefaultDenyPolicies": false}'}))


@requires_artifacts
def test_wireguard_renders_beside_kube_proxy() -> None:
    """Rendered with the real chart (../shared/cilium/1.20.0): `encryption.type: wireguard` reaches cilium-config, and
    kube-proxy replacement stays off, since AKS keeps kube-proxy running on bring-your-own-CNI (MicrosoftDocs/
    azure-aks-docs articles/aks/configure-kube-proxy.md: turning it off is a preview feature). Without `k8sServiceHost`
    (values.yaml: "" by default) the agent reaches the API server through the in-cluster service kube-proxy serves, so
    the chart sets no KUBERNETES_SERVICE_HOST of its own."""
    objects = render_chart(cilium_values(WIREGUARD_ARGS))
    config = objects_of(objects, "ConfigMap", "cilium-config")["data"]
    assert config["enable-wireguard"] == "true"
    assert config["kube-proxy-replacement"] == "false"
    agent = objects_of(objects, "DaemonSet", "cilium")["spec"]["template"]["spec"]["containers"][0]
    assert "KUBERNETES_SERVICE_HOST" not in {e["name"] for e in agent["env"]}
