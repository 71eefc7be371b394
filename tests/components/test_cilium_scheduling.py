"""Every pod of the Cilium release can be scheduled with the node pools at their minimum size, in both stacks.

The choice: the operator and the certgen Job and CronJob tolerate the system pool's CriticalAddonsOnly taint, rather
than the release waiting for the user pool; Hubble Relay and UI serve people, not the datapath, so they are no critical
add-ons: they tolerate nothing and prefer user nodes (AKS labels each node `kubernetes.azure.com/mode` with its pool's
mode, use-system-pools.md), leaving the system pool's room to what it is for. The operator allocates every node's pod
CIDR (cluster-pool IPAM), so no node, system nodes included, becomes Ready without it: it is a critical add-on and
belongs where critical add-ons run (the system pool hosts "critical system pods like CoreDNS", use-system-pools.md).
Waiting for the user pool would tie Cilium's install to a pool that AKS allows to have zero nodes (same page), and
would still leave Hubble's certificates unrenewed whenever the user pool is full.

Sources: Cilium 1.20 values.yaml (operator.tolerations: control-plane, master, not-ready and uninitialized only;
operator.affinity: required pod anti-affinity per kubernetes.io/hostname; hubble.relay.tolerations,
hubble.ui.tolerations and certgen.tolerations empty); the system pool's taint as the AKS component registers it
(aks_cilium/cluster.py; MicrosoftDocs/azure-aks-docs articles/aks/use-system-pools.md); toleration matching as
Kubernetes defines it (kubernetes/website content/en/docs/concepts/scheduling-eviction/taint-and-toleration.md: an
`Exists` toleration without a key matches every key and value; an empty effect matches every effect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from aks_cilium.cilium.values import MAX_OPERATOR_REPLICAS
from aks_cilium.testing import ProgramRun
from offline.chart import chart_defaults, render_chart
from offline.engine import run_program
from tests.support.artifacts import requires_artifacts
from tests.support.stacks import PROD_AS_BYOCNI, RunStack, release_values, stack_config, with_overrides
from tests.support.tokens import AGENT_POOL, MANAGED_CLUSTER, RELEASE

SCHEDULING_EFFECTS = ("NoSchedule", "NoExecute")
PEOPLE_FACING = ("Deployment/hubble-relay", "Deployment/hubble-ui")
STACKS = {"dev": {}, "prod": PROD_AS_BYOCNI}


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    @classmethod
    def parse(cls, text: str) -> Taint:
        """AKS writes taints as key=value:Effect."""
        key_value, effect = text.rsplit(":", 1)
        key, _, value = key_value.partition("=")
        return cls(key, value, effect)


@dataclass(frozen=True)
class Pool:
    name: str
    min_count: int
    taints: tuple[Taint, ...]
    mode: str
    """System or User; AKS labels the pool's nodes kubernetes.azure.com/mode=system|user."""


def tolerates(tolerations: list[dict[str, Any]], taint: Taint) -> bool:
    for toleration in tolerations:
        operator = toleration.get("operator", "Equal")
        key_matches = toleration.get("key", "") == taint.key or (operator == "Exists" and not toleration.get("key"))
        effect_matches = toleration.get("effect", "") in ("", taint.effect)
        value_matches = operator == "Exists" or toleration.get("value", "") == taint.value
        if key_matches and effect_matches and value_matches:
            return True
    return False


def pools(run: ProgramRun) -> list[Pool]:
    """The pools as registered with Azure: the system pool inside the cluster, the user pool as its own resource."""
    profiles = run.one(MANAGED_CLUSTER).inputs["agentPoolProfiles"]
    profiles += [pool.inputs for pool in run.of_type(AGENT_POOL)]
    return [
        Pool(
            profile.get("name") or profile["agentPoolName"],
            int(profile["minCount"]),
            tuple(Taint.parse(text) for text in profile.get("nodeTaints", [])),
            profile["mode"],
        )
        for profile in profiles
    ]


def usable_nodes(pod: dict[str, Any], all_pools: list[Pool]) -> int:
    """Nodes at the pools' minimum size whose scheduling taints the pod tolerates."""
    tolerations = pod.get("tolerations", [])
    return sum(
        pool.min_count
        for pool in all_pools
        if all(tolerates(tolerations, taint) for taint in pool.taints if taint.effect in SCHEDULING_EFFECTS)
    )


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]
    found: dict[str, Any] = template["spec"]
    return found


def workloads(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    kinds = ("Deployment", "DaemonSet", "Job", "CronJob")
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in objects if o.get("kind") in kinds}


@pytest.fixture(scope="module", params=sorted(STACKS))
def stack_run(request: pytest.FixtureRequest) -> ProgramRun:
    """One run per stack for the module: every test here only reads it."""
    return run_program(with_overrides(stack_config(request.param), STACKS[request.param]))


