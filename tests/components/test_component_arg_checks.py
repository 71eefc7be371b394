"""Every component, built directly, refuses what the stack program refuses: plain values at once, Outputs once resolved.

A value given as an Output is judged when it resolves; the run then fails with the same ComponentArgsError. That a
failed Output fails the program although no resource consumes it is the Python SDK's own doing: an Output whose
computation raised stays tracked and is re-raised when the program ends (`pulumi/pulumi`
`sdk/python/lib/pulumi/output.py` `Output._track`, `sdk/python/lib/pulumi/runtime/stack.py` `wait_for_rpcs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from aks_cilium.cilium.component import Cilium
from aks_cilium.cluster.component import AksCluster
from aks_cilium.network.component import Network
from aks_cilium.network_policy.component import NetworkPolicySet
from aks_cilium.testing import ProgramRun, run_callable
from tests.support.component_args import cluster_args
from tests.support.refusals import refusal

NETWORK = {
    "location": "westeurope",
    "resource_group_name": "rg-t",
    "vnet_name": "vnet-t",
    "vnet_cidr": "10.224.0.0/12",
    "node_subnet_cidr": "10.224.0.0/16",
}
CILIUM = {"version": "1.20.2", "cluster_name": "aks-t", "pod_cidr": "10.244.0.0/16", "node_count": 3}
POOL = {"vm_size": "Standard_D4ds_v5", "min_count": 2, "max_count": 3}


def _cluster(args: dict[str, Any]) -> None:
    AksCluster("aks", args)  # type: ignore[arg-type]


def _network(args: dict[str, Any]) -> None:
    Network("network", args)  # type: ignore[arg-type]


def _cilium(args: dict[str, Any]) -> None:
    Cilium("cilium", args)  # type: ignore[arg-type]


def _policies(args: dict[str, Any]) -> None:
    NetworkPolicySet("policies", args)  # type: ignore[arg-type]


def _policy_args() -> dict[str, Any]:
    return {"namespaces": [{"name": "payments", "ingress": [{"namespace": "frontend"}]}, {"name": "frontend"}], "network_mode": "byocni"}


BUILDERS: dict[str, tuple[Callable[[dict[str, Any]], None], Callable[[], dict[str, Any]]]] = {
    "AksCluster": (_cluster, lambda: dict(cluster_args())),
    "Network": (_network, lambda: dict(NETWORK)),
    "Cilium": (_cilium, lambda: dict(CILIUM)),
    "NetworkPolicySet": (_policies, _policy_args),
}


def _problems(component: str, change: Callable[[dict[str, Any]], None]) -> dict[str, str]:
    build, base = BUILDERS[component]
    args = base()
    change(args)
    return {problem["property_path"]: problem["reason"] for problem in refusal(lambda: build(args)).errors or []}


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(args: dict[str, Any]) -> None:
        target = args
        *parents, last = key.split(".")
        for parent in parents:
            target[parent] = dict(target[parent])
            target = target[parent]
        target[last] = value

    return change


# (component, misspelt key, the key it should have been)
MISSPELT = [
    ("AksCluster", "authorised_ip_ranges", "authorized_ip_ranges"),
    ("AksCluster", "protect_cluster", "protect"),
    ("AksCluster", "Private_Cluster", "private_cluster"),
    ("AksCluster", "system_pool.maxcount", "max_count"),
    ("Network", "pod_subnet", "pod_subnet_cidr"),
    ("Cilium", "wireguard_enabled", "wireguard"),
    ("NetworkPolicySet", "native_default_denied", "native_default_deny"),
]


@pytest.mark.parametrize(("component", "key", "meant"), MISSPELT)
def test_a_misspelt_key_is_refused_with_the_key_it_resembles(component: str, key: str, meant: str) -> None:
    """An optional key spelt wrong would otherwise be dropped in silence (authorised_ip_ranges leaves the API open)."""
    problems = _problems(component, _set(key, ["10.0.0.0/8"] if "ip" in key else True))
    assert problems[key] == f"is not an argument of {_type_name(component, key)} (did you mean {meant}?)"


def _type_name(component: str, key: str) -> str:
    return "NodePoolArgs" if key.startswith("system_pool.") else f"{component}Args"


def test_a_misspelt_key_of_a_nested_namespace_entry_is_refused() -> None:
    """intra_namespce in a NamespacePolicyArgs entry of the list: the list's item type is checked too."""
    problems = _problems("NetworkPolicySet", lambda args: args["namespaces"][0].update(intra_namespce=False))
    assert problems == {"namespaces[0].intra_namespce": "is not an argument of NamespacePolicyArgs (did you mean intra_namespace?)"}


# (component, arg path, bad value, words the reason must contain)
REFUSED = [
    ("AksCluster", "kubernetes_version", "1.31", "left AKS community support"),
    ("AksCluster", "service_cidr", "10.244.0.0/20", "overlaps pod_cidr 10.244.0.0/16"),
    ("AksCluster", "dns_service_ip", "10.1.0.10", "outside service_cidr 10.0.0.0/16"),
    ("AksCluster", "pod_cidr", "10.244.0.0/33", "is not an IPv4 CIDR"),
    ("AksCluster", "max_pods", "lots", "'lots' is not a whole number"),
    ("AksCluster", "max_pods", 20, "outside 50..250"),
    ("Network", "vnet_cidr", "10.224.0.0/33", "is not an IPv4 CIDR"),
    ("Network", "vnet_cidr", "172.30.0.0/16", "which AKS reserves"),
    ("Cilium", "version", "\u0661.\u0662\u0660.\u0660", "is not an exact chart version"),
    ("Cilium", "hubble_metrics", ["dns", "latency"], "'latency' is not a Hubble metric"),
    ("Cilium", "node_count", "three", "is not a whole number"),
    # AKS keeps kube-proxy on bring-your-own-CNI unless the preview kubeProxyConfig API turns it off
    # (MicrosoftDocs/azure-aks-docs articles/aks/configure-kube-proxy.md; UPSTREAM.md, AKS "kube-proxy on BYOCNI").
    ("Cilium", "kube_proxy_replacement", True, "AKS keeps running kube-proxy on bring-your-own-CNI"),
]


