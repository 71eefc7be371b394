"""The pack's policies: each rule function bound to a name, a resource kind and a description that says why.

Every rule runs total: a property of the wrong type is a "cannot verify" finding at the policy's level, never an
exception, because an exception fails the whole gRPC call and hides every other policy's result for the resource.
Only the SDK's `UnknownValueError` passes through: the SDK turns it into the advisory "can't run during preview".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from . import aks, cilium_release, cnp, mesh, native_policy, stack, support
from .kinds import (
    AGENT_POOL,
    CCNP,
    CILIUM_POLICY_KINDS,
    CLUSTER,
    CNP,
    CONFIG_MAP,
    HELM_RELEASE,
    NETWORK_POLICY,
    is_helm_chart_child,
    is_kind,
    kind_of,
)
from .tier import PROD, TIERS, stack_tier
from .values import MalformedError, dig

CLUSTER_TOKEN = "azure-native:containerservice:ManagedCluster"

Check = Callable[[Mapping[str, Any]], list[str]]

# The policies a preview may not be able to decide, and why. Their values can be unknown at preview: the SDK then
# reports "can't run policy ... during preview" as advisory, and the update run, where the engine analyzes each
# resource again with known inputs before it creates or updates it, enforces them at their configured level.
VALUES_UNKNOWN = (
    "the Helm values are one Output; when one of the component's args is unknown at preview (a Cluster Mesh member's "
    "peers and addresses, which come from other resources), all of the values are unknown"
)
PREVIEW_DEFERS = {
    "hubble-relay-on": VALUES_UNKNOWN,
    "cilium-byocni-values": VALUES_UNKNOWN,
    "hubble-tls-not-helm": VALUES_UNKNOWN,
    "hubble-tls-on": VALUES_UNKNOWN,
    "cilium-policy-enforced": VALUES_UNKNOWN,
    "cilium-values-safe": VALUES_UNKNOWN,
    "cilium-values-vocabulary": VALUES_UNKNOWN,
    "cilium-component-values": VALUES_UNKNOWN,
    "pod-cidr-matches-cilium": VALUES_UNKNOWN,
}


# What each policy judges, in words, as its helper registers it: the generated policy reference shows it.
APPLIES_TO: dict[str, str] = {}
_KIND_WORDS = {
    CLUSTER: "ManagedCluster",
    AGENT_POOL: "AgentPool",
    HELM_RELEASE: "Cilium release",
    CNP: "CiliumNetworkPolicy",
    CCNP: "CiliumClusterwideNetworkPolicy",
    NETWORK_POLICY: "NetworkPolicy",
    CONFIG_MAP: "ConfigMap",
}


def _applies_to(name: str, scope: str | tuple[str, ...]) -> str:
    """Records the policy's scope: words, or the kinds it judges (rules/kinds.py) by their Kubernetes or Azure names."""
    APPLIES_TO[name] = scope if isinstance(scope, str) else ", ".join(_KIND_WORDS[kind] for kind in scope)
    return name


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
    name: str,
    kinds: tuple[str, ...],
    check: Check,
    applies: Callable[[Mapping[str, Any]], bool] = lambda _: True,
    scope: str = "",
) -> ResourceValidationPolicy:
    """A rule over the properties of every resource of these kinds, under any of their type tokens, and over patches of
    them too: a patch's properties are judged as far as they go (and `judged-kinds-readable` refuses the patch)."""
    _applies_to(name, scope or kinds)

    def judged(props: Mapping[str, Any]) -> list[str]:
        return check(props) if applies(props) else []

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_kind(args.resource_type, *kinds, patches=True):
            for message in total(judged, args.props):
                report(message, None)

    return ResourceValidationPolicy(name=name, description=" ".join((check.__doc__ or name).split()), validate=validate)


def _cilium_policy(name: str, check: Check) -> ResourceValidationPolicy:
    return _resource_policy(name, (HELM_RELEASE,), check, cilium_release.is_cilium_release, "Cilium release")


def readable(resource_type: str) -> list[str]:
    """A resource of a kind the pack judges, in a form whose properties it cannot read as that object (a patch, a list,
    a Helm v3 Chart component that sends no chart or values), is a "cannot verify" finding, not a pass."""
    kind = kind_of(resource_type)
    if kind is None or kind.readable:
        return []
    if kind.form == "Patch":
        return [f"cannot verify: {resource_type} patches an object this stack does not show whole; manage the object itself"]
    if kind.form == "List":
        return [f"cannot verify: {resource_type} holds objects the rules do not see one by one; declare each object"]
    return [
        f"cannot verify: {resource_type} sends the pack no chart, version or values; install Cilium with the "
        "Cilium component (a helm.sh/v3 Release)"
    ]


def _judged_kinds_readable() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for message in readable(args.resource_type):
            report(message, None)

    return ResourceValidationPolicy(
        name=_applies_to("judged-kinds-readable", "patches, lists and Helm v3 Charts of judged kinds"),
        description=" ".join((readable.__doc__ or "").split()),
        validate=validate,
    )


