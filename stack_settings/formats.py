"""Shape checks for single values; each returns a problem description or None."""

from __future__ import annotations

import re

from aks_cilium.network_policy.args import namespace_problem

_REGION = re.compile(r"^[a-z]+[a-z0-9]*$")
_VM_SIZE = re.compile(r"^Standard_[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")
_K8S_VERSION = re.compile(r"^1\.(\d{2})(\.\d{1,2})?$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_AZURE_NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,17}[a-z0-9]$|^[a-z]$")
_AKS_DNS_PREFIX = re.compile(r"^[a-zA-Z0-9]([-a-zA-Z0-9]{0,52}[a-zA-Z0-9])?$")


def azure_region(value: str) -> str | None:
    return None if _REGION.match(value) else "is not an Azure region name (lower case, no spaces)"


def vm_size(value: str) -> str | None:
    return None if _VM_SIZE.match(value) else "is not an Azure VM size (Standard_<family>...)"


def kubernetes_version(value: str) -> str | None:
    """The shape only; whether AKS still creates clusters on it is the version policy's (cluster_rules)."""
    return None if _K8S_VERSION.match(value) else "is not a Kubernetes version (1.<minor> or 1.<minor>.<patch>)"


def exact_version(value: str) -> str | None:
    return None if _SEMVER.match(value) else "is not an exact version x.y.z (ranges are refused)"


def guid(value: str) -> str | None:
    return None if _GUID.match(value) else "is not a GUID"


def optional_guid(value: str) -> str | None:
    return None if value == "" else guid(value)


def name_prefix(value: str) -> str | None:
    if _AZURE_NAME_PREFIX.match(value):
        return None
    return "must be 1-19 lower-case letters, digits or hyphens, starting with a letter"


def aks_dns_prefix(value: str) -> str | None:
    """The cluster name doubles as its DNS prefix: 1-54 letters, digits and hyphens, alphanumeric at both ends."""
    return None if _AKS_DNS_PREFIX.match(value) else "is not a valid AKS DNS prefix (1-54 letters, digits, hyphens)"


def source_namespace_name(value: str) -> str | None:
    """A namespace traffic may come from or go to that this program does not create: system namespaces included."""
    return namespace_problem(value)
