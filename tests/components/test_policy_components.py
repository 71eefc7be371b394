"""NetworkPolicySet, DemoApp and ConnectivityCheck built directly, as a team's program would: their own validation,
Output-valued inputs, depends_on reaching every child, protection, and the pod security the kubelet enforces."""

from __future__ import annotations

import json
import time
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aks_cilium.mesh.example import GlobalServiceExample, GlobalServiceExampleArgs
from aks_cilium.network_policy.component import NetworkPolicySet, NetworkPolicySetArgs
from aks_cilium.network_policy.names import fqdn_selector_problem
from aks_cilium.testing import ProgramRun, run_callable
from aks_cilium.workloads.connectivity import ConnectivityCheck, ConnectivityCheckArgs, check_script
from aks_cilium.workloads.demo import DemoApp, DemoAppArgs
from tests.support.fake_curl import run_script
from tests.support.refusals import refusal
from tests.support.stacks import RunStack
from tests.support.tokens import CCNP, CNP


def _policy_set(args: Any, opts: pulumi.ResourceOptions | None = None) -> ProgramRun:
    return run_callable(lambda: NetworkPolicySet("set", args, opts))


def _problems(args: Any) -> set[str]:
    return {problem["property_path"] for problem in refusal(lambda: NetworkPolicySet("set", args)).errors or []}


def test_a_missing_required_arg_is_a_clean_error_not_a_key_error() -> None:
    assert _problems({"namespaces": []}) == {"network_mode"}


