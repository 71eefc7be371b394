"""Prometheus rule groups: Microsoft's recommended recording rules, and the alerts this library recommends.

Every group becomes one `Microsoft.AlertsManagement/prometheusRuleGroups` resource (REST API 2023-03-01, the version
pulumi-azure-native 3.29.0 uses): at most 20 rules, one scope (the Azure Monitor workspace), an ISO 8601 interval
between 1 and 15 minutes, alert severities 0-4 (Azure/azure-rest-api-specs specification/alertsmanagement/
resource-manager/Microsoft.AlertsManagement/stable/2023-03-01/PrometheusRuleGroups.json). The recording rules are the
series Microsoft's onboarding templates record for Linux nodes, under the names its dashboards and alerts query
(Azure/prometheus-collector AddonArmTemplate/FullAzureMonitorMetricsProfile.json, AddonTerraformTemplate/main.tf);
the Kubernetes alerts are those of Microsoft's recommended alert template that apply to these clusters
(Azure/prometheus-collector AddonBicepTemplate/recommendedMetricAlerts.bicep), written here as facts, not copied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_RULES_PER_GROUP = 20
SEVERITIES = range(0, 5)
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?\Z")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_ALERT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")


def minutes(duration: str) -> int:
    """Minutes of an ISO 8601 duration of hours and minutes (`PT1M`, `PT1H30M`); ValueError for any other form."""
    match = _DURATION.match(duration)
    if not match or not any(match.groups()):
        raise ValueError(f"{duration!r} is not an ISO 8601 duration in hours and minutes (PT5M, PT1H)")
    return int(match[1] or 0) * 60 + int(match[2] or 0)


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expression: str
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not _METRIC_NAME.match(self.record):
            raise ValueError(f"recording rule {self.record!r} is not a metric name")


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expression: str
    for_: str
    severity: int
    summary: str
    runbook: str = ""
    """What to do, in a sentence, or a link: the annotation the action group shows."""

    def __post_init__(self) -> None:
        if not _ALERT_NAME.match(self.alert):
            raise ValueError(f"alert {self.alert!r} is not an alert name (letters and digits, a letter first)")
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert {self.alert}: severity {self.severity} is outside 0-4")
        minutes(self.for_)


@dataclass(frozen=True)
class RuleGroup:
    name: str
    """Suffix of the group's Azure name, `<name>-<cluster>`."""
    description: str
    rules: tuple[RecordingRule | AlertRule, ...]
    interval: str = "PT1M"
    kind: str = field(default="recording")

    def __post_init__(self) -> None:
        if not 1 <= len(self.rules) <= MAX_RULES_PER_GROUP:
            raise ValueError(f"rule group {self.name}: {len(self.rules)} rules; a group holds 1 to {MAX_RULES_PER_GROUP}")
        if not 1 <= minutes(self.interval) <= 15:
            raise ValueError(f"rule group {self.name}: interval {self.interval} is outside 1 to 15 minutes")


_NODE = 'job="node"'
_KSM = 'job="kube-state-metrics"'
_ACTIVE_POD = 'max by (namespace, pod, cluster) ((kube_pod_status_phase{phase=~"Pending|Running"} == 1))'


def _requests_sum(resource: str, kind: str) -> str:
    return (
        f"sum by (namespace, cluster) (sum by (namespace, pod, cluster) (max by (namespace, pod, container, cluster) "
        f'(kube_pod_container_resource_{kind}{{resource="{resource}",{_KSM}}}) * on (namespace, pod, cluster) group_left() '
        f'max by (namespace, pod, cluster) (kube_pod_status_phase{{phase=~"Pending|Running"}} == 1)))'
    )


def _active(resource: str, kind: str) -> str:
    return f'kube_pod_container_resource_{kind}{{resource="{resource}",{_KSM}}} * on (namespace, pod, cluster) group_left() {_ACTIVE_POD}'


