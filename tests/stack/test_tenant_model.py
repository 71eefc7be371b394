"""The per-namespace model in stack config: what it accepts, what it refuses (naming the key, the namespace and the path),
and the flat keys of earlier releases, refused with their translation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aks_cilium.network_policy.args import PeerContext, namespace_entry_problems
from aks_cilium.network_policy.builders import OUTSIDE_ENTITIES
from offline.plan import main
from offline.stack_config import PROJECT_DIR, load_stack_config
from stack_settings import ConfigError, load_settings, project_config
from stack_settings.tenants import ALLOW_KEYS, NAMESPACE_KEYS, config_path, translate_flat_keys
from tests.support.stacks import RunStack, declared_namespaces, example_keys, stack_config, with_overrides

REFUSALS: dict[str, tuple[dict[str, object], str]] = {
    "kube-system managed": ({"kube-system": {}}, "kube-system: is a Kubernetes system namespace"),
    "default managed": ({"default": {}}, "default: is a Kubernetes system namespace"),
    "the chart's secrets namespace": ({"cilium-secrets": {}}, "cilium-secrets: is created by Cilium's chart"),
    "the check's namespace": ({"aks-cilium-probe": {}}, "aks-cilium-probe: is the connectivity check's own namespace"),
    "an add-on's namespace": ({"app-routing-system": {}}, "app-routing-system: is created by an AKS add-on"),
    "a typo'd source": ({"demo": {"ingress": [{"namespace": "clinet"}]}}, "demo.ingress[0].namespace: 'clinet' is neither managed"),
    "a pattern over a public suffix": (
        {"demo": {"egress": [{"fqdn": "*.com", "ports": [443]}]}},
        "demo.egress[0].fqdn: '*.com' matches names",
    ),
    "two wildcard levels over .com": ({"demo": {"egress": [{"fqdn": "*.*.com"}]}}, "demo.egress[0].fqdn: '*.*.com' matches names"),
    "port 0": ({"demo": {"ingress": [{"namespace": "client", "ports": [0]}]}}, "demo.ingress[0].ports[0].port: 0 is outside 1-65535"),
    "port 65536": ({"demo": {"egress": [{"cidr": "203.0.113.0/24", "ports": [65536]}]}}, "demo.egress[0].ports[0].port: 65536 is outside"),
    "a cidr in the pod cidr": (
        {"demo": {"egress": [{"cidr": "10.248.3.0/24"}]}},
        "demo.egress[0].cidr: 10.248.3.0/24 overlaps the cluster's",
    ),
    "a cidr around the service cidr": (
        {"demo": {"egress": [{"cidr": "10.0.0.0/8"}]}},
        "demo.egress[0].cidr: 10.0.0.0/8 overlaps the cluster's",
    ),
    "an exception outside its cidr": (
        {"demo": {"egress": [{"cidr": "203.0.113.0/24", "except": ["198.51.100.0/24"]}]}},
        "demo.egress[0].except[0]: 198.51.100.0/24 is not inside",
    ),
    "egress to a managed namespace": ({"demo": {"egress": [{"namespace": "client"}]}}, "demo.egress[0].namespace: 'client' is managed"),
    "Cilium's Ingress, which no Cilium here runs": (
        {"demo": {"ingress": [{"outside": "ciliumIngress", "ports": [8080]}]}},
        "demo.ingress[0].outside: ciliumIngress is refused",
    ),
    "a cidr around IMDS": (
        {"demo": {"egress": [{"cidr": "169.254.169.254/32", "ports": [80]}]}},
        "demo.egress[0].cidr: 169.254.169.254/32 contains IMDS 169.254.169.254: reach it with `metadataEndpoints: true`",
    ),
    "a cidr around WireServer": (
        {"demo": {"egress": [{"cidr": "168.63.0.0/16"}]}},
        "demo.egress[0].cidr: 168.63.0.0/16 contains WireServer 168.63.129.16",
    ),
    "an empty ports list": (
        {"demo": {"ingress": [{"namespace": "client", "ports": []}]}},
        "demo.ingress[0].ports: must name at least one port (leave ports out to allow every port)",
    ),
    "an unknown key": ({"demo": {"ingres": []}}, "demo.ingres: is not a setting of a namespace"),
    "a port that is not one": (
        {"demo": {"ingress": [{"namespace": "client", "ports": ["http"]}]}},
        "demo.ingress[0].ports[0]: 'http' is not a port",
    ),
}


def _refusal(**overrides: str) -> ConfigError:
    """The ConfigError dev's settings raise with `overrides`: the stack layer's own check, which the program runs before
    any resource exists (test_a_refused_model_exits_2_and_writes_no_plan runs the whole path once)."""
    config = with_overrides(stack_config("dev"), overrides)
    with pytest.raises(ConfigError) as caught:
        load_settings(project_config(config.values), "dev", example_keys=example_keys(config))
    return caught.value


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refusal_names_the_key_the_namespace_and_the_path(case: tuple[dict[str, object], str]) -> None:
    tenants, message = case
    refusal = _refusal(namespaces=json.dumps({"demo": {}, "client": {}, **tenants}))
    assert refusal.keys == {"namespaces"}
    assert f"aks-cilium:namespaces.{message}" in str(refusal)


@pytest.mark.parametrize("ports", [[], [70000], ["http"]], ids=["empty", "out of range", "not a port"])
@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_the_fix_for_a_bad_port_sets_one_and_never_widens_to_every_port(direction: str, ports: list[object]) -> None:
    """Removing an allowance's ports, or its last port, would allow every port: the printed fix sets a port instead."""
    peer = {"namespace": "client"} if direction == "ingress" else {"cidr": "203.0.113.0/24"}
    refusal = _refusal(namespaces=json.dumps({"demo": {direction: [{**peer, "ports": ports}]}, "client": {}}))
    assert [problem.fix() for problem in refusal.problems] == [
        f"pulumi config set --path 'namespaces.demo.{direction}[0].ports[0]' '<port, like 443 or 53/UDP>'"
    ]


