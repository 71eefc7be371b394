"""The pack's policies: each rule function bound to a name, a resource kind and a description that says why."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import aks, cilium_release, cnp, stack

CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
RELEASE = "kubernetes:helm.sh/v3:Release"
CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
Check = Callable[[Mapping[str, Any]], list[str]]


def _resource_policy(
    name: str, types: tuple[str, ...], check: Check, applies: Callable[[Mapping[str, Any]], bool] = lambda _: True
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in types and applies(args.props):
            for message in check(args.props):
                report(message, None)

    return ResourceValidationPolicy(name=name, description=(check.__doc__ or name).strip(), validate=validate)


def _pools(props: Mapping[str, Any]) -> list[str]:
    """Cilium on AKS is Linux-only: every pool, inline or separate, runs Linux."""
    pools = props.get("agentPoolProfiles")
    return aks.linux_only_pools(list(pools) if pools is not None else [props])


def _no_open_egress() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type == CNP:
            exempt = list(args.get_config().get("exemptNamespaces", []))
            for message in cnp.no_open_egress(args.props, exempt):
                report(message, None)

    return ResourceValidationPolicy(
        name="no-open-egress",
        description=(cnp.no_open_egress.__doc__ or "").strip(),
        validate=validate,
        config_schema=PolicyConfigSchema(properties={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": []}}),
    )


def _stack_policy(name: str, check: Callable[[Sequence[stack.StackResource]], list[str]]) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [stack.StackResource(r.resource_type, r.urn, r.props, tuple(d.urn for d in r.dependencies)) for r in args.resources]
        for message in check(resources):
            report(message, None)

    return StackValidationPolicy(name=name, description=(check.__doc__ or name).strip(), validate=validate)


POLICIES = [
    _resource_policy("cilium-network-mode", (CLUSTER,), aks.cilium_network_mode),
    _resource_policy("pod-cidr-safe", (CLUSTER,), aks.pod_cidr_safe),
    _resource_policy("acns-needs-cilium-dataplane", (CLUSTER,), aks.acns_needs_cilium_dataplane),
    _resource_policy("entra-id-rbac", (CLUSTER,), aks.entra_id_with_azure_rbac),
    _resource_policy("api-server-restricted", (CLUSTER,), aks.api_server_restricted),
    _resource_policy("workload-identity", (CLUSTER,), aks.workload_identity),
    _resource_policy("upgrade-channels", (CLUSTER,), aks.upgrade_channels),
    _resource_policy("linux-only-pools", (CLUSTER, AGENT_POOL), _pools),
    _resource_policy("cilium-version-pinned", (RELEASE,), cilium_release.version_pinned, cilium_release.is_cilium_release),
    _resource_policy("hubble-relay-on", (RELEASE,), cilium_release.hubble_relay_on, cilium_release.is_cilium_release),
    _resource_policy("cilium-byocni-values", (RELEASE,), cilium_release.byocni_values, cilium_release.is_cilium_release),
    _resource_policy("hubble-tls-not-helm", (RELEASE,), cilium_release.hubble_tls_not_helm, cilium_release.is_cilium_release),
    _resource_policy("fqdn-needs-dns-rule", (CNP,), cnp.fqdn_needs_dns_rule),
    _resource_policy("no-empty-rule-lists", (CNP,), cnp.no_empty_rule_lists),
    _no_open_egress(),
    _stack_policy("namespaces-default-deny", stack.namespaces_default_deny),
    _stack_policy("policies-after-cilium", stack.policies_after_cilium),
    _stack_policy("pod-cidr-matches-cilium", stack.pod_cidr_matches_cilium),
    _stack_policy("l7-needs-acns", stack.l7_needs_acns),
]
