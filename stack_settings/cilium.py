"""Config keys of the Helm-installed Cilium: read them, and report the library's Cilium rules against them."""

from __future__ import annotations

from aks_cilium.cilium.rules import (
    cluster_name_problem,
    extra_values_problem,
    hubble_metric_problem,
    hubble_metrics_problem,
    kube_proxy_replacement_problem,
    missing_fix_problem,
    upgrade_problem,
    version_problem,
)

from . import formats
from .model import CiliumSettings, Settings
from .reader import ConfigReader

# Each on/off config key and the Cilium arg it sets: a new switch is one line here, one declaration in Pulumi.yaml,
# and its field and handling in the component.
HELM_SWITCHES: dict[str, str] = {
    "hubbleServiceMonitors": "service_monitors",
    "wireguard": "wireguard",
    "kubeProxyReplacement": "kube_proxy_replacement",
    "bandwidthManager": "bandwidth_manager",
}
# Keys that only mean something to the Helm release, with the value that leaves them unused.
# ciliumPreviousVersion is not among them: it records history, and a stack keeps it while its mode is being decided.
HELM_ONLY_KEYS = {**dict.fromkeys(HELM_SWITCHES, "false"), "clusterMeshId": "0", "ciliumExtraValues": "{}"}


def _optional_version(value: str) -> str | None:
    return None if value == "" else formats.bare(version_problem)(value)


def read_cilium(reader: ConfigReader) -> CiliumSettings:
    switches = {arg: reader.boolean(key) for key, arg in HELM_SWITCHES.items()}
    return CiliumSettings(
        version=reader.string("ciliumVersion", "1.20.2", formats.bare(version_problem)),
        previous_version=reader.string("ciliumPreviousVersion", "1.20.2", _optional_version),
        hubble_metrics=reader.string_list("hubbleMetrics", "dns", hubble_metric_problem),
        cluster_id=reader.integer("clusterMeshId", 0, 255, "7"),
        switches=switches,
        extra_values=reader.json_object("ciliumExtraValues", '\'{"debug": {"enabled": true}}\''),
    )


def check_cilium(reader: ConfigReader, settings: Settings) -> None:
    """byocni: the component's rules, each reported against its key; azure-cilium: the Helm-only keys stay unset."""
    cilium = settings.cilium
    if not settings.byocni:
        set_keys = [key for key, arg in HELM_SWITCHES.items() if cilium.switches[arg]]
        set_keys += ["clusterMeshId"] if cilium.cluster_id else []
        set_keys += ["ciliumExtraValues"] if cilium.extra_values else []
        for key in set_keys:
            reader.fail(
                key,
                "is a Helm-installed Cilium option; in azure-cilium mode Azure runs Cilium and its config is not ours",
                HELM_ONLY_KEYS[key],
            )
        return
    name_problem = cluster_name_problem(settings.cluster.cluster_name)
    if name_problem:
        reader.fail("namePrefix", f"with stack {settings.stack!r} makes Cilium's cluster name the cluster's: {name_problem}", "cilium")
    metrics_problem = hubble_metrics_problem(cilium.hubble_metrics)
    if metrics_problem:
        conflicting = [index for index, metric in enumerate(cilium.hubble_metrics) if metric.split(":", 1)[0] == "http"]
        index = conflicting[0] if conflicting else len(cilium.hubble_metrics) - 1
        reader.fail("hubbleMetrics", metrics_problem, f"pulumi config rm --path 'hubbleMetrics[{index}]'", path=f"[{index}]")
    replacement_problem = kube_proxy_replacement_problem(cilium.switches["kube_proxy_replacement"])
    if replacement_problem:
        reader.fail("kubeProxyReplacement", replacement_problem, "false")
    extra_problem = extra_values_problem(cilium.extra_values)
    if extra_problem:
        reader.fail("ciliumExtraValues", extra_problem, "{}")
    missing_fix = missing_fix_problem(cilium.version)
    if missing_fix:
        reader.fail("ciliumVersion", missing_fix, "1.20.2")
    jump = upgrade_problem(cilium.previous_version, cilium.version) if cilium.previous_version else None
    if jump:
        reader.fail("ciliumVersion", f"{jump}; ciliumPreviousVersion records the deployed one", cilium.previous_version)