def test_the_check_namespace_is_not_an_external_namespace() -> None:
    refusal = _refusal(externalNamespaces=json.dumps(["monitoring", "aks-cilium-probe"]))
    assert refusal.keys == {"externalNamespaces"}
    assert "'aks-cilium-probe' is the connectivity check's own namespace" in str(refusal)


def test_every_problem_of_the_model_is_reported_in_one_run() -> None:
    namespaces = {"demo": {"ingress": [{"namespace": "clinet", "ports": [0]}]}, "client": {"egress": [{"fqdn": "*.com"}]}, "default": {}}
    assert len(_refusal(namespaces=json.dumps(namespaces)).problems) == 4


def test_the_stack_layer_reports_the_librarys_own_rules_at_config_paths() -> None:
    """One rule in one place: each problem the component would raise reaches the stack file with its path spelled as there."""
    entry = {
        "name": "demo",
        "egress": [{"cidr": "10.0.0.0/8", "except_cidrs": ["192.0.2.0/24"]}, {"api_server": True, "cidr": "1.2.3.0/24"}],
    }
    context = PeerContext(managed=frozenset({"demo"}), external=frozenset(), byocni=True, l7=True)
    paths = [path for path, _ in namespace_entry_problems(entry, context)]
    assert paths == ["egress[0].except_cidrs[0]", "egress[1]"]
    assert config_path(paths[0]) == "egress[0].except[0]"


def test_flat_keys_are_refused_with_the_block_that_replaces_them() -> None:
    flat = {
        "namespaces": '["demo", "client"]',
        "namespaceAllowFrom": '["demo:client"]',
        "fqdnAllowlist": '["client:google.com"]',
        "webhookPorts": '["demo:9443"]',
        "metadataEndpointNamespaces": '["client"]',
    }
    refusal = _refusal(**flat)
    assert refusal.keys == set(flat)
    message = str(refusal)
    block = message[message.index("aks-cilium:namespaces: {") + len("aks-cilium:namespaces: ") :].split("\n  - ")[0]
    block = block.split(". Fix:")[0]
    assert json.loads(block) == {
        "demo": {"ingress": [{"namespace": "client"}], "webhookPorts": [9443]},
        "client": {"egress": [{"fqdn": "google.com", "ports": [443, 80]}], "metadataEndpoints": True},
    }


