"""Bad configuration stops the program with the key named, before any resource is registered."""

from __future__ import annotations

import re

import pytest

from stack_settings import ConfigError
from tests.support.stacks import RunStack

# (config overrides on the dev stack, key that must be named)
BAD_INPUTS: list[tuple[dict[str, str], str]] = [
    ({"podCidr": "10.0.0.0/16"}, "podCidr"),
    ({"podCidr": "10.244.0.1/16"}, "podCidr"),
    ({"podCidr": "169.254.0.0/16"}, "podCidr"),
    ({"podCidr": "10.244.0.0/26"}, "podCidr"),
    ({"podCidr": "10.244.0.0/23"}, "podCidr"),
    ({"serviceCidr": "10.208.0.0/16"}, "serviceCidr"),
    ({"serviceCidr": "172.30.0.0/16", "dnsServiceIp": "172.30.0.10"}, "serviceCidr"),
    ({"vnetCidr": "10.0.0.0/8"}, "podCidr"),
    ({"vnetCidr": "not-a-cidr"}, "vnetCidr"),
    ({"nodeSubnetCidr": "192.168.0.0/24"}, "nodeSubnetCidr"),
    ({"podSubnetCidr": "10.208.0.0/20"}, "podSubnetCidr"),
    ({"dnsServiceIp": "10.1.0.10"}, "dnsServiceIp"),
    ({"dnsServiceIp": "10.0.0.1"}, "dnsServiceIp"),
    ({"dnsServiceIp": "ten"}, "dnsServiceIp"),
    ({"networkMode": "kubenet"}, "networkMode"),
    ({"advancedNetworkingSecurity": "true"}, "advancedNetworkingSecurity"),
    ({"advancedNetworkingObservability": "true"}, "advancedNetworkingObservability"),
    ({"kubernetesVersion": "1.25"}, "kubernetesVersion"),
    ({"kubernetesVersion": "latest"}, "kubernetesVersion"),
    ({"location": "West Europe"}, "location"),
    ({"systemPoolVmSize": "d4s"}, "systemPoolVmSize"),
    ({"systemPoolMinCount": "4", "systemPoolMaxCount": "2"}, "systemPoolMinCount"),
    ({"userPoolMaxCount": "many"}, "userPoolMaxCount"),
    ({"maxPodsPerNode": "30"}, "maxPodsPerNode"),
    ({"osDiskType": "ephemeral"}, "osDiskType"),
    ({"upgradeChannel": "none"}, "upgradeChannel"),
    ({"nodeOsUpgradeChannel": "Unmanaged"}, "nodeOsUpgradeChannel"),
    ({"adminGroupObjectIds": '["admins"]'}, "adminGroupObjectIds"),
    ({"apiServerAuthorizedIpRanges": '["0.0.0.0/0"]'}, "apiServerAuthorizedIpRanges"),
    ({"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]', "privateCluster": "true"}, "apiServerAuthorizedIpRanges"),
    ({"privateCluster": "yes"}, "privateCluster"),
    ({"kubeloginMode": "devicecode"}, "kubeloginMode"),
    ({"kubeloginMode": "spn"}, "kubeloginClientId"),
    ({"availabilityZones": '["4"]'}, "availabilityZones"),
    ({"availabilityZones": '"1"'}, "availabilityZones"),
    ({"defender": "true", "containerInsights": "false", "flowLogs": "false"}, "defender"),
    ({"namePrefix": "Cilium_Dev"}, "namePrefix"),
    ({"skuTier": "Basic"}, "skuTier"),
    ({"outboundType": "nat"}, "outboundType"),
    ({"nodeSubnetCidr": "10.224.0.0/33"}, "nodeSubnetCidr"),
    ({"ciliumVersion": "^1.20"}, "ciliumVersion"),
    ({"ciliumVersion": "1.20"}, "ciliumVersion"),
    ({"hubbleMetrics": '["dns", "latency"]'}, "hubbleMetrics"),
    ({"clusterMeshId": "256"}, "clusterMeshId"),
    ({"ciliumPreviousVersion": "1.19"}, "ciliumPreviousVersion"),
    ({"ciliumExtraValues": "{not json"}, "ciliumExtraValues"),
    ({"ciliumExtraValues": "[1, 2]"}, "ciliumExtraValues"),
    ({"namespaces": '{"demo": {}, "client": {}, "Payments": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {}, "kube-system": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {}, "default": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {}, "cilium-secrets": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {}, "aks-cilium-probe": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {"ingress": [{"namespace": "clinet"}]}, "client": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {"ingress": [{"namespace": "client", "ports": [0]}]}, "client": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {"ingress": [{"namespace": "client", "ports": ["80/HTTP"]}]}, "client": {}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egress": [{"fqdn": "*"}]}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egress": [{"fqdn": "*.com", "ports": [443]}]}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egress": [{"fqdn": "*.*.com", "ports": [443]}]}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egress": [{"cidr": "10.248.1.0/24"}]}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egress": [{"cidr": "10.0.0.0/8"}]}}'}, "namespaces"),
    ({"namespaces": '{"demo": {}, "client": {"egres": []}}'}, "namespaces"),
    ({"namespaces": '{"client": {}}'}, "namespaces"),
    ({"namespaces": '["demo", "client"]'}, "namespaces"),
    ({"namespaceAllowFrom": '["demo:client"]'}, "namespaceAllowFrom"),
    ({"fqdnAllowlist": '["client:google.com"]'}, "fqdnAllowlist"),
    ({"metadataEndpointNamespaces": '["client"]'}, "metadataEndpointNamespaces"),
    ({"externalNamespaces": '["demo"]'}, "externalNamespaces"),
    ({"wireguard": "on"}, "wireguard"),
    ({"kubeloginClientId": "my-app"}, "kubeloginClientId"),
    ({"advancedNetworkPolicies": "DNS"}, "advancedNetworkPolicies"),
    ({"osDiskSizeGb": "10"}, "osDiskSizeGb"),
]


@pytest.mark.parametrize(("overrides", "key"), BAD_INPUTS, ids=[f"{k}-{i}" for i, (_, k) in enumerate(BAD_INPUTS)])
def test_bad_input_names_its_key_and_registers_nothing(run_stack: RunStack, overrides: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", **overrides)
    assert key in caught.value.keys
    assert re.search(rf"aks-cilium:{key}(\[\d+\]|\.[^:]+)?: ", str(caught.value)), "the key, and the item's index or path"
    assert "Fix: pulumi config " in str(caught.value)


def test_nothing_is_registered_on_bad_config(run_stack: RunStack) -> None:
    from pulumi.runtime import settings

    with pytest.raises(ConfigError):
        run_stack("dev", podCidr="10.0.0.0/16")
    monitor = settings.SETTINGS.monitor
    assert list(monitor.registrations) == []


def test_several_problems_are_reported_together(run_stack: RunStack) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", location="West Europe", maxPodsPerNode="7", networkMode="calico")
    assert {"location", "maxPodsPerNode", "networkMode"} <= caught.value.keys


def test_unknown_key_is_reported(run_stack: RunStack) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", podCird="10.244.0.0/16")
    assert caught.value.keys == {"podCird"}
    assert "is not a setting of this program (did you mean podCidr?)" in str(caught.value)


def test_config_error_is_a_run_error_so_the_cli_shows_no_traceback() -> None:
    """pulumi/pulumi sdk/python/lib/pulumi/errors.py, `RunError`: ends the program with a clean exit "rather than the usual
    verbose unhandled error logic which emits the source program text and complete stack trace"."""
    import pulumi

    assert issubclass(ConfigError, pulumi.RunError)
