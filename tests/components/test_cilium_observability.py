"""dev's Cilium release, rendered by Cilium 1.20.0's own chart: metrics for the managed Prometheus, relay TLS, the
flow exporter's filter, and no monitors of the group the managed add-on ignores.

Sources: the chart's templates (cilium-configmap.yaml: `prometheus-serve-addr`, `operator-prometheus-serve-addr`,
`hubble-metrics`, `hubble-export-*`; hubble-relay/service.yaml: port 443 with TLS; hubble-relay/configmap.yaml:
`tls-relay-server-*`; hubble/tls-cronjob/_job-spec.tpl: hubble-relay-server-certs and hubble-ui-client-certs);
Documentation/observability/hubble/configuration/export.rst (`stdout` as the export path); UPSTREAM.md, "Managed
Prometheus (12-01)" (MicrosoftDocs/azure-docs prometheus-metrics-scrape-crd.md: monitoring.coreos.com is ignored).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from offline.chart import render_chart
from offline.engine import run_program
from offline.stack_config import load_stack_config
from tests.support.artifacts import requires_artifacts
from tests.support.stacks import RunStack
from tests.support.tokens import RELEASE


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    values = run_program(load_stack_config("dev")).one(RELEASE).inputs["values"]
    return render_chart(values)


def _config(objects: list[dict[str, Any]], name: str) -> dict[str, str]:
    found: dict[str, str] = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name)["data"]
    return found


@requires_artifacts
def test_agent_operator_and_hubble_metrics_are_served(rendered: list[dict[str, Any]]) -> None:
    config = _config(rendered, "cilium-config")
    assert config["prometheus-serve-addr"] == ":9962"
    assert config["operator-prometheus-serve-addr"] == ":9963"
    assert config["hubble-metrics-server"] == ":9965"
    metrics = {entry.split(":", 1)[0]: entry for entry in config["hubble-metrics"].split(" ")}
    assert "policy" in metrics, "the policy verdict metric"
    for name in ("drop", "policy", "flow", "dns"):
        assert "sourceContext=workload-name|reserved-identity" in metrics[name]
        assert "labelsContext=source_namespace,destination_namespace" in metrics[name]
    assert metrics["tcp"] == "tcp", "no context where per-flag labels multiply"


@requires_artifacts
def test_no_monitor_of_the_group_the_managed_prometheus_ignores(rendered: list[dict[str, Any]]) -> None:
    assert not [o for o in rendered if o["apiVersion"].startswith("monitoring.coreos.com/")]


@requires_artifacts
def test_relay_is_served_over_tls_with_rotated_certificates(rendered: list[dict[str, Any]]) -> None:
    service = next(o for o in rendered if o["kind"] == "Service" and o["metadata"]["name"] == "hubble-relay")
    assert [port["port"] for port in service["spec"]["ports"]] == [443]
    relay = _config(rendered, "hubble-relay-config")["config.yaml"]
    assert "tls-relay-server-cert-file: /var/lib/hubble-relay/tls/server.crt" in relay
    certgen = next(o for o in rendered if o["kind"] == "CronJob" and o["metadata"]["name"] == "hubble-generate-certs")
    text = json.dumps(certgen)
    assert "hubble-relay-server-certs" in text
    assert "hubble-ui-client-certs" in text


@requires_artifacts
def test_the_exporter_keeps_drops_and_dns_on_the_agents_log(rendered: list[dict[str, Any]]) -> None:
    config = _config(rendered, "cilium-config")
    assert config["hubble-export-file-path"] == "stdout"
    assert [json.loads(item) for item in config["hubble-export-allowlist"].split(" ")] == [
        {"verdict": ["DROPPED", "ERROR"]},
        {"protocol": ["dns"]},
    ]
    assert config["hubble-export-denylist"] == ""


def test_dev_hubble_output_trusts_the_relays_ca_and_asks_the_blogs_questions(run_stack: RunStack) -> None:
    """The relay's certificate is certgen's for *.hubble-relay.cilium.io, its CA in hubble-relay-server-certs (chart
    templates/hubble/tls-cronjob/_job-spec.tpl); the CLI needs tls, the CA and a name under the wildcard."""
    commands = run_stack("dev").outputs["hubble"]
    script = "\n".join(commands.values())
    assert "get secret hubble-relay-server-certs -o jsonpath='{.data.ca\\.crt}'" in commands["tls-2-ca.crt"]
    assert "hubble config set tls-ca-cert-files" in commands["tls-2-ca.crt"]
    assert "hubble config set tls-server-name ui.hubble-relay.cilium.io" in script
    assert "port-forward svc/hubble-relay 4245:443" in commands["relay"]
    for namespace in ("demo", "client"):
        assert commands[f"dropped-{namespace}"] == f"hubble observe --namespace {namespace} --verdict DROPPED --follow"
        assert commands[f"dns-{namespace}"] == f"hubble observe --namespace {namespace} --protocol dns --follow"
    assert script.index("tls-ca-cert-files") < script.index("hubble config set tls true") < script.index("hubble observe")