def test_the_translation_runs_on_the_new_model_unchanged(run_stack: RunStack) -> None:
    """What the refusal prints is a valid stack value that means what the flat keys meant."""
    model = translate_flat_keys(
        {"namespaces": ["demo", "client"], "namespaceAllowFrom": ["demo:client"], "fqdnAllowlist": ["client:google.com"]}
    )
    run = run_stack("dev", namespaces=json.dumps(model), expectations="[]")  # dev's name namespaces the model drops
    policies = {r.name: r.inputs["spec"] for r in run.of_type("kubernetes:cilium.io/v2:CiliumNetworkPolicy")}
    assert {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "client"}}]} in policies["policies-demo-tenant-allow"][
        "ingress"
    ]


def test_every_managed_namespace_of_both_stacks_admits_itself_unless_turned_off(run_stack: RunStack) -> None:
    """The issue's first finding: default deny applied to every pod and nothing allowed traffic within a namespace. Each
    namespace the stack files declare is judged by its own `intraNamespace`; between them the stacks show both values.
    A selector with the namespace label matches that namespace's pods (cilium/cilium
    Documentation/security/policy/kubernetes.rst, "Namespaces")."""
    seen = set()
    for stack in ("dev", "prod"):
        declared = declared_namespaces(stack)
        run = run_stack(stack)
        managed = [n.inputs["metadata"]["name"] for n in run.of_type("kubernetes:core/v1:Namespace") if n.name.startswith("policies-")]
        assert sorted(managed) == sorted(declared), stack
        policies = {
            r.inputs["metadata"].get("namespace"): r.inputs["spec"] for r in run.of_type("kubernetes:cilium.io/v2:CiliumNetworkPolicy")
        }
        for namespace in managed:
            itself = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": namespace}}
            spec = policies.get(namespace, {})
            within = declared[namespace].get("intraNamespace", True)
            assert ({"fromEndpoints": [itself]} in spec.get("ingress", [])) is within, (stack, namespace)
            assert ({"toEndpoints": [itself]} in spec.get("egress", [])) is within, (stack, namespace)
            seen.add(within)
    assert seen == {True, False}


def test_a_refused_model_exits_2_and_writes_no_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The offline plan's contract for invalid config: exit 2, the key and the namespace named, no plan folder written."""
    bad = with_overrides(
        load_stack_config("dev"), {"namespaces": json.dumps({"demo": {"ingress": [{"namespace": "clinet"}]}, "client": {}})}
    )
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: bad)
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    captured = capsys.readouterr()
    assert "aks-cilium:namespaces.demo.ingress[0].namespace: 'clinet'" in captured.out + captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "plan").exists()


def test_the_docs_give_every_construct_an_example_and_its_meaning_on_the_wire() -> None:
    """#21's Done-when: the docs describe the model with an example per construct. Every key of a namespace and of an
    allowance, and every way in from outside, appears in a row's config example of docs/network-policy.md's table, and
    that row says what happens on the wire."""
    text = (PROJECT_DIR / "docs" / "network-policy.md").read_text()
    rows = [line.split(" | ") for line in text.split("| construct | config |")[1].split("\n\n")[0].splitlines()[2:]]
    assert all(len(row) == 4 and row[3].strip(" |") for row in rows)
    keys = {*NAMESPACE_KEYS, *(key for keys in ALLOW_KEYS.values() for key in keys)} - {"ingress", "egress"}
    examples = [f"{key}:" for key in sorted(keys)] + [f"outside: {how}" for how in OUTSIDE_ENTITIES]
    for example in examples:
        assert any(example in row[1] for row in rows), example
