"""The library's dashboards for bring-your-own-CNI, where Cilium is ours and its metrics are the chart's.

Each panel answers one question a platform engineer asks during an incident (docs/observability.md lists them). Every
query reads metrics Cilium 1.20 documents (cilium/cilium Documentation/observability/metrics.rst) with the labels the
library's Hubble context options add (`source`/`destination` workload, `source_namespace`/`destination_namespace`,
aks_cilium/cilium/values.py); tests/components/test_dashboards.py checks every metric name against that reference.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard, timeseries

from aks_cilium.observability.dashboards.panels import FULL_WIDTH, datasource_variable, namespace_variable, series

UID_PREFIX = "aks-cilium-"
TAGS = ["aks-cilium", "cilium", "hubble"]
_NS = "$namespace"
_SRC = f'source_namespace=~"{_NS}"'
_DST = f'destination_namespace=~"{_NS}"'


Item = dashboard.Row | timeseries.Panel


def _board(
    uid: str, title: str, description: str, items: list[Item], namespaces: dashboard.QueryVariable | None = None
) -> dashboard.Dashboard:
    """A dashboard of rows and panels in order, with the data source variable and, if given, the namespace one."""
    board = dashboard.Dashboard(title).uid(f"{UID_PREFIX}{uid}").description(description).tags(TAGS)
    board = board.refresh("1m").time("now-3h", "now").timezone("utc").readonly().with_variable(datasource_variable())
    if namespaces is not None:
        board = board.with_variable(namespaces)
    for item in items:
        board = board.with_row(item) if isinstance(item, dashboard.Row) else board.with_panel(item)
    return board


def network_policy() -> dashboard.Dashboard:
    """Drops and verdicts: what Cilium refused, where, and why."""
    items: list[Item] = [
        dashboard.Row("Drops"),
        series(
            "Drops by reason",
            "Is traffic being dropped, and is it policy or something else (no route, invalid packet, ...)?",
            "pps",
            (f"sum by (reason) (rate(hubble_drop_total{{{_SRC}}}[5m]))", "{{reason}}"),
        ),
        series(
            "Policy drops by destination namespace",
            "Which namespaces refuse traffic, and how much?",
            "pps",
            (
                f'sum by (destination_namespace) (rate(hubble_drop_total{{reason="POLICY_DENIED", {_DST}}}[5m]))',
                "{{destination_namespace}}",
            ),
        ),
        series(
            "Policy drops by workload pair",
            "Which workload is refused reaching which? Source and destination are workload names, or reserved identities "
            "(world, host, ...) for what is no pod.",
            "pps",
            (
                "topk(15, sum by (source_namespace, source, destination_namespace, destination) "
                f'(rate(hubble_drop_total{{reason="POLICY_DENIED", {_SRC}}}[5m])))',
                "{{source_namespace}}/{{source}} -> {{destination_namespace}}/{{destination}}",
            ),
            width=FULL_WIDTH,
        ),
        dashboard.Row("Verdicts"),
        series(
            "Policy verdicts by direction and match",
            "How are connections decided: by an L3/L4 rule, an L7 rule, or no rule at all (match none = denied by default)?",
            "ops",
            (f"sum by (direction, match) (rate(hubble_policy_verdicts_total{{{_SRC}}}[5m]))", "{{direction}} {{match}}"),
        ),
        series(
            "Datapath drops by reason (agent)",
            "The agent's own count, every endpoint of the node, Hubble or not: does it agree with Hubble's?",
            "pps",
            ("sum by (reason, direction) (rate(cilium_drop_count_total[5m]))", "{{direction}} {{reason}}"),
        ),
    ]
    return _board(
        "network-policy",
        "Cilium / Network policy",
        "What Cilium's policies drop and allow, per namespace and workload.",
        items,
        namespace_variable("hubble_drop_total", "source_namespace"),
    )


def dns() -> dashboard.Dashboard:
    """DNS through Cilium's proxy: errors and answers, and how long the proxy waits upstream."""
    items: list[Item] = [
        series(
            "DNS errors by response code",
            "Are lookups failing, and how: NXDOMAIN (a name that does not exist), Policy denied (the DNS proxy refused), server failure?",
            "reqps",
            (f'sum by (rcode) (rate(hubble_dns_responses_total{{rcode!="No Error", {_DST}}}[5m]))', "{{rcode}}"),
            (f'sum(rate(hubble_dns_queries_total{{rcode="Policy denied", {_SRC}}}[5m]))', "Policy denied"),
        ),
        series(
            "DNS error ratio by namespace",
            "Which namespace's lookups fail most?",
            "percentunit",
            (
                f'sum by (destination_namespace) (rate(hubble_dns_responses_total{{rcode!="No Error", {_DST}}}[5m])) '
                f"/ sum by (destination_namespace) (rate(hubble_dns_responses_total{{{_DST}}}[5m]))",
                "{{destination_namespace}}",
            ),
        ),
        series(
            "DNS queries by workload",
            "Who asks the most names? A spike is often a retry loop or a search-list storm (ndots:5).",
            "reqps",
            (
                f"topk(10, sum by (source_namespace, source) (rate(hubble_dns_queries_total{{{_SRC}}}[5m])))",
                "{{source_namespace}}/{{source}}",
            ),
        ),
        series(
            "DNS proxy upstream latency (p50, p99)",
            "How long does the proxy wait for kube-dns and upstream resolvers to answer?",
            "s",
            ('histogram_quantile(0.5, sum by (le) (rate(cilium_proxy_upstream_reply_seconds_bucket{protocol_l7="dns"}[5m])))', "p50"),
            ('histogram_quantile(0.99, sum by (le) (rate(cilium_proxy_upstream_reply_seconds_bucket{protocol_l7="dns"}[5m])))', "p99"),
        ),
    ]
    return _board(
        "dns",
        "Cilium / DNS",
        "DNS lookups Cilium's DNS proxy sees: errors per namespace and upstream latency.",
        items,
        namespace_variable("hubble_dns_queries_total", "source_namespace"),
    )


