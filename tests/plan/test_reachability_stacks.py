"""Both stacks' plans through the analyser: the blog's verdicts, a hand-written table per kind of flow, the coverage
and shape of reachability.json, expectations that fail the plan, --explain and --diff."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import plan as offline_plan
from offline.engine import plan_mocks
from offline.plan import EXIT_EXPECTATIONS, main, ordered, stack_expectations
from offline.reachability import Analysis, analyse
from offline.stack_config import StackConfig, load_stack_config, shipped_examples
from tests.support.artifacts import requires_artifacts
from tests.support.plan_steps import shared_run
from tests.support.stacks import stack_config, with_overrides

Row = tuple[str, str, str, int, str, str]


@pytest.fixture(scope="module")
def dev_flows(dev_plan: tuple[int, Path]) -> dict[tuple[str, str, str, int, str], dict[str, Any]]:
    _, out = dev_plan
    flows = json.loads((out / "reachability.json").read_text())["flows"]
    return {(f["from"]["namespace"], *next(iter(f["to"].items())), f["port"], f["protocol"]): f for f in flows}


@pytest.fixture(scope="module")
def prod() -> Analysis:
    config = stack_config("prod")
    return analyse(ordered(shared_run(config, plan_mocks())), stack_expectations(config))


# The blog's scenario (issue #22, "Done when"); `default`, which the stack does not manage, is a namespace no policy
# lets into demo.
BLOG: list[Row] = [
    ("client", "namespace", "demo", 8080, "TCP", "allowed"),
    ("default", "namespace", "demo", 8080, "TCP", "denied"),
    ("client", "fqdn", "google.com", 443, "TCP", "allowed"),
    ("client", "fqdn", "github.com", 443, "TCP", "denied"),
    ("demo", "cidr", "169.254.169.254/32", 80, "TCP", "denied"),
]

# One row per kind of flow, verdicts worked out by hand from the stack files and the baseline's policies.
DEV: list[Row] = [
    *BLOG,
    ("demo", "namespace", "client", 443, "TCP", "denied"),  # the pair opens client -> demo only
    ("client", "namespace", "kube-system", 53, "ANY", "allowed"),  # DNS through the proxy (tenant-allow)
    ("demo", "namespace", "kube-system", 53, "ANY", "allowed"),  # DNS without the proxy (allow-kube-dns)
    ("client", "fqdn", "google.com", 80, "TCP", "denied"),  # the name is allowed on 443 only
    ("demo", "namespace", "demo", 8080, "TCP", "allowed"),  # within the namespace
    ("client", "namespace", "client", 443, "TCP", "allowed"),  # within the namespace, every port
    ("demo", "fqdn", "google.com", 443, "TCP", "denied"),  # another namespace's allowlist
    ("client", "entity", "kube-apiserver", 443, "TCP", "allowed"),  # apiServer: true
    ("demo", "entity", "kube-apiserver", 443, "TCP", "denied"),  # only client opens the API server
    ("client", "cidr", "168.63.129.16/32", 80, "TCP", "denied"),  # WireServer blocked
    ("client", "cidr", "1.1.1.1/32", 443, "TCP", "allowed"),  # inside the cidr rule's range
    ("client", "cidr", "1.0.0.1/32", 443, "TCP", "denied"),  # the internet at large
    ("default", "cidr", "1.1.1.1/32", 443, "TCP", "allowed"),  # no policy selects an unmanaged namespace
    ("batch", "namespace", "batch", 8080, "TCP", "denied"),  # intraNamespace: false
    ("batch", "namespace", "demo", 8080, "TCP", "allowed"),  # demo admits batch on the app's port
    ("batch", "cidr", "169.254.169.254/32", 80, "TCP", "allowed"),  # metadataEndpoints: true lifts the block
    ("batch", "cidr", "168.63.129.16/32", 32526, "TCP", "allowed"),  # and opens WireServer's ports
    ("monitoring", "namespace", "demo-operator", 8080, "TCP", "allowed"),  # from an external namespace
    ("monitoring", "namespace", "demo-operator", 9443, "TCP", "denied"),  # the webhook port is konnectivity's
    ("client", "namespace", "demo-operator", 9443, "TCP", "denied"),
    ("demo-operator", "entity", "kube-apiserver", 443, "TCP", "allowed"),
    ("client", "namespace", "monitoring", 9090, "TCP", "allowed"),  # to an external namespace
]

PROD: list[Row] = [
    ("frontend", "namespace", "payments", 8443, "TCP", "allowed"),
    ("payments", "namespace", "frontend", 8080, "TCP", "denied"),
    ("default", "namespace", "payments", 8443, "TCP", "denied"),  # the port frontend gets, closed to others
    ("payments", "fqdn", "api.stripe.com", 443, "TCP", "allowed"),  # explicit DNS patterns, as ACNS needs
    ("frontend", "fqdn", "api.stripe.com", 443, "TCP", "denied"),
    ("payments", "fqdn", "github.com", 443, "TCP", "denied"),
    ("payments", "namespace", "kube-system", 53, "ANY", "allowed"),
    ("frontend", "namespace", "kube-system", 53, "ANY", "allowed"),
    ("payments", "entity", "kube-apiserver", 443, "TCP", "allowed"),
    ("frontend", "entity", "kube-apiserver", 443, "TCP", "denied"),
    ("billing-agent", "cidr", "169.254.169.254/32", 80, "TCP", "allowed"),  # metadataEndpoints: true
    ("payments", "cidr", "169.254.169.254/32", 80, "TCP", "denied"),  # default deny; Azure also blocks WireServer
    ("default", "cidr", "1.1.1.1/32", 443, "TCP", "allowed"),
]


@requires_artifacts  # the plan's exit code is 3 without Cilium's chart
def test_dev_plan_writes_the_reachability_files(dev_plan: tuple[int, Path]) -> None:
    code, out = dev_plan
    assert code == 0
    record = json.loads((out / "plan.json").read_text())
    assert {"reachability.json", "reachability.html"} <= set(record["files"])


@pytest.mark.parametrize("row", DEV, ids=[f"{r[0]}->{r[2]}:{r[3]}" for r in DEV])
def test_dev_verdicts_match_the_hand_written_table(dev_flows: dict[tuple[str, str, str, int, str], dict[str, Any]], row: Row) -> None:
    *key, verdict = row
    flow = dev_flows[tuple(key)]  # type: ignore[index]
    assert flow["verdict"] == verdict, flow["reason"]
    assert flow["reason"], "every verdict names what decided it"


@pytest.mark.parametrize("row", PROD, ids=[f"{r[0]}->{r[2]}:{r[3]}" for r in PROD])
def test_prod_verdicts_match_the_hand_written_table(prod: Analysis, row: Row) -> None:
    source, kind, value, port, protocol, verdict = row
    assert prod.mode.managed
    assert prod.mode.acns_security
    assert prod.judge(source, kind, value, port, protocol).word == verdict


def test_every_flow_has_the_documented_shape(dev_flows: dict[tuple[str, str, str, int, str], dict[str, Any]]) -> None:
    for flow in dev_flows.values():
        assert set(flow) == {"from", "to", "port", "protocol", "verdict", "reason"}
        assert list(flow["from"]) == ["namespace"]
        assert len(flow["to"]) == 1
        assert next(iter(flow["to"])) in ("namespace", "fqdn", "cidr", "entity")
        assert flow["protocol"] in ("TCP", "UDP", "ANY")
        assert flow["verdict"] in ("allowed", "denied")
        assert isinstance(flow["port"], int)
        assert all(isinstance(r, str) for r in flow["reason"])


def test_coverage_spans_what_the_issue_lists(
    dev_plan: tuple[int, Path], dev_flows: dict[tuple[str, str, str, int, str], dict[str, Any]]
) -> None:
    documents = (yaml.safe_load(path.read_text()) for path in (dev_plan[1] / "manifests").glob("*.yaml"))
    managed = {d["metadata"]["name"] for d in documents if d["kind"] == "Namespace"}
    assert {"demo", "client"} <= managed
    sources = {key[0] for key in dev_flows}
    targets = {(key[1], key[2]) for key in dev_flows}
    ports = {(key[3], key[4]) for key in dev_flows}
    assert managed | {"default"} <= sources
    assert {("namespace", n) for n in managed | {"default", "kube-system"}} <= targets, "every namespace, itself included"
    assert {("entity", "kube-apiserver"), ("fqdn", "google.com"), ("fqdn", "www.google.com")} <= targets
    assert {("cidr", "169.254.169.254/32"), ("cidr", "168.63.129.16/32"), ("cidr", "1.1.1.1/32")} <= targets
    assert {(443, "TCP"), (53, "ANY"), (8080, "TCP")} <= ports, "the policies' ports, 443 and the expectations'"
    assert len(dev_flows) == len(sources) * len(targets) * len(ports), "every source against every target on every port"


def test_the_plan_text_shows_the_matrix_and_the_expectations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_steps: None
) -> None:
    assert main(["--stack", "prod", "--examples", str(shipped_examples("prod")), "--out", str(tmp_path / "prod")]) == 0
    text = capsys.readouterr().out
    assert "Reachability (azure-cilium (ACNS security FQDN))" in text
    assert "to \\ from" in text
    assert "fqdn:api.stripe.com" in text
    declared = len(stack_expectations(stack_config("prod")))
    assert f"Expectations: {declared} of {declared} hold" in text


@requires_artifacts  # the plan's exit code is 3 without Cilium's chart
def test_the_docs_expectations_example_holds_on_dev() -> None:
    """docs/reachability.md's example block, judged against dev's policies (dev's shared run; only the expectations
    are the docs')."""
    text = (Path(__file__).parents[2] / "docs" / "reachability.md").read_text()
    block = re.search(r"```yaml\n(aks-cilium:expectations:\n.*?)```", text, re.DOTALL)
    assert block, "docs/reachability.md has its expectations example"
    lines = yaml.safe_load(block.group(1))["aks-cilium:expectations"]
    config = stack_config("dev")
    docs = with_overrides(config, {"expectations": json.dumps(lines)})
    analysis = analyse(ordered(shared_run(config, plan_mocks())), stack_expectations(docs))
    assert len(analysis.expectations) == len(lines)
    assert [result.render() for result in analysis.contradicted] == []


def test_a_contradicted_expectation_fails_the_plan_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared_steps: None
) -> None:
    lines = ["client -> demo:8080 allow", "client -> github.com:443 allow", "demo -> client:8080 allow"]
    config = with_overrides(load_stack_config("dev"), {"expectations": json.dumps(lines)})
    monkeypatch.setattr(offline_plan, "load_stack_config", lambda stack, **_: config)
    assert main(["--stack", "dev", "--out", str(tmp_path / "dev")]) == EXIT_EXPECTATIONS
    errors = capsys.readouterr().err
    assert "expectation contradicted: FAIL client -> github.com:443 allow: denied" in errors
    assert "expectation contradicted: FAIL demo -> client:8080 allow: denied" in errors
    assert "client -> demo:8080 allow" not in errors
    assert json.loads((tmp_path / "dev" / "plan.json").read_text())["status"] == "expectations-contradicted"