def cilium_config_from_release(props: Mapping[str, Any], urn: str) -> list[str]:
    """Cilium's agent configuration, the `cilium-config` ConfigMap, is written only by the Cilium release: one written
    beside it changes enforcement, routing or IPAM behind the release's values."""
    if dig(props, "metadata", "name") != "cilium-config" or is_helm_chart_child(urn):
        return []
    return ["a cilium-config ConfigMap outside the Cilium release rewrites Cilium's configuration; set Cilium values instead"]


def _cilium_config_from_release() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_kind(args.resource_type, CONFIG_MAP, patches=True):
            for message in total(cilium_config_from_release, args.props, args.urn):
                report(message, None)

    description = " ".join((cilium_config_from_release.__doc__ or "").split())
    return ResourceValidationPolicy(
        name=_applies_to("cilium-config-from-release", "ConfigMap cilium-config"), description=description, validate=validate
    )


def _exemptions(config: Mapping[str, Any]) -> list[str]:
    exempt = config.get("exemptNamespaces", [])
    if not isinstance(exempt, Sequence) or isinstance(exempt, str) or not all(isinstance(n, str) for n in exempt):
        raise MalformedError("the policy's exemptNamespaces config", "a list of namespace names", exempt)
    return list(exempt)


def exemption_refused(props: Mapping[str, Any], exempt: Sequence[str], tier: str) -> list[str]:
    """A prod-tier stack exempts nothing: a policy in an exempted namespace is judged as any other, and reported."""
    namespace = dig(props, "metadata", "namespace")
    if tier != PROD or namespace not in exempt:
        return []
    return [f"namespace {namespace} is exempted in a {tier}-tier stack, which allows no exemptions; remove it from exemptNamespaces"]


