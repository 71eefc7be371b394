"""The few panel shapes the dashboards use, on one Prometheus data source chosen by a dashboard variable."""

from __future__ import annotations

import json

from grafana_foundation_sdk.builders import dashboard, prometheus, text, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models import text as text_model

DATASOURCE_VARIABLE = "datasource"
DATASOURCE = model.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")
# Azure Managed Grafana's workspace integration adds one Prometheus data source per linked Azure Monitor workspace; the
# variable lists every Prometheus source, so the dashboards work whatever Grafana names it.
NAMESPACE_VARIABLE = "namespace"
FULL_WIDTH = 24
HALF_WIDTH = 12


def datasource_variable() -> dashboard.DatasourceVariable:
    return dashboard.DatasourceVariable(DATASOURCE_VARIABLE).label("Data source").type("prometheus")


def namespace_variable(metric: str, label: str) -> dashboard.QueryVariable:
    """Namespaces seen on `metric`'s `label`, several at a time; All by default."""
    variable = dashboard.QueryVariable(NAMESPACE_VARIABLE).label("Namespace").datasource(DATASOURCE)
    return variable.query(f"label_values({metric}, {label})").multi(True).include_all(True)


def series(title: str, description: str, unit: str, *queries: tuple[str, str], width: int = HALF_WIDTH) -> timeseries.Panel:
    """A time series panel; each query is (PromQL, legend)."""
    panel = timeseries.Panel().title(title).description(description).unit(unit).datasource(DATASOURCE).span(width).height(8)
    for ref, (expr, legend) in zip("ABCDEFGH", queries, strict=False):
        panel = panel.with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref))
    return panel


def note(title: str, markdown: str, width: int = FULL_WIDTH) -> text.Panel:
    return text.Panel().title(title).content(markdown).mode(text_model.TextMode.MARKDOWN).span(width).height(6)


def to_json(board: dashboard.Dashboard) -> str:
    """The dashboard's JSON model, as Grafana's API takes it."""
    return json.dumps(board.build(), cls=JSONEncoder, sort_keys=True, indent=2)


def queries(dashboard_json: str) -> list[str]:
    """Every PromQL expression of a dashboard's panels and variables."""
    body = json.loads(dashboard_json)
    found = [target["expr"] for panel in body.get("panels", []) for target in panel.get("targets", []) if "expr" in target]
    for variable in body.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query" and isinstance(query, str):
            found.append(query)
    return found
