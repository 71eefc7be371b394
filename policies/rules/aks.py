"""Rules for azure-native:containerservice:ManagedCluster and AgentPool."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from . import addresses
from .library_facts import AKS_RESERVED
from .values import MalformedError, as_network, dig, list_at, mapping_at, mappings_in, str_at

Props = Mapping[str, Any]


def cilium_network_mode(props: Props) -> list[str]:
    """BYOCNI (plugin none) or Azure CNI powered by Cilium (azure + overlay + cilium dataplane and policy)."""
    profile = mapping_at(props, "networkProfile")
    plugin = str_at(profile, "networkPlugin")
    if plugin == "none":
        return []
    if plugin == "kubenet":
        return ["kubenet is retiring and has no Cilium; use networkPlugin none (BYOCNI) or azure with the cilium dataplane"]
    expected = {"networkPlugin": "azure", "networkPluginMode": "overlay", "networkDataplane": "cilium", "networkPolicy": "cilium"}
    wrong = [f"{key}={profile.get(key)!r}" for key, value in expected.items() if profile.get(key) != value]
    if wrong:
        return [f"not a Cilium mode ({', '.join(wrong)}); set networkPlugin none, or azure + overlay + cilium dataplane + cilium policy"]
    return []


def pod_cidr_safe(props: Props) -> list[str]:
    """Pod CIDR set explicitly, disjoint from the service CIDR and AKS reserved ranges; DNS IP inside the service CIDR."""
    profile = mapping_at(props, "networkProfile")
    pod, service = as_network(profile.get("podCidr")), as_network(profile.get("serviceCidr"))
    if pod is None or service is None:
        return ["podCidr and serviceCidr must be set explicitly (Azure and Cilium defaults collide); set both in the network profile"]
    problems = []
    if pod.overlaps(service):
        problems.append(f"podCidr {pod} overlaps serviceCidr {service}; pick disjoint ranges")
    for reserved in AKS_RESERVED:
        for name, cidr in (("podCidr", pod), ("serviceCidr", service)):
            if cidr.overlaps(ipaddress.IPv4Network(reserved)):
                problems.append(f"{name} {cidr} overlaps {reserved}, reserved by AKS; move it")
    try:
        dns = ipaddress.IPv4Address(str(profile.get("dnsServiceIP")))
    except ValueError:
        problems.append("dnsServiceIP must be set to an address inside serviceCidr")
    else:
        if dns not in service:
            problems.append(f"dnsServiceIP {dns} is outside serviceCidr {service}; pick an address inside it")
    return problems


def acns_needs_cilium_dataplane(props: Props) -> list[str]:
    """Advanced Container Networking Services need the Cilium dataplane."""
    profile = mapping_at(props, "networkProfile")
    acns_on = dig(profile, "advancedNetworking", "enabled") is True
    if acns_on and profile.get("networkDataplane") != "cilium":
        return ["advancedNetworking is on without networkDataplane cilium; switch the dataplane or turn ACNS off"]
    return []


def entra_id_with_azure_rbac(props: Props) -> list[str]:
    """Local accounts off, managed Entra ID with Azure RBAC, Kubernetes RBAC on."""
    problems = []
    if props.get("disableLocalAccounts") is not True:
        problems.append("local accounts are enabled; set disableLocalAccounts true (use Entra ID user credentials)")
    if dig(props, "aadProfile", "managed") is not True or dig(props, "aadProfile", "enableAzureRBAC") is not True:
        problems.append("managed Entra ID with Azure RBAC is off; set aadProfile.managed and aadProfile.enableAzureRBAC true")
    if props.get("enableRBAC") is not True:
        problems.append("Kubernetes RBAC is off; set enableRBAC true")
    return problems


def api_server_restricted(props: Props) -> list[str]:
    """The API server is private, or limited to authorized IP ranges that together are not the internet."""
    if dig(props, "apiServerAccessProfile", "enablePrivateCluster") is True:
        return []
    path = "apiServerAccessProfile.authorizedIPRanges"
    ranges = list_at(props, "apiServerAccessProfile", "authorizedIPRanges")
    if not ranges:
        return ["the API server is open to the internet; set authorizedIPRanges or enablePrivateCluster"]
    for index, text in enumerate(ranges):
        if not isinstance(text, str):
            raise MalformedError(f"{path}[{index}]", "a CIDR string", text)
    covered = addresses.coverage(ranges)
    problems = [f"authorized range {text!r} is not an IP range; write a CIDR such as 198.51.100.0/24" for text in covered.unparsable]
    if covered.is_world:
        problems.append(
            f"the authorized ranges together admit {covered.internet_v4:,} internet IPv4 addresses (more than a /8), which is "
            "the internet in all but name; list your own networks"
        )
    return problems


def workload_identity(props: Props) -> list[str]:
    """OIDC issuer and workload identity on, so pods use federated identities instead of secrets."""
    if dig(props, "oidcIssuerProfile", "enabled") is True and dig(props, "securityProfile", "workloadIdentity", "enabled") is True:
        return []
    return ["OIDC issuer or workload identity is off; set oidcIssuerProfile.enabled and securityProfile.workloadIdentity.enabled true"]


def upgrade_channels(props: Props) -> list[str]:
    """Cluster and node OS upgrades happen on a channel, not by hand."""
    problems = []
    if str_at(props, "autoUpgradeProfile", "upgradeChannel") in (None, "", "none"):
        problems.append("no cluster upgrade channel; set autoUpgradeProfile.upgradeChannel (stable, patch, rapid or node-image)")
    if str_at(props, "autoUpgradeProfile", "nodeOSUpgradeChannel") in (None, "", "None", "Unmanaged"):
        problems.append("no node OS upgrade channel; set autoUpgradeProfile.nodeOSUpgradeChannel to NodeImage or SecurityPatch")
    return problems


def linux_only_pools(pools: list[Props]) -> list[str]:
    """Cilium on AKS is Linux-only."""
    return [
        f"pool {pool.get('name', '?')} runs {pool.get('osType')}; Cilium on AKS supports Linux pools only"
        for pool in pools
        if pool.get("osType") != "Linux"
    ]


def pools_of(props: Props) -> list[str]:
    """Cilium on AKS is Linux-only: every pool, inline or separate, runs Linux."""
    if "agentPoolProfiles" not in props:
        return linux_only_pools([props])
    return linux_only_pools(mappings_in(list_at(props, "agentPoolProfiles"), "agentPoolProfiles"))


# LocalDNS modes (pulumi-azure-native containerservice LocalDNSMode): `Required` installs it; `Preferred` is validated
# but not installed today, and "in a future Kubernetes version, this mode will transition to automatically enabling
# LocalDNS" (MicrosoftDocs/azure-aks-docs articles/aks/localdns-custom.md, "Configure the mode"), so both count as on.
# A profile without a mode is Preferred: azure-native fills it in (sdk/python containerservice/_inputs.py,
# LocalDNSProfileArgs), and the documented default configuration has it.
_LOCAL_DNS_ON = ("preferred", "required")


def _pool_local_dns(pool: Props, where: str) -> str | None:
    """The pool's LocalDNS mode when it is (or may turn) on; None when off or not configured."""
    if dig(pool, "localDNSProfile", where=where) is None:
        return None
    mapping_at(pool, "localDNSProfile", where=where)  # an object, or MalformedError
    mode = str_at(pool, "localDNSProfile", "mode", where=where) or "Preferred"
    return mode if mode.lower() in _LOCAL_DNS_ON else None


def local_dns_pools(props: Props, is_cluster: bool) -> list[str]:
    """Where LocalDNS runs or may run, in words: each pool whose localDNSProfile turns it on, and an AKS Automatic
    cluster, which preconfigures it (articles/aks/dns-concepts.md, "AKS Automatic and AKS Standard behavior") unless
    every pool it lists disables it."""
    if not is_cluster:
        mode = _pool_local_dns(props, "")
        return [f"localDNSProfile.mode {mode}"] if mode else []
    pools = mappings_in(list_at(props, "agentPoolProfiles"), "agentPoolProfiles")
    found = []
    for index, pool in enumerate(pools):
        where = f"agentPoolProfiles[{index}]"
        mode = _pool_local_dns(pool, where)
        if mode:
            found.append(f"{where}.localDNSProfile.mode {mode}")
    sku = str_at(props, "sku", "name") or ""
    disabled = [str_at(pool, "localDNSProfile", "mode", where=f"agentPoolProfiles[{i}]") for i, pool in enumerate(pools)]
    if sku.lower() == "automatic" and not (pools and all((mode or "").lower() == "disabled" for mode in disabled)):
        found.append("sku.name Automatic (AKS Automatic preconfigures LocalDNS)")
    return found
