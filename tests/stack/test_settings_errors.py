"""Bad configuration stops the program with the key named, before any resource is registered."""

from __future__ import annotations

import copy
import json
import re
import shlex
from typing import Any

import pytest

from offline.engine import run_program
from stack_settings import ConfigError
from tests.support.program_settings import program_config_error
from tests.support.stacks import declared_namespaces, stack_config, with_overrides

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
def test_bad_input_names_its_key(overrides: dict[str, str], key: str) -> None:
    """Each bad value stops the program's config check (its first statement, tests/support/program_settings.py) with
    the key named. That nothing is registered then is proven by running the whole program once per family of rules
    (below): every case here is refused by that same statement, before the program makes anything."""
    error = program_config_error(with_overrides(stack_config("dev"), overrides))
    assert key in error.keys
    assert re.search(rf"aks-cilium:{key}(\[\d+\]|\.[^:]+)?: ", str(error)), "the key, and the item's index or path"
    assert "Fix: pulumi config " in str(error)


# One bad input per family of rules: a value that cannot be read, a rule across keys, a path inside a tenant's object,
# and a key that is not a setting.
FAMILIES = [
    {"dnsServiceIp": "ten"},
    {"podCidr": "10.0.0.0/16"},
    {"namespaces": '{"demo": {"ingress": [{"namespace": "client", "ports": [0]}]}, "client": {}}'},
    {"podCird": "10.244.0.0/16"},
]


@pytest.mark.parametrize("overrides", FAMILIES, ids=[next(iter(o)) for o in FAMILIES])
def test_the_program_stops_with_its_config_checks_error_and_registers_nothing(overrides: dict[str, str]) -> None:
    from pulumi.runtime import settings

    config = with_overrides(stack_config("dev"), overrides)
    with pytest.raises(ConfigError) as caught:
        run_program(config)
    assert list(settings.SETTINGS.monitor.registrations) == []
    assert str(caught.value) == str(program_config_error(config))


def test_several_problems_are_reported_together() -> None:
    overrides = {"location": "West Europe", "maxPodsPerNode": "7", "networkMode": "calico"}
    error = program_config_error(with_overrides(stack_config("dev"), overrides))
    assert {"location", "maxPodsPerNode", "networkMode"} <= error.keys


def test_unknown_key_is_reported() -> None:
    error = program_config_error(with_overrides(stack_config("dev"), {"podCird": "10.244.0.0/16"}))
    assert error.keys == {"podCird"}
    assert "is not a setting of this program (did you mean podCidr?)" in str(error)


def test_config_error_is_a_run_error_so_the_cli_shows_no_traceback() -> None:
    """pulumi/pulumi sdk/python/lib/pulumi/errors.py, `RunError`: ends the program with a clean exit "rather than the usual
    verbose unhandled error logic which emits the source program text and complete stack trace"."""
    import pulumi

    assert issubclass(ConfigError, pulumi.RunError)


# Values that are several shell words or hold `<`/`(`: printed unquoted they were three arguments or a redirect.
UNQUOTED_BEFORE = {
    "autoUpgradeWindow": "Sunday 25:00 6h",
    "nodeOsUpgradeWindow": "Funday 01:00 4h",
    "deployClientId": "not-a-guid",
    "kubernetesSupportPlan": "nope",
    "adminGroupObjectIds": '["x y"]',
    "ciliumExtraValues": '{"ipam": {}}',
}


def test_every_printed_fix_is_one_pulumi_config_command_the_shell_parses() -> None:
    """pulumi.com docs, `pulumi config set`: `pulumi config set [--path] <key> [value]`, or `pulumi config rm <key>`;
    each printed fix must reach the CLI as exactly those arguments (shlex follows POSIX shell word splitting)."""
    error = program_config_error(with_overrides(stack_config("prod"), UNQUOTED_BEFORE))
    assert set(UNQUOTED_BEFORE) <= error.keys
    for problem in error.problems:
        for command in problem.fix().split(" && "):
            words = shlex.split(command, comments=True)
            if words[:3] == ["pulumi", "config", "rm"]:
                assert len(words) - (words[3] == "--path") == 4, problem.render()
                continue
            assert words[:3] == ["pulumi", "config", "set"], problem.render()
            assert len(words) - (words[3] == "--path") == 5, problem.render()
    fixes = {problem.key: problem.fix() for problem in error.problems}
    assert shlex.split(fixes["autoUpgradeWindow"])[-1] == "Sunday 01:00 6h"
    assert shlex.split(fixes["deployClientId"])[-1] == "<application (client) ID>"


def _namespaces_with_mistakes() -> dict[str, Any]:
    namespaces = copy.deepcopy(declared_namespaces("dev"))
    namespaces["client"]["egress"][0]["ports"] = ["https"]  # a type error: client's settings cannot be read
    namespaces["demo"]["ingress"][0]["namespace"] = "clinet"  # a typo in another namespace
    namespaces["batch"]["egress"] = [{"fqdn": "*.com", "ports": [70000]}]  # two more, in a third
    return namespaces


def test_an_unreadable_namespace_item_hides_no_other_mistake() -> None:
    """Only the namespace whose settings cannot be read is left unjudged; the others, and every key, still are."""
    overrides = {"namespaces": json.dumps(_namespaces_with_mistakes()), "skuTier": "Gold"}
    error = program_config_error(with_overrides(stack_config("dev"), overrides))
    assert {(problem.key, problem.path) for problem in error.problems} == {
        ("namespaces", ".client.egress[0].ports[0]"),
        ("namespaces", ".demo.ingress[0].namespace"),
        ("namespaces", ".batch.egress[0].fqdn"),
        ("namespaces", ".batch.egress[0].ports[0].port"),
        ("skuTier", ""),
    }


def test_an_invalid_network_mode_hides_no_namespace_rule_that_does_not_read_it() -> None:
    """A port out of range and an unknown peer namespace are wrong whatever Cilium runs, so they are reported with
    the bad networkMode; a rule that reads the mode waits for it."""
    overrides = {"namespaces": json.dumps(_namespaces_with_mistakes()), "networkMode": "kubenet"}
    error = program_config_error(with_overrides(stack_config("dev"), overrides))
    paths = {problem.path for problem in error.problems if problem.key == "namespaces"}
    assert "networkMode" in error.keys
    assert {".demo.ingress[0].namespace", ".batch.egress[0].ports[0].port", ".batch.egress[0].fqdn"} <= paths