def _container_by_node(series: str) -> str:
    return (
        f'{series}{{job="cadvisor", image!=""}} * on (namespace, pod) group_left(node) topk by (namespace, pod) '
        f'(1, max by (namespace, pod, node) (kube_pod_info{{node!=""}}))'
    )


def _owner(kind: str) -> str:
    return (
        f'max by (cluster, namespace, workload, pod) (label_replace(kube_pod_owner{{{_KSM}, owner_kind="{kind}"}}, '
        '"workload", "$1", "owner_name", "(.*)"))'
    )


_MEMORY_AVAILABLE = (
    f"node_memory_MemAvailable_bytes{{{_NODE}}} or (node_memory_Buffers_bytes{{{_NODE}}} + node_memory_Cached_bytes{{{_NODE}}} "
    f"+ node_memory_MemFree_bytes{{{_NODE}}} + node_memory_Slab_bytes{{{_NODE}}})"
)

NODE_RECORDING_RULES = RuleGroup(
    "NodeRecordingRulesRuleGroup",
    "Node recording rules (Microsoft's managed Prometheus onboarding)",
    (
        RecordingRule("instance:node_num_cpu:sum", f'count without (cpu, mode) (node_cpu_seconds_total{{{_NODE},mode="idle"}})'),
        RecordingRule(
            "instance:node_cpu_utilisation:rate5m",
            f'1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total{{{_NODE}, mode=~"idle|iowait|steal"}}[5m])))',
        ),
        RecordingRule("instance:node_load1_per_cpu:ratio", f"(node_load1{{{_NODE}}} / instance:node_num_cpu:sum{{{_NODE}}})"),
        RecordingRule("instance:node_memory_utilisation:ratio", f"1 - (({_MEMORY_AVAILABLE}) / node_memory_MemTotal_bytes{{{_NODE}}})"),
        RecordingRule("instance:node_vmstat_pgmajfault:rate5m", f"rate(node_vmstat_pgmajfault{{{_NODE}}}[5m])"),
        RecordingRule(
            "instance_device:node_disk_io_time_seconds:rate5m", f'rate(node_disk_io_time_seconds_total{{{_NODE}, device!=""}}[5m])'
        ),
        RecordingRule(
            "instance_device:node_disk_io_time_weighted_seconds:rate5m",
            f'rate(node_disk_io_time_weighted_seconds_total{{{_NODE}, device!=""}}[5m])',
        ),
        *(
            RecordingRule(
                f"instance:node_network_{direction}_{what}_excluding_lo:rate5m",
                f'sum without (device) (rate(node_network_{direction}_{what}_total{{{_NODE}, device!="lo"}}[5m]))',
            )
            for what in ("bytes", "drop")
            for direction in ("receive", "transmit")
        ),
    ),
)

KUBERNETES_RECORDING_RULES = RuleGroup(
    "KubernetesRecordingRulesRuleGroup",
    "Kubernetes recording rules (Microsoft's managed Prometheus onboarding)",
    (
        RecordingRule(
            "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
            'sum by (cluster, namespace, pod, container) (irate(container_cpu_usage_seconds_total{job="cadvisor", image!=""}[5m])) '
            "* on (cluster, namespace, pod) group_left(node) topk by (cluster, namespace, pod) "
            '(1, max by (cluster, namespace, pod, node) (kube_pod_info{node!=""}))',
        ),
        *(
            RecordingRule(f"node_namespace_pod_container:{series}", _container_by_node(series))
            for series in (
                "container_memory_working_set_bytes",
                "container_memory_rss",
                "container_memory_cache",
                "container_memory_swap",
            )
        ),
        *(
            rule
            for kind in ("requests", "limits")
            for resource in ("memory", "cpu")
            for rule in (
                RecordingRule(f"cluster:namespace:pod_{resource}:active:kube_pod_container_resource_{kind}", _active(resource, kind)),
                RecordingRule(f"namespace_{resource}:kube_pod_container_resource_{kind}:sum", _requests_sum(resource, kind)),
            )
        ),
        RecordingRule(
            "namespace_workload_pod:kube_pod_owner:relabel",
            f'max by (cluster, namespace, workload, pod) (label_replace(label_replace(kube_pod_owner{{{_KSM}, owner_kind="ReplicaSet"}}, '
            '"replicaset", "$1", "owner_name", "(.*)") * on (replicaset, namespace) group_left(owner_name) '
            "topk by (replicaset, namespace) "
            f'(1, max by (replicaset, namespace, owner_name) (kube_replicaset_owner{{{_KSM}}})), "workload", "$1", "owner_name", "(.*)"))',
            (("workload_type", "deployment"),),
        ),
        *(
            RecordingRule("namespace_workload_pod:kube_pod_owner:relabel", _owner(kind), (("workload_type", kind.lower()),))
            for kind in ("DaemonSet", "StatefulSet", "Job")
        ),
        RecordingRule(":node_memory_MemAvailable_bytes:sum", f"sum({_MEMORY_AVAILABLE}) by (cluster)"),
        RecordingRule(
            "cluster:node_cpu:ratio_rate5m",
            f'sum(rate(node_cpu_seconds_total{{{_NODE},mode!="idle",mode!="iowait",mode!="steal"}}[5m])) by (cluster) '
            f"/ count(sum(node_cpu_seconds_total{{{_NODE}}}) by (cluster, instance, cpu)) by (cluster)",
        ),
    ),
)

