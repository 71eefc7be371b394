"""The pack's policies: each rule function bound to a name, a resource kind and a description that says why.

Every rule runs total: a property of the wrong type is a "cannot verify" finding at the policy's level, never an
exception, because an exception fails the whole gRPC call and hides every other policy's result for the resource.
Only the SDK's `UnknownValueError` passes through: the SDK turns it into the advisory "can't run during preview".
"""

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
from pulumi_policy.proxy import UnknownValueError

from . import aks, cilium_release, cnp, mesh, stack
from .resource_types import AGENT_POOL, CLUSTER, POLICY_KINDS, RELEASE
from .values import MalformedError

Check = Callable[[Mapping[str, Any]], list[str]]

# The policies a preview may not be able to decide, and why. Their values can be unknown at preview: the SDK then
# reports "can't run policy ... during preview" as advisory, and the update run, where the engine analyzes each
# resource again with known inputs before it creates or updates it, enforces them at their configured level.
VALUES_UNKNOWN = (
    "the Helm values are one Output; with kube-proxy replacement it includes the API server's host, a cluster output "
    "that is unknown at a preview that creates or changes the cluster, and then all of the values are unknown"
)
PREVIEW_DEFERS = {
    "hubble-relay-on": VALUES_UNKNOWN,
    "cilium-byocni-values": VALUES_UNKNOWN,
    "hubble-tls-not-helm": VALUES_UNKNOWN,
    "hubble-tls-on": VALUES_UNKNOWN,
    "cilium-policy-enforced": VALUES_UNKNOWN,
    "cilium-values-safe": VALUES_UNKNOWN,
    "pod-cidr-matches-cilium": VALUES_UNKNOWN,
}


def total(check: Callable[..., list[str]], *args: Any) -> list[str]:
    """The rule's findings; "cannot verify" findings instead of an exception."""
    try:
        return check(*args)
    except UnknownValueError:
        raise
    except MalformedError as error:
        return [str(error)]
    except Exception as error:  # a rule's bug must still be a finding, not a failed gRPC call that hides the others
        return [f"cannot verify: the rule failed on these properties ({type(error).__name__}: {error}); fix the resource's properties"]


def _resource_policy(
    name: str, types: tuple[str, ...], check: Check, applies: Callable[[Mapping[str, Any]], bool] = lambda _: True
) -> ResourceValidationPolicy:
    def judged(props: Mapping[str, Any]) -> list[str]:
        return check(props) if applies(props) else []

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in types:
            for message in total(judged, args.props):
                report(message, None)

    return ResourceValidationPolicy(name=name, description=(check.__doc__ or name).strip(), validate=validate)


def _cilium_policy(name: str, check: Check) -> ResourceValidationPolicy:
    return _resource_policy(name, (RELEASE,), check, cilium_release.is_cilium_release)


def open_egress(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    exempt = config.get("exemptNamespaces", [])
    if not isinstance(exempt, Sequence) or isinstance(exempt, str) or not all(isinstance(n, str) for n in exempt):
        raise MalformedError("the policy's exemptNamespaces config", "a list of namespace names", exempt)
    return cnp.no_open_egress(props, list(exempt))


def _no_open_egress() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type in POLICY_KINDS:
            for message in total(open_egress, args.props, args.get_config()):
                report(message, None)

    return ResourceValidationPolicy(
        name="no-open-egress",
        description=(cnp.no_open_egress.__doc__ or "").strip(),
        validate=validate,
        config_schema=PolicyConfigSchema(properties={"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": []}}),
    )


def unprotected(resource_type: str, protect: bool, protected_types: Any) -> list[str]:
    """Stateful resources keep `protect`: the engine refuses a replacement or deletion only while protect is true
    before and after the update, so turning it off in the same update as a replacing change would let it through."""
    if not isinstance(protected_types, Sequence) or isinstance(protected_types, str):
        raise MalformedError("the policy's resourceTypes config", "a list of resource types", protected_types)
    if resource_type in protected_types and not protect:
        return [f"{resource_type} is not protected; keep protect=True (to replace it on purpose, `pulumi state unprotect` it first)"]
    return []


def _stateful_resources_protected() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in total(unprotected, args.resource_type, bool(args.opts.protect), args.get_config().get("resourceTypes", [CLUSTER])):
            report(message, None)

    return ResourceValidationPolicy(
        name="stateful-resources-protected",
        description=" ".join((unprotected.__doc__ or "").split()),
        validate=validate,
        config_schema=PolicyConfigSchema(
            properties={"resourceTypes": {"type": "array", "items": {"type": "string"}, "default": [CLUSTER]}}
        ),
    )


def _stack_policy(name: str, check: Callable[[Sequence[stack.StackResource]], list[str]]) -> StackValidationPolicy:
    def resources(args: StackValidationArgs) -> list[stack.StackResource]:
        return [
            stack.StackResource(r.resource_type, r.urn, r.props, tuple(d.urn for d in r.dependencies), r.provider.urn if r.provider else "")
            for r in args.resources
        ]

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message in total(lambda: check(resources(args))):
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
    _resource_policy("linux-only-pools", (CLUSTER, AGENT_POOL), aks.pools_of),
    _stateful_resources_protected(),
    _cilium_policy("cilium-version-pinned", cilium_release.version_pinned),
    _cilium_policy("hubble-relay-on", cilium_release.hubble_relay_on),
    _cilium_policy("cilium-byocni-values", cilium_release.byocni_values),
    _cilium_policy("hubble-tls-not-helm", cilium_release.hubble_tls_not_helm),
    _cilium_policy("hubble-tls-on", cilium_release.hubble_tls_on),
    _cilium_policy("cilium-policy-enforced", cilium_release.policy_enforced),
    _cilium_policy("cilium-values-safe", cilium_release.values_safe),
    _resource_policy("fqdn-needs-dns-rule", POLICY_KINDS, cnp.fqdn_needs_dns_rule),
    _resource_policy("no-empty-rule-lists", POLICY_KINDS, cnp.no_empty_rule_lists),
    _no_open_egress(),
    _stack_policy("namespaces-default-deny", stack.namespaces_default_deny),
    _stack_policy("policies-after-cilium", stack.policies_after_cilium),
    _stack_policy("pod-cidr-matches-cilium", stack.pod_cidr_matches_cilium),
    _stack_policy("l7-needs-acns", stack.l7_needs_acns),
    _stack_policy("byocni-has-cilium", stack.byocni_has_cilium),
    _stack_policy("cluster-mesh-members", mesh.mesh_members),
]
