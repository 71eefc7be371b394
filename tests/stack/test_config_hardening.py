"""Property-based hardening of the configuration, secrets, and failure behaviour."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks_cilium.testing import SECRET, AzureMocks, InjectedFailureError
from offline.engine import run_program
from offline.plan import main as plan_main
from offline.stack_config import StackConfig
from tests.support.artifacts import CRD_PATH, requires_artifacts
from tests.support.crd import cnp_errors
from tests.support.program_settings import program_config_error
from tests.support.stacks import SHARED_STACK_VALUES, RunStack, stack_config, with_overrides

# Generated configs run the whole program and the plan: out of `make test-fast`.
pytestmark = pytest.mark.slow

PROGRAM_RUNS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
POD_CIDRS = ("10.244.0.0/16", "10.128.0.0/14", "192.168.0.0/16", "100.64.0.0/16")
SERVICE_CIDRS = ("10.0.0.0/16", "10.96.0.0/16", "172.16.0.0/16")
namespace_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,14}[a-z0-9]\Z").filter(
    lambda n: not n.startswith("kube-") and n not in ("demo", "client")
)
dns_names = st.lists(st.from_regex(r"\A[a-z][a-z0-9]{0,9}\Z"), min_size=1, max_size=2).map(lambda labels: ".".join([*labels, "com"]))


@st.composite
def valid_overrides(draw: st.DrawFn, byocni: bool) -> dict[str, str]:
    security = not byocni and draw(st.booleans())
    names = draw(st.lists(namespace_names, max_size=4, unique=True))
    model: dict[str, dict[str, Any]] = {}
    ports = st.lists(st.integers(1, 65535), max_size=3, unique=True)
    for name in names:
        sources = st.sampled_from([n for n in names if n != name] + ["kube-system", "ingress-nginx"])
        entry: dict[str, Any] = {"intraNamespace": draw(st.booleans())}
        # No ports drawn: the allowance leaves `ports` out, the model's way to every port (`ports: []` is refused).
        allowances = [{"namespace": source, "ports": draw(ports)} for source in draw(st.lists(sources, max_size=3, unique=True))]
        entry["ingress"] = [{k: v for k, v in allow.items() if v != []} for allow in allowances]
        entry["egress"] = [{"apiServer": True, "ports": [443]}] if draw(st.booleans()) else []
        if byocni or security:
            patterns = st.one_of(dns_names, dns_names.map(lambda n: f"*.{n}"))
            entry["egress"] += [{"fqdn": fqdn, "ports": [443]} for fqdn in draw(st.lists(patterns, max_size=2, unique=True))]
        model[name] = entry
    service = draw(st.sampled_from(SERVICE_CIDRS))
    system_min, user_min = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    overrides = {
        "networkMode": "byocni" if byocni else "azure-cilium",
        "kubernetesVersion": draw(st.sampled_from(["1.36", "1.37"])),
        "podCidr": draw(st.sampled_from(POD_CIDRS)),
        "serviceCidr": service,
        "dnsServiceIp": str(ipaddress.IPv4Network(service).network_address + draw(st.integers(10, 250))),
        "maxPodsPerNode": str(draw(st.integers(50, 250))),
        "availabilityZones": json.dumps(draw(st.lists(st.sampled_from(["1", "2", "3"]), unique=True))),
        "systemPoolMinCount": str(system_min),
        "systemPoolMaxCount": str(system_min + draw(st.integers(0, 5))),
        "userPoolMinCount": str(user_min),
        "userPoolMaxCount": str(user_min + draw(st.integers(0, 5))),
        "namespaces": json.dumps(model),
        "externalNamespaces": '["kube-system", "ingress-nginx"]',
        "demo": "false",
        "connectivityCheck": "false",
        "advancedNetworkingSecurity": json.dumps(security),
        "advancedNetworkingObservability": json.dumps(observability := not byocni and draw(st.booleans())),
        # Flow logs come from Hubble's exporter (byocni) or ACNS observability, nowhere else.
        "flowLogs": json.dumps((byocni or observability) and draw(st.booleans())),
    }
    if byocni:
        overrides["wireguard"] = json.dumps(draw(st.booleans()))
    return overrides


LETTERS = st.characters(categories=["L"])


def not_a_label(text: str) -> bool:
    return not text.isascii() or text != text.lower() or " " in text or "_" in text


INVALID_VALUES: dict[str, st.SearchStrategy[str]] = {
    "podCidr": st.sampled_from(["10.0.0.0/16", "169.254.0.0/16", "pods", "10.244.0.1/16", "10.244.0.0/25", "10.208.0.0/16"]),
    "serviceCidr": st.sampled_from(["10.248.0.0/16", "172.31.0.0/16", "10.0.0.0/40", ""]),
    "maxPodsPerNode": st.one_of(st.integers(max_value=49).map(str), st.integers(min_value=251).map(str), st.text(LETTERS, min_size=1)),
    "location": st.text(min_size=1, max_size=20).filter(lambda t: not t.isascii() or not t.isalnum() or not t.islower() or t[0].isdigit()),
    "kubernetesVersion": st.text(max_size=8).filter(lambda t: not t.startswith("1.3")),
    "ciliumVersion": st.sampled_from(["^1.20.0", "1.20", "latest", "~1.20.0", "1.20.x", ""]),
    "systemPoolVmSize": st.text(st.characters(categories=["Ll"]), min_size=1, max_size=12),
    "networkMode": st.text(max_size=12).filter(lambda t: t.strip() not in ("byocni", "azure-cilium")),
    "privateCluster": st.text(max_size=6).filter(lambda t: t.strip().lower() not in ("true", "false")),
    "namespaces": st.lists(st.text(min_size=1, max_size=8).filter(not_a_label), min_size=1, max_size=3).map(json.dumps),
    "fqdnAllowlist": st.text(min_size=1, max_size=12).map(lambda name: json.dumps([f"client:{name} x"])),
    "dnsServiceIp": st.sampled_from(["10.0.0.0", "10.0.0.1", "10.1.0.10", "192.168.0.10", "dns"]),
}  # fmt: skip


def dev_with(overrides: dict[str, str], secrets: tuple[str, ...] = ()) -> StackConfig:
    return with_overrides(stack_config("dev"), overrides, secrets)


# Per network mode: 2 x 6 programs where 20 drew the mode by chance (about 0.3 CPU-s each).
PROGRAMS_PER_MODE = settings(PROGRAM_RUNS, max_examples=6)


@requires_artifacts
@pytest.mark.parametrize("byocni", [True, False], ids=["byocni", "azure-cilium"])
@PROGRAMS_PER_MODE
@given(data=st.data())
def test_random_valid_config_is_accepted_and_renders_valid_manifests(byocni: bool, data: st.DataObject) -> None:
    """Generated valid configs run the whole program, which must accept them, and every policy and namespace it makes
    is valid against its schema. The network mode decides most of what the program builds (the Helm release, FQDN
    rules only with it or ACNS security, WireGuard or ACNS options), so each mode gets its own generated configs in
    every run instead of a share that chance decided; within a mode every other setting is drawn as before."""
    overrides = data.draw(valid_overrides(byocni))
    # dev's expectations name dev's namespaces, which the drawn map replaces.
    run = run_program(dev_with({**overrides, "expectations": "[]"}))
    policies = run.of_type("kubernetes:cilium.io/v2:CiliumNetworkPolicy")
    clusterwide = run.of_type("kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy")
    # The shared baseline is cluster-wide; each namespace adds only what differs.
    assert len(clusterwide) >= 2
    for policy in policies:
        assert cnp_errors(CRD_PATH, policy.inputs) == [], policy.name
    for policy in clusterwide:
        assert cnp_errors(CRD_PATH.parent / "ciliumclusterwidenetworkpolicies.yaml", policy.inputs) == [], policy.name
    for namespace in run.of_type("kubernetes:core/v1:Namespace"):
        kubernetes_validate.validate(namespace.inputs, "1.33", strict=True)
    assert (run.of_type("kubernetes:helm.sh/v3:Release") != []) is (overrides["networkMode"] == "byocni")


@PROGRAM_RUNS
@given(st.data())
def test_random_invalid_value_is_refused_naming_its_key(data: st.DataObject) -> None:
    """Through the program's config check (tests/support/program_settings.py), the statement that stops the program
    before it registers anything; tests/stack/test_settings_errors.py runs the whole program for each family of rules
    and proves it raises that check's error with nothing registered."""
    key = data.draw(st.sampled_from(sorted(INVALID_VALUES)))
    value = data.draw(INVALID_VALUES[key])
    error = program_config_error(dev_with({key: value}))
    assert error.keys, str(error)
    assert key in error.keys or (key == "serviceCidr" and "podCidr" in error.keys)