@pytest.fixture(scope="module")
def release_workloads(stack_run: ProgramRun) -> dict[str, dict[str, Any]]:
    """The release's workloads rendered with the chart, once per stack (read only)."""
    return workloads(render_chart(stack_run.one(RELEASE).inputs["values"]))


@requires_artifacts
def test_every_release_pod_fits_the_pools_at_minimum_size(stack_run: ProgramRun, release_workloads: dict[str, dict[str, Any]]) -> None:
    all_pools = pools(stack_run)
    assert any(pool.taints for pool in all_pools), "the system pool is tainted CriticalAddonsOnly"
    found = release_workloads
    expected = {"Deployment/cilium-operator", "Deployment/hubble-relay", "Deployment/hubble-ui", "CronJob/hubble-generate-certs"}
    assert expected <= set(found)
    assert any(name.startswith("Job/hubble-generate-certs") for name in found), "the initial certgen Job"
    user_nodes = sum(pool.min_count for pool in all_pools if pool.mode == "User")
    for name, workload in found.items():
        pod = pod_spec(workload)
        if name in PEOPLE_FACING:
            # Relay and UI: user nodes only, and they say so to the scheduler as well.
            assert usable_nodes(pod, all_pools) == user_nodes >= 1, name
            preferred = pod["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
            terms = [term["preference"]["matchExpressions"] for term in preferred]
            assert [{"key": "kubernetes.azure.com/mode", "operator": "In", "values": ["user"]}] in terms, name
        else:
            # Every pool counts: nothing of Cilium itself waits for, or depends on, the user pool.
            assert usable_nodes(pod, all_pools) == sum(pool.min_count for pool in all_pools), name


@requires_artifacts
def test_relay_keeps_the_charts_place_beside_an_agent(release_workloads: dict[str, dict[str, Any]]) -> None:
    """The node preference is added to the chart's default relay affinity (values.yaml, hubble.relay.affinity: required
    pod affinity to k8s-app=cilium per hostname), not put in its place."""
    relay = release_workloads["Deployment/hubble-relay"]
    affinity = pod_spec(relay)["affinity"]
    assert affinity["podAffinity"] == chart_defaults()["hubble"]["relay"]["affinity"]["podAffinity"]


@requires_artifacts
def test_operator_replicas_fit_its_required_anti_affinity(stack_run: ProgramRun, release_workloads: dict[str, dict[str, Any]]) -> None:
    all_pools = pools(stack_run)
    operator = release_workloads["Deployment/cilium-operator"]
    anti_affinity = pod_spec(operator)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert [term["topologyKey"] for term in anti_affinity] == ["kubernetes.io/hostname"]
    nodes = usable_nodes(pod_spec(operator), all_pools)
    assert operator["spec"]["replicas"] == min(MAX_OPERATOR_REPLICAS, nodes)
    assert operator["spec"]["replicas"] <= nodes


@requires_artifacts
def test_the_charts_own_defaults_leave_the_system_pool_out(stack_run: ProgramRun) -> None:
    """The control: without this library's tolerations, operator, relay, UI and certgen could use user nodes only."""
    all_pools = pools(stack_run)
    user_nodes = sum(pool.min_count for pool in all_pools if not pool.taints)
    defaults = chart_defaults()
    for tolerations in (
        defaults["operator"]["tolerations"],
        defaults["hubble"]["relay"]["tolerations"],
        defaults["certgen"]["tolerations"],
    ):
        assert usable_nodes({"tolerations": tolerations}, all_pools) == user_nodes


def test_dev_operator_counts_both_pools(run_stack: RunStack) -> None:
    """dev's pools at minimum: two system nodes (AKS's documented minimum, use-system-pools.md) and one user node. Two
    operator replicas with required anti-affinity fit only because system nodes are usable; a larger user pool does not
    raise the replicas above two."""
    run = run_stack("dev")
    assert [pool.min_count for pool in pools(run)] == [2, 1]
    assert run.one(RELEASE).inputs["values"]["operator"]["replicas"] == 2
    assert release_values(run_stack, userPoolMinCount="3")["operator"]["replicas"] == MAX_OPERATOR_REPLICAS


def test_toleration_matching_follows_kubernetes() -> None:
    taint = Taint.parse("CriticalAddonsOnly=true:NoSchedule")
    assert taint == Taint("CriticalAddonsOnly", "true", "NoSchedule")
    assert tolerates([{"key": "CriticalAddonsOnly", "operator": "Exists"}], taint)
    assert tolerates([{"operator": "Exists"}], taint)
    assert tolerates([{"key": "CriticalAddonsOnly", "value": "true", "effect": "NoSchedule"}], taint)
    assert not tolerates([{"key": "CriticalAddonsOnly", "value": "false"}], taint)
    assert not tolerates([{"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoExecute"}], taint)
    assert not tolerates([{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}], taint)