RECORDING_GROUPS = (NODE_RECORDING_RULES, KUBERNETES_RECORDING_RULES)

# Cilium's own workloads as kube-state-metrics sees them: the agent DaemonSet and the operator Deployment keep the names
# Cilium's chart gives them in kube-system (templates/cilium-agent/daemonset.yaml, cilium-operator/deployment.yaml).
_AGENT = 'namespace="kube-system", daemonset="cilium"'
_OPERATOR = 'namespace="kube-system", deployment="cilium-operator"'


# Both network modes count drops in the agent's own `cilium_drop_count_total`: ACNS on the Cilium data plane publishes
# Cilium's node metrics, not Retina's `networkobservability_*`, which only non-Cilium data planes have
# (MicrosoftDocs/azure-aks-docs articles/aks/container-network-observability-metrics.md, "Node-Level Metrics").
# Its `reason` label is the datapath's text: "Policy denied" (allow rules missing) and "Policy denied by denylist"
# (a deny rule, such as the WireServer/IMDS block) (cilium/cilium pkg/monitor/api/drop.go, codes 133 and 181).
POLICY_DROP_REASONS = ("Policy denied", "Policy denied by denylist")


def _policy_drops(threshold: float) -> str:
    reasons = "|".join(POLICY_DROP_REASONS)
    return f'sum by (cluster, direction) (rate(cilium_drop_count_total{{reason=~"{reasons}"}}[5m])) > {threshold}'


def cilium_alerts(policy_drops_per_second: float, dns_error_ratio: float) -> RuleGroup:
    """Cilium's health and what its datapath refuses, from the agent's own metrics and kube-state-metrics."""
    return RuleGroup(
        "CiliumAlerts",
        "Cilium agent and operator health, policy drops and DNS errors (aks-cilium)",
        (
            AlertRule(
                "CiliumPolicyDropsHigh",
                _policy_drops(policy_drops_per_second),
                "PT10M",
                2,
                f"Cilium drops more than {policy_drops_per_second} packets a second by policy in {{{{ $labels.direction }}}} traffic",
                "hubble observe --verdict DROPPED --type drop shows who is refused; docs/observability.md, Policy drops",
            ),
            AlertRule(
                "CiliumAgentUnavailable",
                f"kube_daemonset_status_number_unavailable{{{_AGENT}}} > 0",
                "PT10M",
                1,
                "{{ $value }} Cilium agents are unavailable: pods on their nodes have no datapath and no policy updates",
                "kubectl -n kube-system get pods -l k8s-app=cilium -o wide; cilium status",
            ),
            AlertRule(
                "CiliumOperatorUnavailable",
                f"kube_deployment_status_replicas_available{{{_OPERATOR}}} < 1",
                "PT5M",
                1,
                "No cilium-operator replica is available: new nodes get no pod CIDR and CRDs are not reconciled",
                "kubectl -n kube-system describe deployment cilium-operator",
            ),
            AlertRule(
                "CiliumUnreachableNodes",
                "max by (cluster) (cilium_unreachable_nodes) > 0",
                "PT15M",
                2,
                "Cilium agents cannot reach {{ $value }} nodes over the health checks",
                "cilium-health status in an agent pod names the nodes",
            ),
            AlertRule(
                "CiliumDnsErrorsHigh",
                f'sum by (cluster) (rate(hubble_dns_responses_total{{rcode!="No Error"}}[5m])) / '
                f"sum by (cluster) (rate(hubble_dns_responses_total[5m])) > {dns_error_ratio}",
                "PT10M",
                3,
                f"More than {dns_error_ratio:.0%} of the DNS answers Hubble sees are errors",
                "hubble observe --protocol dns shows the failing names; the DNS proxy refuses what no rule allows",
            ),
        ),
    )