BAD_ARGS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "duplicate namespaces": ({"namespaces": [{"name": "a"}, {"name": "a"}], "network_mode": "byocni"}, {"namespaces"}),
    "kube-system under default deny": ({"namespaces": [{"name": "kube-system"}], "network_mode": "byocni"}, {"namespaces[0].name"}),
    "every name allowed": (
        {"namespaces": [{"name": "a", "egress": [{"fqdn": "*"}]}], "network_mode": "byocni"},
        {"namespaces[0].egress[0].fqdn"},
    ),
    "a pattern over a public suffix": (
        {"namespaces": [{"name": "a", "egress": [{"fqdn": "*.co.uk"}]}], "network_mode": "byocni"},
        {"namespaces[0].egress[0].fqdn"},
    ),
    "a peer neither managed nor external": (
        {"namespaces": [{"name": "a", "ingress": [{"namespace": "clinet"}]}], "network_mode": "byocni"},
        {"namespaces[0].ingress[0].namespace"},
    ),
    "egress to a managed namespace, which its ingress decides": (
        {"namespaces": [{"name": "a", "egress": [{"namespace": "b"}]}, {"name": "b"}], "network_mode": "byocni"},
        {"namespaces[0].egress[0].namespace"},
    ),
    "two peers in one allowance": (
        {"namespaces": [{"name": "a", "egress": [{"cidr": "10.9.0.0/16", "api_server": True}]}], "network_mode": "byocni"},
        {"namespaces[0].egress[0]"},
    ),
    "outside without ports": (
        {"namespaces": [{"name": "a", "ingress": [{"outside": "loadBalancer"}]}], "network_mode": "byocni"},
        {"namespaces[0].ingress[0].ports"},
    ),
    "a port out of range and an unknown protocol": (
        {
            "namespaces": [{"name": "a", "ingress": [{"outside": "loadBalancer", "ports": [{"port": 70000, "protocol": "tcp"}]}]}],
            "network_mode": "byocni",
        },
        {"namespaces[0].ingress[0].ports[0].port", "namespaces[0].ingress[0].ports[0].protocol"},
    ),
    "a cidr inside the pod cidr, an exception outside it": (
        {
            "namespaces": [{"name": "a", "egress": [{"cidr": "10.244.0.0/24", "except_cidrs": ["10.9.0.0/24"]}]}],
            "network_mode": "byocni",
            "cluster_cidrs": ["10.244.0.0/16", "10.0.0.0/16"],
        },
        {"namespaces[0].egress[0].cidr", "namespaces[0].egress[0].except_cidrs[0]"},
    ),
    "reserved namespaces": (
        {
            "namespaces": [{"name": "default"}, {"name": "cilium-secrets"}, {"name": "aks-cilium-probe"}, {"name": "app-routing-system"}],
            "network_mode": "byocni",
        },
        {"namespaces[0].name", "namespaces[1].name", "namespaces[2].name", "namespaces[3].name"},
    ),
    "cilium ingress, which neither mode has": (
        {
            "namespaces": [
                {"name": "a", "ingress": [{"outside": "ciliumIngress", "ports": [{"port": 80}]}]},
                {"name": "b", "ingress": [{"outside": "ciliumIngress", "ports": [{"port": 80}]}]},
            ],
            "network_mode": "byocni",
        },
        {"namespaces[0].ingress[0].outside", "namespaces[1].ingress[0].outside"},
    ),
    "unknown network mode": ({"namespaces": [{"name": "a"}], "network_mode": "calico"}, {"network_mode"}),
    "fqdns without ACNS security": (
        {"namespaces": [{"name": "a", "egress": [{"fqdn": "api.example.com", "ports": [{"port": 443}]}]}], "network_mode": "azure-cilium"},
        {"namespaces[0].egress[0].fqdn"},
    ),
    "multi-level wildcard on ACNS": (
        {"namespaces": [{"name": "a", "egress": [{"fqdn": "**.example.com"}]}], "network_mode": "azure-cilium", "acns_security": True},
        {"namespaces[0].egress[0].fqdn"},
    ),
    "webhook port out of range": (
        {"namespaces": [{"name": "a", "webhook_ports": [0]}], "network_mode": "byocni"},
        {"namespaces[0].webhook_ports[0]"},
    ),
    "a cidr around IMDS": (
        {"namespaces": [{"name": "a", "egress": [{"cidr": "169.254.0.0/16"}]}], "network_mode": "azure-cilium"},
        {"namespaces[0].egress[0].cidr"},
    ),
    "an empty ports list": (
        {"namespaces": [{"name": "a", "egress": [{"cidr": "203.0.113.0/24", "ports": []}]}], "network_mode": "byocni"},
        {"namespaces[0].egress[0].ports"},
    ),
    "the check's namespace as external": (
        {"namespaces": [{"name": "a"}], "external_namespaces": ["aks-cilium-probe"], "network_mode": "byocni"},
        {"external_namespaces[0]"},
    ),
    "metadata opt-in as a string": (
        {"namespaces": [{"name": "a", "metadata_endpoints": "yes"}], "network_mode": "azure-cilium"},
        {"namespaces[0].metadata_endpoints"},
    ),
}


