"""Policies written by hand in Cilium's policy language, and the analyser's verdict on one flow over them."""

from __future__ import annotations

from typing import Any

from aks_cilium.network_policy.expectations import parse_flow
from offline.reachability import analyse_manifests
from offline.reachability.engine import Verdict
from offline.reachability.mode import Mode

BYOCNI = Mode()
ACNS_FQDN = Mode(managed=True, acns_security=True)
ACNS_L7 = Mode(managed=True, acns_security=True, acns_l7=True)
MANAGED_WITHOUT_ACNS = Mode(managed=True)
KUBE_DNS = {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def cnp(namespace_name: str, name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("endpointSelector", {})
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": namespace_name},
        "spec": spec,
    }


def ccnp(name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("endpointSelector", {})
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def ports(*items: str, **rules: Any) -> dict[str, Any]:
    """`toPorts` entry from "443/TCP", "53/ANY", "8000-8100/TCP"."""
    entries = []
    for item in items:
        port, _, protocol = item.partition("/")
        first, _, last = port.partition("-")
        entry: dict[str, Any] = {"port": first, "protocol": protocol or "TCP"}
        if last:
            entry["endPort"] = int(last)
        entries.append(entry)
    return {"ports": entries, **({"rules": rules} if rules else {})}


def judge(manifests: list[dict[str, Any]], flow: str, mode: Mode = BYOCNI) -> Verdict:
    """The verdict on `flow` ("a -> b:80", "a -> api.example.com:443/TCP") under `manifests`."""
    analysis = analyse_manifests(manifests, mode=mode, materialise=False)
    source, target, port, protocol = parse_flow(flow)
    return analysis.judge(source, target.kind, target.value, port, protocol)


def allowed(manifests: list[dict[str, Any]], flow: str, mode: Mode = BYOCNI) -> bool:
    return judge(manifests, flow, mode).allowed
