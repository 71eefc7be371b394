"""Metric names as their upstream references publish them, transcribed (names only) for the dashboard checks.

- Cilium 1.20: cilium/cilium Documentation/observability/metrics.rst, "Metrics Reference": cilium-agent metrics are
  exported under `cilium_`, cilium-operator's under `cilium_operator_`, Hubble's under `hubble_`. Only the tables this
  project's dashboards and alerts draw from are transcribed: Endpoint, Cluster health, Drops/Forwards (L3/L4), Policy,
  Policy L7, Controllers, Kubernetes Rest Client, Unmanaged Pods, and every Hubble metric.
- Hubble's `policy` handler, which metrics.rst does not table: cilium/cilium pkg/hubble/metrics/policy/handler.go
  (`policy_verdicts_total`, labels direction and match).
- ACNS container network observability: MicrosoftDocs/azure-aks-docs articles/aks/container-network-observability-
  metrics.md (node-level `cilium_*` and `networkobservability_*`, pod-level `hubble_*`).
"""

from __future__ import annotations

CILIUM_AGENT = (
    "endpoint",
    "endpoint_regenerations_total",
    "endpoint_regeneration_time_stats_seconds",
    "endpoint_state",
    "unreachable_nodes",
    "unreachable_health_endpoints",
    "drop_count_total",
    "drop_bytes_total",
    "forward_count_total",
    "forward_bytes_total",
    "policy",
    "policy_max_revision",
    "policy_change_total",
    "policy_endpoint_enforcement_status",
    "policy_implementation_delay",
    "policy_selector_match_count_max",
    "proxy_redirects",
    "proxy_upstream_reply_seconds",
    "policy_l7_total",
    "controllers_runs_total",
    "controllers_runs_duration_seconds",
    "controllers_failing",
    "k8s_client_api_latency_time_seconds",
    "k8s_client_api_calls_total",
)
CILIUM_OPERATOR = ("unmanaged_pods", "ces_sync_total", "number_of_ceps_per_ces")
HUBBLE = (
    "lost_events_total",
    "dns_queries_total",
    "dns_responses_total",
    "dns_response_types_total",
    "drop_total",
    "flows_processed_total",
    "flows_to_world_total",
    "http_requests_total",
    "http_responses_total",
    "http_request_duration_seconds",
    "icmp_total",
    "kafka_requests_total",
    "port_distribution_total",
    "tcp_flags_total",
    "policy_verdicts_total",
)
ACNS = (
    "cilium_forward_count_total",
    "cilium_forward_bytes_total",
    "cilium_drop_count_total",
    "cilium_drop_bytes_total",
    "networkobservability_conntrack_total_connections",
    "networkobservability_dns_request_count",
    "networkobservability_dns_response_count",
    "networkobservability_drop_bytes",
    "networkobservability_drop_count",
    "networkobservability_forward_bytes",
    "networkobservability_forward_count",
    "networkobservability_tcp_retransmission_count",
    "networkobservability_tcp_state",
    "hubble_dns_queries_total",
    "hubble_dns_responses_total",
    "hubble_drop_total",
    "hubble_tcp_flags_total",
    "hubble_flows_processed_total",
)
CILIUM_1_20 = frozenset(
    {f"cilium_{name}" for name in CILIUM_AGENT}
    | {f"cilium_operator_{name}" for name in CILIUM_OPERATOR}
    | {f"hubble_{name}" for name in HUBBLE}
)
KNOWN = CILIUM_1_20 | frozenset(ACNS)
# Series a Prometheus histogram publishes beside its name (Prometheus exposition formats: `_bucket`, `_sum`, `_count`).
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