@pytest.mark.parametrize("case", BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_the_component_refuses_bad_args_before_registering_anything(case: tuple[dict[str, Any], set[str]]) -> None:
    args, paths = case
    assert _problems(args) == paths


@pytest.mark.parametrize(
    "entry",
    [
        {"name": pulumi.Output.from_input("a")},
        {"name": "a", "egress": [{"fqdn": pulumi.Output.from_input("*.com"), "ports": [{"port": 443}]}]},
        {"name": "a", "egress": [{"fqdn": "a.example.com", "ports": [{"port": pulumi.Output.from_input(70000)}]}]},
    ],
    ids=["name", "fqdn", "port"],
)
def test_an_output_where_a_plain_value_decides_resources_is_one_problem(entry: dict[str, Any]) -> None:
    """The type check's clear problem alone, not a second one made from the Output's repr."""
    args: Any = {"namespaces": [entry], "network_mode": "byocni"}
    errors = refusal(lambda: NetworkPolicySet("set", args)).errors or []
    assert len(errors) == 1
    assert "not an Output" in errors[0]["reason"]


def test_acns_security_as_an_output_is_refused_not_misread() -> None:
    """An Output is truthy whatever it holds: Output(False) must never turn FQDN policies on (issue #15, item 4). It is
    refused, and the entries, judged in its context, wait for a plain value rather than guess it."""
    args = {
        "namespaces": [{"name": "a", "egress": [{"fqdn": "api.example.com", "ports": [{"port": 443}]}]}],
        "network_mode": "azure-cilium",
        "acns_security": pulumi.Output.from_input(False),
    }
    assert _problems(args) == {"acns_security"}


def test_protect_reaches_the_namespaces_and_their_policies() -> None:
    """Removing a protected resource from the program fails the update (Pulumi docs, resource option `protect`)."""
    run = _policy_set(
        {
            "namespaces": [{"name": "a", "ingress": [{"namespace": "b"}]}],
            "external_namespaces": ["b"],
            "network_mode": "byocni",
            "protect": True,
        }
    )
    kinds = [run.of_type(kind) for kind in ("kubernetes:core/v1:Namespace", CNP, CCNP)]
    assert all(kinds)
    for registration in [r for registrations in kinds for r in registrations]:
        assert registration.protect, registration.name
    unprotected = _policy_set({"namespaces": [{"name": "a"}], "network_mode": "byocni"})
    assert not any(r.protect for r in unprotected.of_type("kubernetes:core/v1:Namespace"))


def test_depends_on_reaches_every_child_of_each_component() -> None:
    def program() -> None:
        gate = k8s.core.v1.ConfigMap("gate")
        opts = pulumi.ResourceOptions(depends_on=[gate])
        NetworkPolicySet(
            "set",
            NetworkPolicySetArgs(
                namespaces=[{"name": "a", "egress": [{"fqdn": "api.example.com", "ports": [{"port": 443}]}]}], network_mode="byocni"
            ),
            opts,
        )
        DemoApp("demo", DemoAppArgs(app_namespace=pulumi.Output.from_input("demo"), client_namespace="client"), opts)
        ConnectivityCheck(
            "check",
            ConnectivityCheckArgs(
                sources=[
                    {"namespace": "client", "probes": [{"name": "x", "url": "https://x.example.com", "allowed": False}]},
                    {"namespace": "web", "probes": [{"name": "y", "url": "http://y", "allowed": True}]},
                ],
                listeners=[{"namespace": "web", "ports": [8080, 8443]}],
                outsider_probes=[{"name": "y", "url": "http://y", "allowed": False}],
                outsider_egress_to=["demo"],
                policy_fingerprint=pulumi.Output.from_input("abc"),
            ),
            opts,
        )

    run = run_callable(program)
    gate = run.one("kubernetes:core/v1:ConfigMap", "gate")
    children = [r for r in run.registrations if r.type.startswith("kubernetes:") and r.name != "gate"]
    assert len(children) >= 10
    for child in children:
        assert gate.urn in child.dependencies, child.name


def test_demo_pods_start_under_run_as_non_root() -> None:
    """The kubelet refuses runAsNonRoot with a non-numeric image user such as curl_user (curl/curl-docker issue #62):
    every container names its numeric user and group, and every image is pinned by digest. The mesh example runs the
    demo's app the same way."""

    def program() -> None:
        DemoApp("demo", DemoAppArgs(app_namespace="demo", client_namespace="client"))
        ConnectivityCheck(
            "check",
            ConnectivityCheckArgs(
                sources=[{"namespace": "client", "probes": [{"name": "x", "url": "http://x", "allowed": True}]}],
                listeners=[{"namespace": "web", "ports": [8080, 8443]}],
            ),
        )
        GlobalServiceExample("echo", GlobalServiceExampleArgs(namespace="mesh-echo", cluster_names=["aks-east", "aks-west"]))

    run = run_callable(program)
    pods = [
        r.inputs["spec"]["template"]["spec"] for r in run.of_type("kubernetes:apps/v1:Deployment") + run.of_type("kubernetes:batch/v1:Job")
    ]
    assert len(pods) == 5
    for pod in pods:
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            # Numbers cross the engine's protobuf Struct as floats; a whole number is what the kubelet gets.
            assert context["runAsUser"] == int(context["runAsUser"]) > 0
            assert context["runAsGroup"] == int(context["runAsGroup"]) > 0
            assert "@sha256:" in container["image"]
            assert len(container["image"].split("@sha256:")[1]) == 64
            # Nothing is written outside the scratch volume, and no pod holds an API token it does not use.
            assert context["readOnlyRootFilesystem"] is True
            assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]
        assert pod["automountServiceAccountToken"] is False
        assert [v["name"] for v in pod["volumes"]] == ["scratch"]


