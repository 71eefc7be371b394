"""The dashboards as Grafana's foundation SDK models them, and every metric they read as upstream publishes it.

Sources: the dashboard model is Grafana's (grafana/grafana-foundation-sdk, python `models/dashboard.py`:
`Dashboard.from_json` reads what `to_json` writes); metric names are Cilium 1.20's reference and Microsoft's ACNS list
(tests/support/metric_reference.py names both); Microsoft's published dashboard IDs are those of MicrosoftDocs/azure-aks-
docs articles/aks/container-network-observability-how-to.md, "Visualization using BYO Grafana".
"""

from __future__ import annotations

import json
import re

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from aks_cilium.cilium.values import CONTEXT_METRICS, METRIC_CONTEXT
from aks_cilium.observability.dashboards import cilium, microsoft
from aks_cilium.observability.dashboards.component import dashboard_models
from aks_cilium.observability.dashboards.panels import queries
from tests.support.metric_reference import CILIUM_1_20, HISTOGRAM_SUFFIXES, KNOWN
from tests.support.promql import metric_names

MODELS = {mode: dashboard_models(mode) for mode in ("byocni", "azure-cilium")}
_LABEL_VALUES = re.compile(r"^label_values\((?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*(?P<label>\w+)\)$")


def _base_name(series: str) -> str:
    for suffix in HISTOGRAM_SUFFIXES:
        if series.endswith(suffix) and series.removesuffix(suffix) in KNOWN:
            return series.removesuffix(suffix)
    return series


def _read_metrics(query: str) -> set[str]:
    variable = _LABEL_VALUES.match(query)
    return {variable["metric"]} if variable else metric_names(query)


@pytest.mark.parametrize(("mode", "name"), [(mode, name) for mode, models in MODELS.items() for name in models])
def test_each_dashboard_is_a_valid_grafana_model(mode: str, name: str) -> None:
    """Decoded by the SDK's own model and encoded again, the JSON is unchanged: nothing in it is foreign to the model."""
    body = json.loads(MODELS[mode][name])
    assert json.loads(json.dumps(Dashboard.from_json(body), cls=JSONEncoder)) == body
    assert body.keys() >= {"title", "uid", "panels"}
    assert body["uid"].startswith("aks-cilium-")
    assert len(body["uid"]) <= 40, "Grafana refuses dashboard UIDs longer than 40 characters"


def test_the_byocni_dashboards_answer_the_issues_questions() -> None:
    titles = {json.loads(model)["title"] for model in MODELS["byocni"].values()}
    assert titles == {"Cilium / Network policy", "Cilium / DNS", "Cilium / Flows", "Cilium / Agent and operator health"}
    panels = [p["title"] for model in MODELS["byocni"].values() for p in json.loads(model)["panels"]]
    for question in ("Drops by reason", "Policy drops by destination namespace", "Policy verdicts by direction and match",
                     "DNS errors by response code", "DNS proxy upstream latency (p50, p99)", "Flows by source namespace and verdict",
                     "Unreachable nodes and health endpoints", "Pods not managed by Cilium (operator)"):  # fmt: skip
        assert question in panels


@pytest.mark.parametrize("mode", sorted(MODELS))
def test_every_query_reads_only_published_metrics(mode: str) -> None:
    """byocni reads Cilium 1.20's metrics; the managed mode's index queries nothing (Microsoft's dashboards do)."""
    found = {_base_name(name) for model in MODELS[mode].values() for query in queries(model) for name in _read_metrics(query)}
    reference = CILIUM_1_20 if mode == "byocni" else KNOWN
    assert found <= reference, f"not in the reference: {sorted(found - reference)}"
    assert bool(found) == (mode == "byocni")


def test_the_metric_check_catches_a_name_upstream_does_not_publish() -> None:
    """The control: a plausible but wrong name (Cilium has cilium_drop_count_total, not cilium_drops_total)."""
    assert _read_metrics("sum(rate(cilium_drops_total[5m]))") - KNOWN == {"cilium_drops_total"}
    assert _base_name("cilium_proxy_upstream_reply_seconds_bucket") == "cilium_proxy_upstream_reply_seconds"
    assert _read_metrics("label_values(hubble_drop_total, source_namespace)") == {"hubble_drop_total"}


def test_context_labels_the_dashboards_group_by_are_the_ones_the_release_adds() -> None:
    """Panels group Hubble metrics by `source`, `destination` and both namespaces: the release's context options for
    exactly those metrics (metrics.rst, "Context Options": sourceContext/destinationContext fill `source`/`destination`,
    labelsContext adds the listed labels)."""
    assert "labelsContext=source_namespace,destination_namespace" in METRIC_CONTEXT
    assert "sourceContext=" in METRIC_CONTEXT
    assert "destinationContext=" in METRIC_CONTEXT
    grouped = {
        name.removeprefix("hubble_").split("_")[0]
        for model in MODELS["byocni"].values()
        for query in queries(model)
        if "namespace" in query or "source" in query
        for name in _read_metrics(query)
        if name.startswith("hubble_") and name != "hubble_lost_events_total"
    }
    handlers = {"drop": "drop", "dns": "dns", "flows": "flow", "policy": "policy"}
    assert {handlers[h] for h in grouped} <= set(CONTEXT_METRICS)


def test_microsofts_dashboards_are_referenced_by_their_published_ids_not_copied() -> None:
    assert [d.gnet_id for d in microsoft.NETWORK_OBSERVABILITY] == [18814, 20925, 20926, 20927, 20928, 20929]
    index = json.loads(MODELS["azure-cilium"]["acns-index"])
    links = {link["url"] for link in index["links"]}
    for published in microsoft.NETWORK_OBSERVABILITY:
        assert published.url in links
        assert f"https://grafana.com/grafana/dashboards/{published.gnet_id}-" in published.url
    assert all(panel["type"] == "text" for panel in index["panels"]), "an index, not a copy of their panels"
    assert "Azure Managed Prometheus" in index["panels"][0]["options"]["content"]


def test_dashboard_names_are_stable_resource_names() -> None:
    assert set(cilium.dashboards()) == set(MODELS["byocni"]) == {"network-policy", "dns", "flows", "health"}
