"""The stack runs each component's own check over the args it builds, and names the config key of every problem."""

from __future__ import annotations

from dataclasses import replace

import pytest

from program.component_checks import CLUSTER_KEYS, component_problems
from stack_settings import Settings, load_settings, project_config
from stack_settings.model import NodePoolSettings
from tests.support.stacks import example_keys, stack_config


def _settings(stack: str) -> Settings:
    config = stack_config(stack)
    return load_settings(project_config(config.values), stack, example_keys=example_keys(config))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_repositorys_stacks_pass_every_components_own_check(stack: str) -> None:
    assert [problems for _, problems in component_problems(_settings(stack))] == [[], [], [], []][
        : len(component_problems(_settings(stack)))
    ]


def test_a_value_only_the_component_refuses_is_named_by_its_config_key() -> None:
    """Settings built past the stack's own rules: what a component refuses still comes back as a config problem."""
    dev = _settings("dev")
    cluster = replace(
        dev.cluster,
        max_pods_per_node=20,
        user_pool=NodePoolSettings("user", "Standard_D2ds_v5", 4, 2),
        authorized_ip_ranges=("198.51.100.0/24", "0.0.0.0/0"),
    )
    problems = {(p.key, p.path): p for _, found in component_problems(replace(dev, cluster=cluster)) for p in found}
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
    keys = {p.key for _, found in component_problems(broken) for p in found}
    assert keys == {"namespaces"}, "every field of an entry comes from that namespace's object in aks-cilium:namespaces"
