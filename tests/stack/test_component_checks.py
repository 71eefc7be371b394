"""The stack runs each component's own check over the args it builds, and names the config key of every problem."""

from __future__ import annotations

from dataclasses import replace

import pytest

from program.component_checks import CLUSTER_KEYS, UNREADABLE, component_problems
from stack_settings import ConfigError, Settings, load_settings, project_config
from stack_settings.model import NodePoolSettings
from tests.support.stacks import example_keys, stack_config


def _settings(stack: str) -> Settings:
    config = stack_config(stack)
    return load_settings(project_config(config.values), stack, example_keys=example_keys(config))


def _reported(stack: str, **overrides: str) -> dict[str, list[str]]:
    """Every problem of `stack` with `overrides`, stack rules and component checks in one pass: key -> messages."""
    config = stack_config(stack)
    values = {**project_config(config.values), **overrides}
    with pytest.raises(ConfigError) as caught:
        load_settings(values, stack, example_keys=example_keys(config), component_checks=component_problems)
    reported: dict[str, list[str]] = {}
    for problem in caught.value.problems:
        reported.setdefault(problem.key, []).append(problem.problem)
    return reported


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_repositorys_stacks_pass_every_components_own_check(stack: str) -> None:
    assert component_problems(_settings(stack)) == []


def test_a_component_only_rule_is_reported_beside_a_type_error_on_another_key() -> None:
    """A node pool's minor stays within two of the control plane's (`Azure/azure-rest-api-specs` Microsoft.ContainerService
    managedClusters.json, AgentPool.orchestratorVersion; cluster.rules.pool_version_problem): only AksCluster's check
    knows it."""
    reported = _reported("dev", maxPodsPerNode="lots", kubernetesVersion="1.35", userPoolKubernetesVersion="1.31")
    assert set(reported) == {"maxPodsPerNode", "userPoolKubernetesVersion"}
    (lag,) = reported["userPoolKubernetesVersion"]
    assert "lags the control plane's 1.35 by 4 minors" in lag
    assert "the component's rule" in lag


def test_a_rule_that_reads_an_unreadable_key_waits_for_its_fix() -> None:
    """The pool-version rule reads both pools: with systemPoolMinCount unreadable its pool holds a stand-in, so the rule
    is left unjudged rather than judged on it, as the stack's own rules across keys are (stack_settings/reader.py)."""
    reported = _reported("dev", systemPoolMinCount="lots", kubernetesVersion="1.35", userPoolKubernetesVersion="1.31")
    assert set(reported) == {"systemPoolMinCount"}


def test_a_stand_in_makes_up_no_problem_in_either_layer() -> None:
    """dev's FQDN egress needs Cilium's DNS proxy, which only a readable network mode can say it has."""
    assert _reported("dev", networkMode="byocnii") == {"networkMode": ["'byocnii' is not one of byocni, azure-cilium"]}
    assert set(_reported("dev", externalNamespaces="monitoring")) == {"externalNamespaces"}


def test_a_key_the_stack_reports_is_not_reported_again_by_the_component() -> None:
    (problem,) = _reported("dev", hubbleMetrics='["http", "httpV2"]')["hubbleMetrics"]
    assert "the component's rule" not in problem


@pytest.mark.parametrize(
    ("overrides", "stated"),
    [
        ({"ciliumVersion": "1.22.0"}, {"ciliumVersion"}),  # the component names previous_version
        ({"serviceCidr": "10.248.0.0/16"}, {"podCidr", "dnsServiceIp"}),  # the component names service_cidr
        ({"kubernetesSupportPlan": "AKSLongTermSupport", "skuTier": "Premium", "upgradeChannel": "stable"}, {"upgradeChannel"}),
    ],
    ids=["cilium-jump", "cidr-overlap", "lts-channel"],
)
def test_a_rule_across_keys_the_stack_states_is_not_restated_under_another_key(overrides: dict[str, str], stated: set[str]) -> None:
    """A component problem whose rule read a key the stack refused is the same finding, seen from another arg."""
    reported = _reported("dev", **overrides)
    assert set(reported) == stated
    assert not any("the component's rule" in problem for problems in reported.values() for problem in problems)


def test_an_unreadable_keys_args_reach_the_components_as_unreadable() -> None:
    """Given as a value of no declared type, the arg's own type problem is dropped and no rule reads it."""
    dev = _settings("dev")
    assert component_problems(dev, unreadable=frozenset({"podCidr", "systemPoolMinCount", "externalNamespaces"})) == []
    assert repr(UNREADABLE) == "<unreadable>"


def test_a_value_only_the_component_refuses_is_named_by_its_config_key() -> None:
    """Settings built past the stack's own rules: what a component refuses still comes back as a config problem."""
    dev = _settings("dev")
    cluster = replace(
        dev.cluster,
        max_pods_per_node=20,
        user_pool=NodePoolSettings("user", "Standard_D2ds_v5", 4, 2),
        authorized_ip_ranges=("198.51.100.0/24", "0.0.0.0/0"),
    )
    problems = {(p.key, p.path): p for p in component_problems(replace(dev, cluster=cluster))}
    assert set(problems) == {("maxPodsPerNode", ""), ("userPoolMinCount", ""), ("apiServerAuthorizedIpRanges", "[1]")}
    assert "(the component's rule for authorized_ip_ranges[1])" in problems[("apiServerAuthorizedIpRanges", "[1]")].problem
    assert problems[("maxPodsPerNode", "")].fix() == "pulumi config rm aks-cilium:maxPodsPerNode"


def test_every_cluster_arg_has_its_config_key() -> None:
    from aks_cilium.cluster.args import AksClusterArgs

    plumbing = {"resource_group_name", "node_subnet_id", "system_pool", "user_pool"}
    assert AksClusterArgs.__required_keys__ | AksClusterArgs.__optional_keys__ - plumbing <= set(CLUSTER_KEYS) | plumbing


def test_a_policy_problem_is_named_by_the_key_that_made_the_entry() -> None:
    """The set's entries are built from several keys; a problem inside an entry names the key its field came from."""
    prod = _settings("prod")
    acns = replace(prod.cluster.advanced_networking, security=False)
    broken = replace(prod, cluster=replace(prod.cluster, advanced_networking=acns))
    keys = {p.key for p in component_problems(broken)}
    assert keys == {"namespaces"}, "every field of an entry comes from that namespace's object in aks-cilium:namespaces"
