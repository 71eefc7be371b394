"""Rules for the Cilium Helm release: any Helm release (v3 Release, v4 Chart) whose chart is Cilium, however it is named."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from .library_facts import (
    CHART_ARCHIVE_SHA256,
    CHART_NAME,
    CHART_REPOSITORY,
    COMPONENT_VALUE_PATHS,
    EXACT_VERSION_PATTERN,
    EXTRA_VALUES_ALLOWED,
    FIXED_VALUES,
)
from .values import MalformedError, dig, is_list, mapping_at, str_at

Props = Mapping[str, Any]
# The library's one exact-version pattern (ASCII digits only), from the generated facts.
_EXACT = re.compile(EXACT_VERSION_PATTERN)
_ARCHIVE = re.compile(r"(?:-v?[0-9][^/]*)?\.(?:tgz|tar\.gz)\Z", re.IGNORECASE)
# Keys that change what Cilium enforces or runs when they appear anywhere in the values (agent, operator, relay...).
_ANYWHERE = {
    "image": "an image override runs another build than the chart's digest-pinned images",
    "extraConfig": "extraConfig writes straight into cilium-config and can change routing, IPAM or enforcement",
    "extraArgs": "extraArgs pass flags that override the chart's own settings",
}
_NATIVE_ROUTING = ("autoDirectNodeRoutes", "ipv4NativeRoutingCIDR", "ipv6NativeRoutingCIDR")
# The IPAM values the program sets (byocni_values checks the mode); anything else under ipam changes pod addressing.
_OWNED_IPAM_OPERATOR = ("clusterPoolIPv4PodCIDRList", "clusterPoolIPv4MaskSize")


# Where Cilium publishes its chart besides its repository: `oci://quay.io/cilium/charts/cilium`, "Available
# Registries" in cilium/cilium Documentation/installation/k8s-install-helm-oci.rst (the only registry it lists).
CHART_OCI = "oci://quay.io/cilium/charts/cilium"
# Values that mark a release as Cilium's whatever its chart is called: keys no other chart this stack installs has.
_CILIUM_VALUE_KEYS = ("aksbyocni", "hubble", "enableNonDefaultDenyPolicies", "policyEnforcementMode")


def chart_name(chart: str) -> str:
    """The chart's own name in any form Helm takes (helm/helm `cmd/helm/install.go`, the install help): `cilium`,
    `cilium/cilium`, a path or URL to a packaged `.tgz` (with or without a query or fragment), an OCI reference with a
    tag or digest, an unpacked chart's directory."""
    text = unquote(chart.strip())
    if "://" in text:
        parts = urlsplit(text)
        text = parts.netloc + parts.path
    name = text.rstrip("/").rsplit("/", 1)[-1]
    name = name.split("@", 1)[0].split(":", 1)[0]
    return _ARCHIVE.sub("", name).lower()


def is_cilium_release(props: Props) -> bool:
    """The chart is named cilium in any form, or the release is named cilium, or its values are Cilium's."""
    chart = str_at(props, "chart")
    if chart is not None and chart_name(chart) == CHART_NAME:
        return True
    if props.get("name") == CHART_NAME:
        return True
    values = props.get("values")
    return isinstance(values, Mapping) and any(key in values for key in _CILIUM_VALUE_KEYS)


def chart_source(props: Props) -> list[str]:
    """Cilium comes from Cilium's repository (or its OCI registry) at a version whose archive digest the product pins:
    a chart from anywhere else, a local alias or a mirror can hold any code under Cilium's name."""
    chart = str_at(props, "chart") or ""
    version = str_at(props, "version") or ""
    repo = (str_at(props, "repositoryOpts", "repo") or "").strip().rstrip("/")
    archive = f"{CHART_REPOSITORY}/{CHART_NAME}-{version}.tgz"
    oci_tag = chart.removeprefix(CHART_OCI).removeprefix(":")
    published = (
        (chart == CHART_NAME and repo == CHART_REPOSITORY)
        or (chart == archive and repo in ("", CHART_REPOSITORY))
        or (chart.startswith(CHART_OCI) and oci_tag in ("", version) and not repo)
    )
    problems = []
    if not published:
        shown = f"chart {chart!r}" + (f" from repository {repo!r}" if repo else "")
        problems.append(
            f"{shown} is not Cilium's published chart; use chart {CHART_NAME!r} with repositoryOpts.repo {CHART_REPOSITORY} "
            f"(or {archive}, or {CHART_OCI})"
        )
    if version not in CHART_ARCHIVE_SHA256:
        problems.append(
            f"chart version {version!r} has no pinned archive digest (offline/cilium_sums/); pin one of "
            f"{', '.join(sorted(CHART_ARCHIVE_SHA256))}, or add the version's sums and run `make pack-facts`"
        )
    return problems


