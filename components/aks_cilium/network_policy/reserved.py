"""Namespaces a stack must neither create nor put under default deny: Kubernetes', Cilium's and AKS's own."""

from __future__ import annotations

# Kubernetes creates these (kube-* is refused as a prefix besides); `default` holds the API server's Service.
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# Cilium's chart creates cilium-secrets for the secrets its Ingress, Gateway and policies read
# (../shared/cilium/1.20.0/values.yaml, secretsNamespace / tls.secretsNamespace).
CILIUM_NAMESPACES = ("cilium-secrets",)
# Namespaces AKS add-ons and extensions create, each from Microsoft's page for it (MicrosoftDocs/azure-aks-docs
# articles/aks/): application routing app-routing.md; Azure Policy limit-egress-traffic.md; the Istio add-on
# app-routing-gateway-api.md, istio-deploy-ingress.md and istio-deploy-egress.md; Dapr dapr-settings.md; Azure App
# Configuration azure-app-configuration.md. These add-ons also need IMDS (imds-restriction.md, Limitations).
AKS_ADDON_NAMESPACES = (
    "app-routing-system",
    "gatekeeper-system",
    "aks-istio-system",
    "aks-istio-ingress",
    "aks-istio-egress",
    "dapr-system",
    "azappconfig-system",
)
# Namespaces that keep IMDS and WireServer: the control plane's agents and the add-ons that authenticate through IMDS.
PLATFORM_NAMESPACES = ("kube-system", *AKS_ADDON_NAMESPACES)
# The connectivity check's own namespace: the check creates it, so a stack cannot manage it too.
PROBE_NAMESPACE = "aks-cilium-probe"

RESERVED_NAMESPACES = frozenset((*KUBERNETES_NAMESPACES, *CILIUM_NAMESPACES, *AKS_ADDON_NAMESPACES, PROBE_NAMESPACE))


def reserved_problem(name: str) -> str | None:
    """Why a stack may not manage the namespace `name`, or None."""
    if name == PROBE_NAMESPACE:
        return "is the connectivity check's own namespace, which the check creates"
    if name.startswith("kube-") or name in KUBERNETES_NAMESPACES:
        # Default deny there would cut kube-dns, konnectivity and the rest of the control plane's agents.
        return "is a Kubernetes system namespace, which must not be put under default deny"
    if name in CILIUM_NAMESPACES:
        return "is created by Cilium's chart (its secrets namespace)"
    if name in AKS_ADDON_NAMESPACES:
        return "is created by an AKS add-on or extension, which owns its policies"
    return None
