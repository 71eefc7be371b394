"""Compliant resource properties as the engine sends them to the pack: the base every rule test changes one field of."""

from __future__ import annotations

from typing import Any

CLUSTER_PROPS: dict[str, Any] = {
    "disableLocalAccounts": True,
    "enableRBAC": True,
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24"]},
    "oidcIssuerProfile": {"enabled": True},
    "securityProfile": {"workloadIdentity": {"enabled": True}},
    "autoUpgradeProfile": {"upgradeChannel": "stable", "nodeOSUpgradeChannel": "NodeImage"},
    "networkProfile": {"networkPlugin": "none", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10"},
}

RELEASE_PROPS: dict[str, Any] = {
    "chart": "cilium",
    "repositoryOpts": {"repo": "https://helm.cilium.io"},
    "version": "1.20.0",
    "values": {
        "aksbyocni": {"enabled": True},
        "routingMode": "tunnel",
        "hubble": {"relay": {"enabled": True}, "tls": {"auto": {"method": "cronJob"}}},
    },
}

DNS_RULE = {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}],
            "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}]}  # fmt: skip
# The cluster as the pack sees it in a stack: with the system pool the component always sends.
CLUSTER_WITH_POOLS = {**CLUSTER_PROPS, "agentPoolProfiles": [{"name": "system", "osType": "Linux"}]}