def version_pinned(props: Props) -> list[str]:
    """An exact chart version: a range, no version, or non-ASCII digits upgrade Cilium behind your back or fail."""
    version = str_at(props, "version")
    if version is None or not _EXACT.fullmatch(version):
        return [f"chart version {version!r} is not exact; pin x.y.z in ASCII digits"]
    return []


def hubble_relay_on(props: Props) -> list[str]:
    """Hubble and its relay are on and run at least one replica, so flows can be observed cluster-wide."""
    values = mapping_at(props, "values")
    if dig(values, "hubble", "enabled") is False or dig(values, "hubble", "relay", "enabled") is not True:
        return ["Hubble or Hubble relay is off; set hubble.enabled and hubble.relay.enabled true"]
    # The chart renders the relay Deployment with `replicas: {{ .Values.hubble.relay.replicas }}` (values.yaml: 1).
    replicas = dig(values, "hubble", "relay", "replicas")
    if replicas is None:
        return []
    if isinstance(replicas, bool) or not isinstance(replicas, int | float) or replicas != int(replicas):
        raise MalformedError("values.hubble.relay.replicas", "a whole number", replicas)
    if replicas < 1:
        return [f"hubble.relay.replicas is {int(replicas)}: the relay Deployment runs no pod, so Hubble is off; use 1 or more"]
    return []


def _leaf_paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in values.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaf_paths(value, path)
        else:
            yield path


def values_vocabulary(props: Props) -> list[str]:
    """Only the paths the Cilium component sets, and the extra values the library allows: the same vocabulary as the
    library's (policies/rules/library_facts.py), so values the library would refuse cannot reach the chart another way."""
    allowed = [tuple(path.split(".")) for path in COMPONENT_VALUE_PATHS + EXTRA_VALUES_ALLOWED]
    outside = sorted({".".join(path) for path in _leaf_paths(mapping_at(props, "values")) if not any(path[: len(a)] == a for a in allowed)})
    if not outside:
        return []
    return [f"values set {', '.join(outside)}, outside the library's vocabulary (README, Cilium extra values); remove them"]


def component_values(props: Props) -> list[str]:
    """The values the component sets itself keep their values: non-default-deny policies on, an operator running, and
    kube-proxy replacement off (k8sServiceHost and k8sServicePort, which only it reads, are outside the vocabulary)."""
    values = mapping_at(props, "values")
    problems = [
        f"{path} is {dig(values, *path.split('.'))!r}; the component sets {expected!r}, keep it"
        for path, expected in FIXED_VALUES.items()
        if path in _JUDGED_HERE and dig(values, *path.split(".")) not in (None, expected)
    ]
    # values.yaml: kubeProxyReplacement "false" by default. AKS keeps its kube-proxy DaemonSet on bring-your-own-CNI
    # unless the preview kubeProxyConfig API turns it off (MicrosoftDocs/azure-aks-docs articles/aks/configure-kube-proxy.md),
    # and Cilium's replacement is not meant to run beside kube-proxy: the component always sets false.
    replacement = dig(values, "kubeProxyReplacement")
    if replacement not in (None, False, "false"):
        problems.append(
            f"kubeProxyReplacement is {replacement!r}; AKS keeps kube-proxy running on bring-your-own-CNI (turning it off "
            "needs the preview kubeProxyConfig API), so the component sets false, keep it"
        )
    # The operator creates Cilium's CRDs and allocates pod CIDRs: the component sizes it to the nodes, never to 0.
    operators = dig(values, "operator", "replicas")
    if operators is not None and (isinstance(operators, bool) or not isinstance(operators, int | float) or operators < 1):
        problems.append(f"operator.replicas is {operators!r}; without an operator no CRD or pod CIDR is managed, use 1 or more")
    return problems


def value_files_absent(props: Props) -> list[str]:
    """Values come only from `values`: `valueYamlFiles` are merged by Helm out of the pack's sight."""
    files = props.get("valueYamlFiles")
    if files is None or (is_list(files) and len(files) == 0):
        return []
    return ["cannot verify: valueYamlFiles merge values the pack cannot read; put the values in `values`"]