@pytest.mark.parametrize(("component", "path", "bad", "reason"), REFUSED)
def test_a_bad_plain_value_is_refused_before_any_child(component: str, path: str, bad: Any, reason: str) -> None:
    from pulumi.runtime import settings

    problems = _problems(component, _set(path, bad))
    assert path in problems, problems
    assert reason in problems[path]
    children = [r.type for r in settings.SETTINGS.monitor.registrations if not r.type.startswith("aks-cilium:index:")]
    assert children == [], "no child registered"


@pytest.mark.parametrize(("component", "path", "bad", "reason"), REFUSED)
def test_a_bad_value_given_as_an_output_fails_the_run_once_it_resolves(component: str, path: str, bad: Any, reason: str) -> None:
    problems = _problems(component, _set(path, pulumi.Output.from_input(bad)))
    assert path in problems, problems
    assert reason in problems[path]


def test_egress_to_a_managed_namespace_is_refused_as_the_stack_refuses_it() -> None:
    problems = _problems("NetworkPolicySet", lambda args: args["namespaces"][1].update(egress=[{"namespace": "payments"}]))
    assert problems == {
        "namespaces[1].egress[0].namespace": "'payments' is managed by the set: declare the flow on payments's ingress, "
        "which opens this side's egress too"
    }


@pytest.mark.parametrize(("field", "bad"), [("allow_from", 5), ("allow_to", 5), ("fqdns", 3), ("webhook_ports", 443), ("name", ["a"])])
def test_a_namespace_entry_field_of_the_wrong_type_is_a_problem_not_a_traceback(field: str, bad: Any) -> None:
    problems = _problems("NetworkPolicySet", lambda args: args["namespaces"][0].update({field: bad}))
    assert f"namespaces[0].{field}" in problems, problems


@pytest.mark.parametrize(("key", "bad"), [("external_namespaces", 5), ("cluster_cidrs", 5), ("network_mode", 5)])
def test_a_policy_set_arg_of_the_wrong_type_is_a_problem_not_a_traceback(key: str, bad: Any) -> None:
    """The entries are judged in the context of these args; of the wrong type, each has its own problem only."""
    problems = _problems("NetworkPolicySet", _set(key, bad))
    assert set(problems) == {key}, problems


def test_pool_counts_are_checked_inside_the_nested_pool() -> None:
    problems = _problems("AksCluster", _set("user_pool", {**POOL, "min_count": 5, "max_count": 3}))
    assert problems == {"user_pool.min_count": "min_count 5 is above max_count 3"}
    problems = _problems("AksCluster", _set("user_pool", {**POOL, "min_count": pulumi.Output.from_input(5), "max_count": 3}))
    assert problems == {"user_pool.min_count": "min_count 5 is above max_count 3"}


def test_every_problem_of_one_call_is_reported_together() -> None:
    def change(args: dict[str, Any]) -> None:
        args.update(kubernetes_version="1.31", max_pods="lots", dns_service_ip="10.1.0.10", authorised_ip_ranges=[])

    problems = _problems("AksCluster", change)
    assert set(problems) == {"kubernetes_version", "max_pods", "dns_service_ip", "authorised_ip_ranges"}


def test_a_plain_only_arg_given_as_an_output_is_refused() -> None:
    """network_mode decides which resources exist, so it is a plain str: an Output there is refused, not misread."""
    problems = _problems("AksCluster", _set("network_mode", pulumi.Output.from_input("byocni")))
    assert "not an Output" in problems["network_mode"]


def test_good_outputs_pass_and_register_what_plain_values_do() -> None:
    plain = run_callable(lambda: _cluster(dict(cluster_args())))
    wrapped = dict(cluster_args())
    for key in ("kubernetes_version", "pod_cidr", "service_cidr", "dns_service_ip", "max_pods"):
        wrapped[key] = pulumi.Output.from_input(wrapped[key])
    given = run_callable(lambda: _cluster(wrapped))

    # Outputs resolve asynchronously, so children register in another order: compare each resource with its twin.
    def by_resource(run: ProgramRun) -> dict[tuple[str, str], object]:
        return {(r.type, r.name): r.inputs for r in run.registrations}

    assert len(given.registrations) == len(plain.registrations)
    assert by_resource(given) == by_resource(plain)


def test_each_problem_names_the_args_its_rule_read_as_reads() -> None:
    """A caller that already refused one of those args knows the problem may restate it (program/component_checks.py)."""
    from aks_cilium.cluster.checks import check_cluster_args
    from aks_cilium.core.validation import ComponentArgsError

    args = cluster_args(service_cidr="10.244.0.0/20", max_pods=20)
    with pytest.raises(ComponentArgsError) as caught:
        check_cluster_args("aks", args)
    reads = {problem["property_path"]: read for problem, read in zip(caught.value.errors or [], caught.value.reads, strict=True)}
    assert reads["max_pods"] == ("max_pods",)
    assert reads["service_cidr"][0] == "service_cidr"
    assert {"pod_cidr", "dns_service_ip"} <= set(reads["service_cidr"])