def open_egress(resource_type: str, props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    exempt = _exemptions(config)
    tier = stack_tier()
    problems = exemption_refused(props, exempt, tier) if not is_kind(resource_type, CCNP, patches=True) else []
    honoured = [] if tier == PROD else exempt
    if is_kind(resource_type, NETWORK_POLICY, patches=True):
        return problems + native_policy.no_open_egress(props, honoured)
    return problems + cnp.no_open_egress(props, honoured, clusterwide=is_kind(resource_type, CCNP, patches=True))


def open_ingress(resource_type: str, props: Mapping[str, Any]) -> list[str]:
    if is_kind(resource_type, NETWORK_POLICY, patches=True):
        return native_policy.no_open_ingress(props)
    return cnp.no_open_ingress(props, clusterwide=is_kind(resource_type, CCNP, patches=True))


def _no_open_ingress() -> ResourceValidationPolicy:
    """No exemptions: the outside reaches a workload on the ports the policy names, in every tier."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_kind(args.resource_type, *CILIUM_POLICY_KINDS, NETWORK_POLICY, patches=True):
            for message in total(open_ingress, args.resource_type, args.props):
                report(message, None)

    return ResourceValidationPolicy(
        name=_applies_to("no-open-ingress", (*CILIUM_POLICY_KINDS, NETWORK_POLICY)),
        description=" ".join((cnp.no_open_ingress.__doc__ or "").split()),
        validate=validate,
    )


_EXEMPT_SCHEMA = {"exemptNamespaces": {"type": "array", "items": {"type": "string"}, "default": []}}


def _no_open_egress() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_kind(args.resource_type, *CILIUM_POLICY_KINDS, NETWORK_POLICY, patches=True):
            for message in total(open_egress, args.resource_type, args.props, args.get_config()):
                report(message, None)

    return ResourceValidationPolicy(
        name=_applies_to("no-open-egress", (*CILIUM_POLICY_KINDS, NETWORK_POLICY)),
        description=" ".join((cnp.no_open_egress.__doc__ or "").split()),
        validate=validate,
        config_schema=PolicyConfigSchema(properties=_EXEMPT_SCHEMA),
    )


def _egress_coverage_per_endpoint() -> StackValidationPolicy:
    def check(resources: Sequence[stack.StackResource], config: Mapping[str, Any]) -> list[str]:
        exempt = [] if stack_tier() == PROD else _exemptions(config)
        return stack.open_egress_combined(resources, exempt)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message in total(lambda: check(_stack_resources(args), args.get_config())):
            report(message, None)

    return StackValidationPolicy(
        name=_applies_to("egress-coverage-per-endpoint", "the whole stack"),
        description=" ".join((stack.open_egress_combined.__doc__ or "").split()),
        validate=validate,
        config_schema=PolicyConfigSchema(properties=_EXEMPT_SCHEMA),
    )


def tier_mismatch(declared: Any, actual: str) -> list[str]:
    """The policy config is the one written for the stack's tier: a prod-tier stack previewed with dev's config
    would run with dev's levels and exemptions."""
    if declared not in TIERS:
        raise MalformedError("the policy's tier config", "dev or prod", declared)
    if declared == actual:
        return []
    return [
        f"the policy config was written for tier {declared}, and the stack declares tier {actual} (aks-cilium:tier); "
        f"preview it with the policy config of a {actual}-tier stack"
    ]


def _stack_tier() -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message in total(tier_mismatch, args.get_config().get("tier", PROD), stack_tier()):
            report(message, None)

    return StackValidationPolicy(
        name=_applies_to("stack-tier", "the whole stack"),
        description=" ".join((tier_mismatch.__doc__ or "").split()),
        validate=validate,
        config_schema=PolicyConfigSchema(properties={"tier": {"type": "string", "enum": list(TIERS), "default": PROD}}),
    )


def unprotected(resource_type: str, protect: bool, protected_types: Any) -> list[str]:
    """Stateful resources keep `protect`: the engine refuses a replacement or deletion only while protect is true
    before and after the update, so turning it off in the same update as a replacing change would let it through."""
    if not isinstance(protected_types, Sequence) or isinstance(protected_types, str):
        raise MalformedError("the policy's resourceTypes config", "a list of resource types", protected_types)
    # A type listed under one token holds under every token of its kind (rules/kinds.py): a versioned module's.
    kind = kind_of(resource_type)
    listed = resource_type in protected_types or (
        kind is not None and kind.readable and any(kind_of(str(t)) == kind for t in protected_types)
    )
    if listed and not protect:
        return [f"{resource_type} is not protected; keep protect=True (to replace it on purpose, `pulumi state unprotect` it first)"]
    return []


def _stateful_resources_protected() -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        protected_types = args.get_config().get("resourceTypes", [CLUSTER_TOKEN])
        for message in total(unprotected, args.resource_type, bool(args.opts.protect), protected_types):
            report(message, None)

    return ResourceValidationPolicy(
        name=_applies_to("stateful-resources-protected", "the types in its resourceTypes config"),
        description=" ".join((unprotected.__doc__ or "").split()),
        validate=validate,
        config_schema=PolicyConfigSchema(
            properties={"resourceTypes": {"type": "array", "items": {"type": "string"}, "default": [CLUSTER_TOKEN]}}
        ),
    )


def _kubernetes_support_ending() -> ResourceValidationPolicy:
    """Advisory by design: a mandatory one would block every update, hotfixes too, in a minor's last 60 days, which the
    version policy never does (docs/upgrades.md). The config files name its level, since their `all` overrides a
    policy's own (pulumi/pulumi pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig)."""
    name = _applies_to("kubernetes-support-ending", (CLUSTER,))

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if is_kind(args.resource_type, CLUSTER, patches=True):
            for message in total(support.kubernetes_support_ending, args.props, support.judged_on()):
                report(message, None)

    description = " ".join((support.kubernetes_support_ending.__doc__ or name).split())
    return ResourceValidationPolicy(name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.ADVISORY)


def _stack_resources(args: StackValidationArgs) -> list[stack.StackResource]:
    return [
        stack.StackResource(r.resource_type, r.urn, r.props, tuple(d.urn for d in r.dependencies), r.provider.urn if r.provider else "")
        for r in args.resources
    ]


def _stack_policy(name: str, check: Callable[[Sequence[stack.StackResource]], list[str]]) -> StackValidationPolicy:
    _applies_to(name, "the whole stack")

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message in total(lambda: check(_stack_resources(args))):
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
    _kubernetes_support_ending(),
    _stateful_resources_protected(),
    _cilium_policy("cilium-version-pinned", cilium_release.version_pinned),
    _cilium_policy("hubble-relay-on", cilium_release.hubble_relay_on),
    _cilium_policy("cilium-byocni-values", cilium_release.byocni_values),
    _cilium_policy("hubble-tls-not-helm", cilium_release.hubble_tls_not_helm),
    _cilium_policy("hubble-tls-on", cilium_release.hubble_tls_on),
    _cilium_policy("cilium-policy-enforced", cilium_release.policy_enforced),
    _cilium_policy("cilium-values-safe", cilium_release.values_safe),
    _cilium_policy("cilium-chart-source", cilium_release.chart_source),
    _cilium_policy("cilium-values-vocabulary", cilium_release.values_vocabulary),
    _cilium_policy("cilium-component-values", cilium_release.component_values),
    _cilium_policy("cilium-values-inline", cilium_release.value_files_absent),
    _cilium_config_from_release(),
    _judged_kinds_readable(),
    _resource_policy("fqdn-needs-dns-rule", CILIUM_POLICY_KINDS, cnp.fqdn_needs_dns_rule),
    _resource_policy("no-empty-rule-lists", CILIUM_POLICY_KINDS, cnp.no_empty_rule_lists),
    _no_open_egress(),
    _no_open_ingress(),
    _egress_coverage_per_endpoint(),
    _stack_tier(),
    _stack_policy("namespaces-default-deny", stack.namespaces_default_deny),
    _stack_policy("policies-after-cilium", stack.policies_after_cilium),
    _stack_policy("pod-cidr-matches-cilium", stack.pod_cidr_matches_cilium),
    _stack_policy("l7-needs-acns", stack.l7_needs_acns),
    _stack_policy("byocni-has-cilium", stack.byocni_has_cilium),
    _stack_policy("local-dns-off-with-kube-dns-rules", stack.local_dns_beside_kube_dns),
    _stack_policy("cluster-mesh-members", mesh.mesh_members),
]