def acns_alerts(policy_drops_per_second: float, dns_error_ratio: float) -> RuleGroup:
    """The same questions asked of ACNS's node metrics (MicrosoftDocs/azure-aks-docs container-network-observability-metrics.md)."""
    return RuleGroup(
        "NetworkObservabilityAlerts",
        "Policy drops and DNS errors from ACNS container network observability (aks-cilium)",
        (
            AlertRule(
                "AcnsPolicyDropsHigh",
                _policy_drops(policy_drops_per_second),
                "PT10M",
                2,
                f"Nodes drop more than {policy_drops_per_second} packets a second by policy in {{{{ $labels.direction }}}} traffic",
                "the Drops (Workload) dashboard shows which workloads; docs/observability.md",
            ),
            AlertRule(
                "AcnsDnsErrorsHigh",
                f'sum by (cluster) (rate(hubble_dns_responses_total{{rcode!="No Error"}}[5m])) / '
                f"sum by (cluster) (rate(hubble_dns_responses_total[5m])) > {dns_error_ratio}",
                "PT10M",
                3,
                f"More than {dns_error_ratio:.0%} of the DNS answers are errors",
                "the DNS (Cluster) dashboard shows the failing names",
            ),
        ),
    )


def kubernetes_alerts() -> RuleGroup:
    """Microsoft's recommended Kubernetes alerts that apply to every cluster here (Linux nodes, kube-state-metrics)."""
    return RuleGroup(
        "KubernetesRecommendedAlerts",
        "Kubernetes alerts from Microsoft's recommended set",
        (
            AlertRule(
                "KubePodCrashLooping",
                f'max_over_time(kube_pod_container_status_waiting_reason{{reason="CrashLoopBackOff", {_KSM}}}[5m]) >= 1',
                "PT15M",
                4,
                "{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is crash looping",
            ),
            AlertRule(
                "KubePodNotReadyByController",
                "sum by (namespace, controller, cluster) (max by (namespace, pod, cluster) "
                f'(kube_pod_status_phase{{{_KSM}, phase=~"Pending|Unknown"}}) * on (namespace, pod, cluster) group_left(controller) '
                'label_replace(kube_pod_owner, "controller", "$1", "owner_name", "(.*)")) > 0',
                "PT15M",
                3,
                "Pods of {{ $labels.namespace }}/{{ $labels.controller }} are not ready",
            ),
            AlertRule(
                "KubeDeploymentReplicasMismatch",
                f"(kube_deployment_spec_replicas{{{_KSM}}} > kube_deployment_status_replicas_available{{{_KSM}}}) "
                f"and (changes(kube_deployment_status_replicas_updated{{{_KSM}}}[10m]) == 0)",
                "PT15M",
                4,
                "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has fewer available replicas than it wants",
            ),
            AlertRule(
                "KubeJobFailed", f"kube_job_failed{{{_KSM}}} > 0", "PT15M", 3, "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed"
            ),
        ),
    )