def flows() -> dashboard.Dashboard:
    """Flows per namespace: how much traffic, of what kind, and what Hubble loses."""
    items: list[Item] = [
        series(
            "Flows by source namespace and verdict",
            "How much traffic leaves each namespace, and how much of it is forwarded or dropped?",
            "ops",
            (
                f"sum by (source_namespace, verdict) (rate(hubble_flows_processed_total{{{_SRC}}}[5m]))",
                "{{source_namespace}} {{verdict}}",
            ),
        ),
        series(
            "Flows by destination namespace",
            "Which namespaces receive the most traffic?",
            "ops",
            (f"sum by (destination_namespace) (rate(hubble_flows_processed_total{{{_DST}}}[5m]))", "{{destination_namespace}}"),
        ),
        series(
            "Flows by type",
            "L3/L4 against L7 (DNS, HTTP) and trace or drop events.",
            "ops",
            (f"sum by (type, subtype) (rate(hubble_flows_processed_total{{{_SRC}}}[5m]))", "{{type}} {{subtype}}"),
        ),
        series(
            "Lost Hubble events",
            "Is Hubble dropping events (ring buffer too small, agent overloaded)? Metrics and flow logs then undercount.",
            "ops",
            ("sum by (source) (rate(hubble_lost_events_total[5m]))", "{{source}}"),
        ),
    ]
    return _board(
        "flows",
        "Cilium / Flows",
        "Flows Hubble processes, per namespace and verdict.",
        items,
        namespace_variable("hubble_flows_processed_total", "source_namespace"),
    )


def health() -> dashboard.Dashboard:
    """Agent and operator health: is the datapath up to date and reachable?"""
    items: list[Item] = [
        series(
            "Unreachable nodes and health endpoints",
            "Can the agents reach each other? Anything above zero means a broken overlay between nodes.",
            "short",
            ("max(cilium_unreachable_nodes)", "nodes"),
            ("max(cilium_unreachable_health_endpoints)", "health endpoints"),
        ),
        series(
            "Endpoints by state",
            "Are pods' endpoints ready, or stuck regenerating or waiting for an identity?",
            "short",
            # metrics.rst names the label `state`; the agent has exported it as `endpoint_state`: grouping by both
            # keeps whichever the running agent has.
            ("sum by (endpoint_state, state) (cilium_endpoint_state)", "{{endpoint_state}}{{state}}"),
        ),
        series(
            "Endpoint regenerations by outcome",
            "Do policy changes reach the datapath? Failures mean endpoints keep enforcing stale policy.",
            "ops",
            ("sum by (outcome) (rate(cilium_endpoint_regenerations_total[5m]))", "{{outcome}}"),
        ),
        series(
            "Policy implementation delay (p99)",
            "How long from a policy change to its enforcement in the datapath?",
            "s",
            ("histogram_quantile(0.99, sum by (le) (rate(cilium_policy_implementation_delay_bucket[5m])))", "p99"),
        ),
        series(
            "Failing controllers",
            "Agent controllers that keep failing (IPAM sync, identity, CNI config).",
            "short",
            ("sum(cilium_controllers_failing)", "failing"),
        ),
        series(
            "API server calls by return code (agents)",
            "Are the agents throttled or refused by the API server?",
            "reqps",
            ("sum by (return_code) (rate(cilium_k8s_client_api_calls_total[5m]))", "{{return_code}}"),
        ),
        series(
            "Pods not managed by Cilium (operator)",
            "Pods that started before Cilium and run without its policy: restart them (cilium-operator's count).",
            "short",
            ("max(cilium_operator_unmanaged_pods)", "unmanaged pods"),
        ),
    ]
    return _board(
        "health", "Cilium / Agent and operator health", "Cilium agents and operator: endpoints, policy, connectivity, API calls.", items
    )


def dashboards() -> dict[str, dashboard.Dashboard]:
    """Every dashboard of bring-your-own-CNI, by a short name that stays stable (it names the Pulumi resource)."""
    return {"network-policy": network_policy(), "dns": dns(), "flows": flows(), "health": health()}