def byocni_values(props: Props) -> list[str]:
    """The values AKS bring-your-own-CNI needs: aksbyocni on, tunnel routing, cluster-pool IPAM."""
    values = mapping_at(props, "values")
    problems = []
    if dig(values, "aksbyocni", "enabled") is not True:
        problems.append("aksbyocni.enabled is not true")
    if dig(values, "routingMode") != "tunnel":
        problems.append("routingMode is not tunnel (the chart requires it with aksbyocni)")
    if dig(values, "ipam", "mode") not in (None, "cluster-pool"):
        problems.append("ipam.mode is not cluster-pool")
    return [f"{p}; fix the Cilium values" for p in problems]


# The fixed values judged by component_values; the others have their own rules (cilium-byocni-values, hubble-relay-on,
# hubble-tls-not-helm).
_JUDGED_HERE = ("enableNonDefaultDenyPolicies", "hubble.tls.auto.enabled")


def hubble_tls_not_helm(props: Props) -> list[str]:
    """`helm` certificate generation changes on every render: perpetual diffs and restarts."""
    if str_at(mapping_at(props, "values"), "hubble", "tls", "auto", "method") in (None, "helm"):
        return ["hubble.tls.auto.method is helm (the chart default); set it to cronJob"]
    return []


def hubble_tls_on(props: Props) -> list[str]:
    """Hubble's API carries every flow's metadata on the host network: its mutual TLS stays on."""
    enabled = dig(props, "values", "hubble", "tls", "enabled")
    if enabled is None or enabled is True:
        return []
    if enabled is False:
        return ["hubble.tls.enabled is false; remove it (the chart's default is true)"]
    raise MalformedError("values.hubble.tls.enabled", "a boolean", enabled)


def policy_enforced(props: Props) -> list[str]:
    """Cilium enforces network policy: `policyEnforcementMode: never` turns every CiliumNetworkPolicy off."""
    mode = str_at(mapping_at(props, "values"), "policyEnforcementMode")
    if mode in (None, "default", "always"):
        return []
    return [f"policyEnforcementMode is {mode!r}; remove it or use default or always"]


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every (path, key, value) in a values tree, through objects and lists."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            yield child, str(key), value
            yield from _walk(value, child)
    elif is_list(node):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def _empty(value: Any) -> bool:
    return value is None or ((isinstance(value, Mapping) or is_list(value) or isinstance(value, str)) and len(value) == 0)


def values_safe(props: Props) -> list[str]:
    """No values that quietly change routing, IPAM, encryption or the images, or pass raw config and flags to Cilium."""
    values = mapping_at(props, "values")
    problems = [
        f"values set {path}: {_ANYWHERE[key]}; remove it"
        for path, key, value in _walk(values, "")
        if key in _ANYWHERE and not _empty(value)
    ]
    problems += [
        f"values set {key}, a native-routing setting; BYOCNI uses tunnel routing, remove it" for key in _NATIVE_ROUTING if key in values
    ]
    tunnel = dig(values, "tunnelProtocol")
    if tunnel not in (None, "vxlan", "geneve"):
        problems.append(f"tunnelProtocol is {tunnel!r}; use vxlan or geneve")
    ipam = mapping_at(values, "ipam", where="values")
    owned = "IPAM is the program's (cluster-pool from the pod CIDR), remove it"
    problems += [f"values set ipam.{key}; {owned}" for key in ipam if key not in ("mode", "operator")]
    problems += [
        f"values set ipam.operator.{key}; {owned}"
        for key in mapping_at(ipam, "operator", where="values.ipam")
        if key not in _OWNED_IPAM_OPERATOR
    ]
    encryption = mapping_at(values, "encryption", where="values")
    problems += [
        f"values set encryption.{key}; only WireGuard on or off (with its strict ingress mode) is supported, remove it"
        for key in encryption
        if key not in ("enabled", "type", "strictMode")
    ]
    # WireGuard's strict mode drops unencrypted pod-to-pod ingress (values.yaml, encryption.strictMode.ingress): it can
    # only narrow what passes. Its egress half takes a CIDR that decides what must be encrypted, so it stays refused.
    strict = mapping_at(values, "encryption", "strictMode", where="values")
    problems += [
        f"values set encryption.strictMode.{key}; only strictMode.ingress.enabled is supported, remove it"
        for key in strict
        if key != "ingress"
    ]
    problems += [
        f"values set encryption.strictMode.ingress.{key}; only enabled is supported, remove it"
        for key in mapping_at(strict, "ingress", where="values.encryption.strictMode")
        if key != "enabled"
    ]
    if encryption.get("type") not in (None, "wireguard"):
        problems.append(f"encryption.type is {encryption.get('type')!r}; use wireguard")
    return problems