def test_explain_prints_the_verdict_and_the_deciding_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_steps: None) -> None:
    assert main(["--stack", "dev", "--out", str(tmp_path / "unused"), "--explain", "client -> google.com:443"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("client -> fqdn:google.com:443/TCP: ALLOWED (byocni)")
    assert "egress of client: allowed (selected by: " in out
    assert re.search(r"- CiliumNetworkPolicy client/\S+ egress\[\d+\] \(after CiliumNetworkPolicy client/\S+ egress\[\d+\] \(DNS ", out)
    assert not (tmp_path / "unused").exists(), "--explain writes nothing"
    assert main(["--stack", "dev", "--explain", "client to demo"]) == 2


@requires_artifacts  # the plan's exit code is 3 without Cilium's chart
def test_diff_after_adding_one_name_opens_exactly_its_flows(
    dev_plan: tuple[int, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared_steps: None
) -> None:
    _, base = dev_plan
    config, ports = _with_one_more_name(load_stack_config("dev"), "client", "example.org")
    monkeypatch.setattr(offline_plan, "load_stack_config", lambda stack, **_: config)
    out = tmp_path / "changed"
    assert main(["--stack", "dev", "--out", str(out), "--diff", str(base)]) == 0
    diff = json.loads((out / "diff.json").read_text())
    opened = {(f["from"]["namespace"], json.dumps(f["to"]), f["port"]) for f in diff["flows"]["opened"]}
    assert opened == {("client", '{"fqdn": "example.org"}', port) for port in ports}
    assert diff["flows"]["closed"] == []
    updated = {item["type"] for item in diff["resources"]["update"]}
    assert "kubernetes:cilium.io/v2:CiliumNetworkPolicy" in updated, "client's policy gains the name"
    for item in diff["resources"]["replace"]:
        assert item["type"] == "kubernetes:batch/v1:Job", "only the check's Jobs, renamed when their probes change"
        assert "metadata.name" in item["forcedBy"]
    assert diff["resources"]["create"] == diff["resources"]["delete"] == []
    assert "opened: `client -> fqdn:example.org:443/TCP`" in (out / "diff.md").read_text()
    assert f"Flows opened: {len(ports)}, closed: 0" in capsys.readouterr().out


def _with_one_more_name(config: StackConfig, namespace: str, name: str) -> tuple[StackConfig, set[int]]:
    """`config` with `name` allowed from `namespace`, in the shape the stack's policy config has, and its ports."""
    namespaces = json.loads(config.values["aks-cilium:namespaces"])
    if isinstance(namespaces, dict):  # the per-namespace model: one egress entry, on 443
        namespaces[namespace].setdefault("egress", []).append({"fqdn": name, "ports": [443]})
        return with_overrides(config, {"namespaces": json.dumps(namespaces)}), {443}
    allowlist = [*json.loads(config.values["aks-cilium:fqdnAllowlist"]), f"{namespace}:{name}"]
    return with_overrides(config, {"fqdnAllowlist": json.dumps(allowlist)}), {80, 443}  # the flat list's web ports