def test_a_failed_resource_names_itself() -> None:
    with pytest.raises(InjectedFailureError, match="ManagedCluster 'aks-cluster'"):
        run_program(stack_config("dev"), AzureMocks(fail_on=frozenset({"aks-cluster"})))


def test_the_plan_exits_1_with_the_failed_resource(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert plan_main(["--stack", "dev", "--out", str(tmp_path / "out"), "--fail-on", "cilium-release"]) == 1
    err = capsys.readouterr().err
    assert "kubernetes:helm.sh/v3:Release 'cilium-release' failed" in err
    assert "Traceback" not in err


SECRET_GROUP = "5e1ec7ed-0000-4000-8000-00000000beef"
SECRET_VALUES = '{"debug": {"enabled": true, "verbose": "s3cr3t-token-value"}}'


def test_secret_config_stays_secret_in_resources(run_stack: RunStack) -> None:
    run = run_stack(
        "dev",
        secrets=("adminGroupObjectIds", "ciliumExtraValues"),
        adminGroupObjectIds=json.dumps([SECRET_GROUP]),
        ciliumExtraValues=SECRET_VALUES,
    )
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    assert cluster.inputs["aadProfile"]["adminGroupObjectIDs"] == SECRET
    assert run.one("kubernetes:helm.sh/v3:Release").inputs["values"] == SECRET


def test_secrets_never_reach_plan_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    config = dev_with(
        {"adminGroupObjectIds": json.dumps([SECRET_GROUP]), "ciliumExtraValues": SECRET_VALUES},
        ("adminGroupObjectIds", "ciliumExtraValues"),
    )
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: config)
    out = tmp_path / "plan"
    assert plan_main(["--stack", "dev", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files
    for text in [printed.out, printed.err, *(p.read_text() for p in files)]:
        assert SECRET_GROUP not in text
        assert "s3cr3t-token-value" not in text


def test_invalid_secret_value_is_not_echoed() -> None:
    error = program_config_error(dev_with({"kubeloginTenantId": "tenant-s3cr3t"}, ("kubeloginTenantId",)))
    assert error.keys == {"kubeloginTenantId"}
    assert "tenant-s3cr3t" not in str(error)
    assert "[secret]" in str(error)


def test_structural_keys_cannot_be_secret() -> None:
    assert program_config_error(dev_with({}, ("networkMode", "podCidr"))).keys == {"networkMode", "podCidr"}


def test_derived_cluster_name_is_checked() -> None:
    """The derived name is Cilium's cluster name: at most 32 characters (../shared/cilium/1.20.0/values.yaml,
    `cluster.name`). It is also the AKS DNS prefix: 1-54 letters, digits or hyphens, alphanumeric at both ends, as
    hashicorp/terraform-provider-azurerm checks it (internal/services/containers/validate/kubernetes.go,
    `KubernetesDNSPrefix`); no Microsoft page read states that limit."""
    config = stack_config("dev")
    long_stack = StackConfig(config.project, "feature-" + "x" * 40, config.values, config.secret_keys)
    error = program_config_error(with_overrides(long_stack, {"namePrefix": "platform-networking", **SHARED_STACK_VALUES}))
    assert error.keys == {"namePrefix"}


def test_system_namespaces_may_be_sources(run_stack: RunStack) -> None:
    namespaces = '{"demo": {"ingress": [{"namespace": "client"}, {"namespace": "kube-system"}]}, "client": {}}'
    run = run_stack("dev", namespaces=namespaces, externalNamespaces='["kube-system"]', expectations="[]")
    spec: dict[str, Any] = run.one("kubernetes:cilium.io/v2:CiliumNetworkPolicy", "policies-demo-tenant-allow").inputs["spec"]
    labels = [e["matchLabels"]["k8s:io.kubernetes.pod.namespace"] for rule in spec["ingress"] for e in rule["fromEndpoints"]]
    assert labels == ["demo", "client", "kube-system"]