def test_connectivity_check_needs_its_probes_and_a_positive_control_for_each_outsider_probe() -> None:
    refused = refusal(
        lambda: ConnectivityCheck(
            "check",
            {
                "sources": [{"namespace": "client", "probes": [{"name": "x"}]}, {"namespace": "Web", "probes": []}],  # type: ignore[typeddict-item]
                "outsider_probes": [{"name": "y", "url": "http://demo-app.demo", "allowed": False}],
                "outsider_egress_to": ["demo"],
                "listeners": [
                    {"namespace": "kube-system", "ports": [8080]},
                    {"namespace": "web", "ports": []},
                    {"namespace": "web", "ports": [0, 8080, 8080, True, 65536]},  # type: ignore[list-item]
                ],
            },
        )
    )
    paths = {p["property_path"] for p in refused.errors or []}
    assert paths == {
        "sources[0].probes[0].url",
        "sources[0].probes[0].allowed",
        "sources[1].namespace",
        "sources[1].probes",
        "outsider_probes[0]",
        "listeners[0].namespace",
        "listeners[1].ports",
        "listeners[2].namespace",
        "listeners[2].ports[0]",
        "listeners[2].ports[2]",
        "listeners[2].ports[3]",
        "listeners[2].ports[4]",
    }
    assert refusal(lambda: DemoApp("demo", {"app_namespace": "demo"}))  # type: ignore[typeddict-item]


def test_the_probe_namespace_is_protected_only_when_asked() -> None:
    """A stack that protects its namespaces protects the check's too (the pack's stateful-resources-protected covers
    every Namespace in prod); without the flag it inherits the component's own protect, as any child does."""

    def check(**extra: bool) -> None:
        ConnectivityCheck(
            "check",
            ConnectivityCheckArgs(
                sources=[{"namespace": "web", "probes": [{"name": "y", "url": "http://y", "allowed": True}]}],
                outsider_probes=[{"name": "y", "url": "http://y", "allowed": False}],
                outsider_egress_to=["web"],
                **extra,  # type: ignore[typeddict-item]
            ),
        )

    def outsider_protected(**extra: bool) -> bool:
        return run_callable(lambda: check(**extra)).one("kubernetes:core/v1:Namespace").protect

    assert outsider_protected(protect_outsider_namespace=True) is True
    assert not outsider_protected()
    assert not outsider_protected(protect_outsider_namespace=False)


def test_a_probe_verdict_needs_its_cause() -> None:
    """Denied means resolved (or an address), then timed out (curl exit 28, CURLE_OPERATION_TIMEDOUT); allowed means
    the TCP handshake completed or the host reset it; a name that did not resolve fails the probe either way."""
    script = check_script([{"name": "n", "url": "https://n", "allowed": False}])
    assert '[ "$rc" = 28 ]' in script
    assert '[ "$lookup" != 0.000000 ]' in script
    assert 'got="failed' in script


# (expected verdict, URL, curl exit code, time_namelookup, time_connect) -> whether the probe passes
PROBE_OUTCOMES = {
    "answered": ("allowed", "https://probe.example.com", 0, "0.012000", "0.020000", True),
    "connected, then the tls handshake failed": ("allowed", "https://probe.example.com", 35, "0.003000", "0.010000", True),
    "reset by the host": ("allowed", "http://probe.example.com:5432", 7, "0.002000", "0.000000", True),
    "dropped after resolving": ("denied", "https://probe.example.com", 28, "0.004000", "0.000000", True),
    "an address dropped": ("denied", "https://203.0.113.9", 28, "0.000000", "0.000000", True),
    "lookup timed out": ("denied", "https://probe.example.com", 28, "0.000000", "0.000000", False),
    "no such name or refused by the dns proxy": ("denied", "https://probe.example.com", 6, "0.000000", "0.000000", False),
    "reached when a drop was expected": ("denied", "https://probe.example.com", 7, "0.002000", "0.000000", False),
    "expected to connect, got a drop": ("allowed", "https://probe.example.com", 28, "0.004000", "0.000000", False),
}


@pytest.mark.parametrize("outcome", PROBE_OUTCOMES.values(), ids=PROBE_OUTCOMES.keys())
def test_the_check_script_passes_a_probe_only_for_its_cause(tmp_path: Any, outcome: tuple[str, str, int, str, str, bool]) -> None:
    """The script run by /bin/sh against a stand-in curl. curl's exit codes (curl man page, EXIT CODES): 6 could not
    resolve host (what the DNS proxy's REFUSED becomes), 7 failed to connect, 28 operation timed out, 35 TLS handshake,
    60 peer certificate; time_namelookup stays 0 when no name was resolved. Cilium drops denied packets silently by
    default, so a policy drop is a timeout (cilium/cilium Documentation/security/policy/intro.rst, "Policy Deny
    Response Handling": `none`, the default in ../shared/cilium/1.20.0/values.yaml `policyDenyResponse`)."""
    verdict, url, code, lookup, connect, passes = outcome
    script = check_script([{"name": "probe", "url": url, "allowed": verdict == "allowed"}])
    result = run_script(script, tmp_path, {url: (code, lookup, connect)})
    assert (result.returncode == 0) is passes, result.stdout


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a-.*_1", min_size=20, max_size=400))
def test_fqdn_validation_runs_in_linear_time(value: str) -> None:
    """The CRD's own regex backtracks exponentially in Python (28 characters took 12.7 s, issue #15); the check
    that replaces it answers any input of up to 400 characters within milliseconds."""
    started = time.perf_counter()
    fqdn_selector_problem(value)
    fqdn_selector_problem(value + "!")
    assert time.perf_counter() - started < 0.05


def test_stack_keys_reach_the_component(run_stack: RunStack) -> None:
    namespaces = {"demo": {"webhookPorts": [9443, 8443]}, "client": {"metadataEndpoints": True}}
    run = run_stack("dev", namespaces=json.dumps(namespaces), protectNamespaces="true", expectations="[]")
    webhook = run.one(CNP, "policies-demo-tenant-allow").inputs["spec"]["ingress"][-1]["toPorts"][0]["ports"]
    assert webhook == [{"port": "9443", "protocol": "TCP"}, {"port": "8443", "protocol": "TCP"}]
    client = run.one("kubernetes:core/v1:Namespace", "policies-client").inputs["metadata"]["labels"]
    assert client["aks-cilium.io/metadata-endpoints"] == "allowed"
    assert run.one("kubernetes:core/v1:Namespace", "policies-demo").protect
    assert run_stack("prod").one("kubernetes:core/v1:Namespace", "policies-payments").protect


def test_a_kubeconfig_output_gives_the_set_its_own_provider() -> None:
    """Languages that cannot pass a provider pass the kubeconfig; every child is created through the set's own."""
    run = _policy_set(
        {
            "namespaces": [{"name": "a", "egress": [{"fqdn": "api.example.com", "ports": [{"port": 443}]}]}],
            "network_mode": "byocni",
            "kubeconfig": pulumi.Output.from_input("apiVersion: v1"),
            "cluster_identifier": pulumi.Output.from_input("/subscriptions/x/clusters/y"),
        }
    )
    provider = run.one("pulumi:providers:kubernetes")
    children = run.of_type("kubernetes:core/v1:Namespace") + run.of_type(CNP) + run.of_type(CCNP)
    assert children
    for child in children:
        assert (child.provider or "").startswith(provider.urn), child.name
