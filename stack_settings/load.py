"""Parse and validate the whole stack configuration once, before any resource exists."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date

from aks_cilium.cluster.checks import PRINCIPAL_TYPES
from aks_cilium.cluster.kubeconfig import LOGIN_MODES
from aks_cilium.cluster.rules import (
    ADVANCED_NETWORK_POLICIES,
    MAX_PODS_RANGE,
    NETWORK_MODES,
    NODE_OS_CHANNELS,
    OS_DISK_GB_RANGE,
    OS_DISK_TYPES,
    OUTBOUND_TYPES,
    POOL_COUNT_RANGE,
    SKU_TIERS,
    UPGRADE_CHANNELS,
    ZONES,
    authorized_range_problem,
    dns_prefix_problem,
    guid_problem,
    pool_counts_problem,
    region_problem,
    vm_size_problem,
)
from aks_cilium.cluster.versions import DEFAULT_MINOR, SUPPORT_PLANS
from aks_cilium.core.validation import closest, did_you_mean
from aks_cilium.network_policy.args import PeerContext, external_namespace_problem
from aks_cilium.network_policy.expectations import EXAMPLE, Expectation, contradictions, expectation_problem, parse_expectation
from aks_cilium.network_policy.reserved import PROBE_NAMESPACE

from . import formats
from .cilium import check_cilium, read_cilium
from .cluster_rules import check_cluster, version_warnings, window_text
from .deploy_rules import NIL_GUID
from .errors import PROJECT, ConfigProblem, full_key
from .identities import read_identities
from .mesh import check_mesh, read_mesh
from .model import (
    DEMO_NAMESPACES,
    AdvancedNetworkingSettings,
    ClusterSettings,
    DeployerSettings,
    NetworkSettings,
    NodePoolSettings,
    PolicySettings,
    Settings,
)
from .network_rules import check_network
from .observability import check_observability, read_observability
from .reader import ConfigReader
from .redaction import MIN_LENGTH
from .tenants import check_namespaces, read_namespaces, refuse_flat_keys

# The policy pack's tiers (policies/rules/tier.py); the first is the default of a stack that declares none.
TIERS = ("prod", "dev")
ComponentChecks = Callable[[Settings, date | None, frozenset[str], frozenset[str]], list[ConfigProblem]]


def project_config(raw: Mapping[str, str]) -> dict[str, str]:
    """The keys of this project's namespace, without the `aks-cilium:` prefix."""
    prefix = f"{PROJECT}:"
    return {key[len(prefix) :]: value for key, value in raw.items() if key.startswith(prefix)}


def load_settings(
    raw: Mapping[str, str],
    stack: str,
    secret_keys: frozenset[str] = frozenset(),
    plan_date: date | None = None,
    other_keys: Mapping[str, str] | None = None,
    component_checks: ComponentChecks | None = None,
    example_keys: frozenset[str] = frozenset(),
) -> Settings:
    """Turn this project's raw config (keys without prefix, values as Pulumi passes them) into Settings.

    `secret_keys` (without prefix) were set with --secret: they stay secret in resources and out of error messages.
    `plan_date` is the day the version policy judges the Kubernetes version against (default: today, UTC).
    `other_keys` are the config of other namespaces (full key -> value): a key whose namespace looks like ours is
    refused with "did you mean".
    `component_checks` runs the components' own checks over the args the settings make (program/component_checks.py),
    given the keys that could not be read here and those with a problem; it returns, named by config key, the problems
    that are not those keys' own again.
    `example_keys` (without prefix) hold example values on purpose: only the offline plan passes them (deploy_rules.py).
    Raises ConfigError listing every problem, each naming its key: values that cannot be read and rules across keys
    together, in one pass (a rule that reads an unreadable key is left until that key is fixed).
    """
    reader = ConfigReader(raw, secret_keys)
    tier = reader.choice("tier", TIERS)
    cluster = _cluster(reader, stack)
    network = _network(reader)
    cilium = read_cilium(reader)
    policies = _policies(reader)
    mesh = read_mesh(reader)
    observability = read_observability(reader, cluster.cluster_name)
    ours = sorted(reader.read_keys)
    for key in reader.unknown_keys():
        problem = f"is not a setting of this program{did_you_mean(key, ours) or ' (a typo?)'}"
        reader.fail(key, problem, _rename(key, closest(key, ours), None if key in secret_keys else raw[key]))
    others = other_keys or {}
    for key in sorted(others):
        namespace, _, name = key.partition(":")
        if namespace != PROJECT and close_to_project(namespace):
            meant = closest(name, ours)
            hint = f" (did you mean {PROJECT}:{meant}?)" if meant else ""
            problem = f"is in namespace {namespace!r}, not {PROJECT!r}, so this program never reads it{hint}"
            reader.fail(key, problem, _rename(key, meant, others[key]))
    for key in sorted(secret_keys - SECRET_CAPABLE_KEYS):
        reader.fail(
            key,
            "is set as a secret but shapes names or structure, so it cannot stay secret; set it in plain text",
            f"pulumi config set --plaintext {full_key(key)}",
        )
    for key in sorted(secret_keys & SECRET_CAPABLE_KEYS):
        if key in raw and 0 < len(raw[key].strip()) < MIN_LENGTH:
            # Without a value the CLI prompts for one (pulumi.com docs, `pulumi config set`), so none is printed here.
            problem = f"is a secret shorter than {MIN_LENGTH} characters, too short to keep out of messages"
            reader.fail(key, problem, f"pulumi config set --secret {full_key(key)}")
    reader.reading = False  # from here on, rules across keys
    settings = Settings(
        stack=stack,
        cluster=cluster,
        network=network,
        cilium=cilium,
        policies=policies,
        secret_keys=secret_keys,
        tier=tier,
        observability=observability,
    )
    _check_cross_fields(reader, settings)
    settings = replace(settings, mesh=check_mesh(reader, settings, mesh))
    check_observability(reader, settings)
    check_cluster(reader, settings, plan_date, example_keys)
    if component_checks is not None:
        refused = frozenset(problem.key for problem in reader.problems)
        for issue in component_checks(settings, plan_date, frozenset(reader.unreadable), refused):
            reader.fail(issue.key, issue.problem, issue.example, issue.path)
    reader.raise_if_failed()
    return replace(settings, warnings=version_warnings(settings, plan_date), example_keys=example_keys)


def close_to_project(namespace: str) -> bool:
    """`aks-cillium`, `AKS-Cilium`: a namespace one slip away from this project's (a provider's, like azure-native, is not)."""
    return namespace.lower() == PROJECT or bool(difflib.get_close_matches(namespace.lower(), [PROJECT], cutoff=0.8))


def _rename(key: str, meant: str | None, value: str | None) -> str:
    """Remove the key the program never reads and set its value under the key it was meant to be (renaming the key in
    the stack file does both). A list or map cannot be set in one command (the CLI sets a top-level value as a string)."""
    remove = f"pulumi config rm {full_key(key)}"
    if not meant:
        return remove
    if value is None or value[:1] in ("[", "{"):
        return f"{remove}  # and write its value under {full_key(meant)} (rename the key in the stack file)"
    return f"{remove} && pulumi config set {full_key(meant)} {shlex.quote(value)}"


def _pool(reader: ConfigReader, prefix: str, name: str) -> NodePoolSettings:
    vm_size = reader.string(f"{prefix}PoolVmSize", "Standard_D4ds_v5", formats.bare(vm_size_problem))
    lowest = reader.integer(f"{prefix}PoolMinCount", POOL_COUNT_RANGE.start, POOL_COUNT_RANGE.stop - 1, "2")
    highest = reader.integer(f"{prefix}PoolMaxCount", POOL_COUNT_RANGE.start, POOL_COUNT_RANGE.stop - 1, "5")
    if pool_counts_problem(lowest, highest):
        reader.fail(f"{prefix}PoolMinCount", f"{lowest} is above {prefix}PoolMaxCount {highest}", str(highest))
    # Only the user pool is its own resource: the system pool goes with the control plane in the cluster's request.
    version = reader.string("userPoolKubernetesVersion", "", _optional_version) if prefix == "user" else ""
    return NodePoolSettings(name=name, vm_size=vm_size, min_count=lowest, max_count=highest, kubernetes_version=version)


def _optional_version(value: str) -> str | None:
    return None if value == "" else formats.kubernetes_version(value)


def _deployers(reader: ConfigReader) -> tuple[DeployerSettings, ...]:
    def check(item: str) -> str | None:
        kind, sep, object_id = item.partition(":")
        if not sep or kind not in PRINCIPAL_TYPES:
            return f"is not of the form <{'|'.join(PRINCIPAL_TYPES)}>:<object ID>"
        return formats.bare(guid_problem)(object_id)

    entries = reader.string_list("deployerPrincipals", "ServicePrincipal:<object ID>", check)
    pairs = (item.partition(":") for item in entries if check(item) is None)
    return tuple(DeployerSettings(principal_type=kind, object_id=object_id) for kind, _, object_id in pairs)


def _cluster(reader: ConfigReader, stack: str) -> ClusterSettings:
    prefix = reader.string("namePrefix", "cilium", formats.name_prefix)
    mode = reader.choice("networkMode", NETWORK_MODES)
    kubelogin = reader.choice("kubeloginMode", LOGIN_MODES)
    return ClusterSettings(
        location=reader.string("location", "westeurope", formats.bare(region_problem)),
        resource_group_name=f"rg-{prefix}-{stack}",
        vnet_name=f"vnet-{prefix}-{stack}",
        cluster_name=f"aks-{prefix}-{stack}",
        network_mode=mode,  # type: ignore[arg-type]
        kubernetes_version=reader.string("kubernetesVersion", DEFAULT_MINOR, formats.kubernetes_version),
        sku_tier=reader.choice("skuTier", SKU_TIERS),
        upgrade_channel=reader.choice("upgradeChannel", UPGRADE_CHANNELS),
        node_os_upgrade_channel=reader.choice("nodeOsUpgradeChannel", NODE_OS_CHANNELS),
        admin_group_object_ids=reader.string_list("adminGroupObjectIds", NIL_GUID, formats.bare(guid_problem)),
        authorized_ip_ranges=reader.string_list("apiServerAuthorizedIpRanges", "203.0.113.0/24", formats.bare(authorized_range_problem)),
        private_cluster=reader.boolean("privateCluster"),
        kubelogin_mode=kubelogin,  # type: ignore[arg-type]
        kubelogin_client_id=reader.string("kubeloginClientId", NIL_GUID, formats.optional_guid),
        kubelogin_tenant_id=reader.string("kubeloginTenantId", NIL_GUID, formats.optional_guid),
        protect=reader.boolean("protect"),
        container_insights=reader.boolean("containerInsights"),
        key_vault_secrets_provider=reader.boolean("keyVaultSecretsProvider"),
        defender=reader.boolean("defender"),
        availability_zones=reader.string_list("availabilityZones", "1", lambda z: None if z in ZONES else "is not a zone (1, 2 or 3)"),
        system_pool=_pool(reader, "system", "system"),
        user_pool=_pool(reader, "user", "user"),
        max_pods_per_node=reader.integer("maxPodsPerNode", MAX_PODS_RANGE.start, MAX_PODS_RANGE.stop - 1, "110"),
        os_disk_type=reader.choice("osDiskType", OS_DISK_TYPES),
        os_disk_size_gb=reader.integer("osDiskSizeGb", OS_DISK_GB_RANGE.start, OS_DISK_GB_RANGE.stop - 1, "128"),
        encryption_at_host=reader.boolean("encryptionAtHost"),
        advanced_networking=AdvancedNetworkingSettings(
            observability=reader.boolean("advancedNetworkingObservability"),
            security=reader.boolean("advancedNetworkingSecurity"),
            policies=reader.choice("advancedNetworkPolicies", ADVANCED_NETWORK_POLICIES),
        ),
        support_plan=reader.choice("kubernetesSupportPlan", SUPPORT_PLANS),
        deploy_login_mode=reader.choice("deployLoginMode", LOGIN_MODES),  # type: ignore[arg-type]
        auto_upgrade_window=reader.string("autoUpgradeWindow", "Sunday 01:00 6h", window_text),
        node_os_upgrade_window=reader.string("nodeOsUpgradeWindow", "Wednesday 01:00 4h", window_text),
        deployer_principal_type=reader.string("deployerPrincipalType", "ServicePrincipal", _principal_type),
        deployers=_deployers(reader),
        deploy_client_id=reader.string("deployClientId", "<application (client) ID>", formats.optional_guid),
        deploy_tenant_id=reader.string("deployTenantId", "<tenant ID>", formats.optional_guid),
        delete_lock=reader.boolean("deleteLock"),
    )


def _principal_type(value: str) -> str | None:
    """Empty (derived from deployLoginMode) or one of the types the component assigns with."""
    return None if value == "" or value in PRINCIPAL_TYPES else f"is not one of {', '.join(PRINCIPAL_TYPES)} (or empty)"


def _network(reader: ConfigReader) -> NetworkSettings:
    vnet = reader.network("vnetCidr", "10.224.0.0/12")
    node_subnet = reader.network("nodeSubnetCidr", "10.224.0.0/16")
    pod_subnet = reader.optional_network("podSubnetCidr", "10.225.0.0/16")
    pod = reader.network("podCidr", "10.244.0.0/16")
    service = reader.network("serviceCidr", "10.0.0.0/16")
    dns = reader.address("dnsServiceIp", "10.0.0.10")
    outbound = reader.choice("outboundType", OUTBOUND_TYPES)
    return NetworkSettings(vnet, node_subnet, pod_subnet, pod, service, dns, outbound)


def _policies(reader: ConfigReader) -> PolicySettings:
    refuse_flat_keys(reader)
    return PolicySettings(
        tenants=read_namespaces(reader),
        external_namespaces=reader.string_list("externalNamespaces", "app-routing-system", external_namespace_problem),
        demo=reader.boolean("demo"),
        connectivity_check=reader.boolean("connectivityCheck"),
        native_default_deny=reader.boolean("nativeNetworkPolicyDefaultDeny"),
        protect_namespaces=reader.boolean("protectNamespaces"),
        expectations=_expectations(reader),
        identities=read_identities(reader),
    )


def _expectations(reader: ConfigReader) -> tuple[Expectation, ...]:
    items = reader.string_list("expectations", EXAMPLE, expectation_problem)
    # Items that failed their check are recorded as problems; only the well-formed ones are parsed.
    parsed = [(index, parse_expectation(item)) for index, item in enumerate(items) if expectation_problem(item) is None]
    first: dict[object, Expectation] = {}
    for index, expectation in parsed:
        earlier = first.setdefault(expectation.flow_key, expectation)
        for flow in contradictions([earlier, expectation]):
            # The later of the two is reported, with the command that drops it.
            drop = f"pulumi config rm --path 'expectations[{index}]'"
            reader.fail("expectations", f"declares {flow} both allowed and denied; keep one", drop, path=f"[{index}]")
    return tuple(expectation for _, expectation in parsed)


# Keys whose values may be sensitive. Every other key shapes names or which resources exist, so a secret there
# could not stay secret (URNs and structure are plain); such keys are refused with --secret.
SECRET_CAPABLE_KEYS = frozenset(
    {
        "adminGroupObjectIds",
        "apiServerAuthorizedIpRanges",
        "kubeloginClientId",
        "kubeloginTenantId",
        "ciliumExtraValues",
        "deployClientId",
        "deployTenantId",
    }
)


def _check_cross_fields(reader: ConfigReader, settings: Settings) -> None:
    cluster, policies = settings.cluster, settings.policies
    name_problem = formats.bare(dns_prefix_problem)(cluster.cluster_name)
    if name_problem:
        reader.fail(
            "namePrefix", f"gives the cluster name {cluster.cluster_name!r} with stack {settings.stack!r}, which {name_problem}", "cilium"
        )
    max_nodes = cluster.system_pool.max_count + cluster.user_pool.max_count
    check_network(reader, settings.network, max_nodes)

    acns = cluster.advanced_networking
    if settings.byocni:
        if acns.enabled:
            reader.fail(
                "advancedNetworkingObservability" if acns.observability else "advancedNetworkingSecurity",
                "needs networkMode azure-cilium (ACNS requires the Cilium dataplane); in byocni mode Hubble comes from the Helm release",
                "false",
            )
    else:
        if policies.native_default_deny:
            reader.fail(
                "nativeNetworkPolicyDefaultDeny",
                "is a Helm-installed Cilium option; in azure-cilium mode Azure runs Cilium and its config is not ours",
                "false",
            )

    check_cilium(reader, settings)
    if cluster.private_cluster and cluster.authorized_ip_ranges:
        reader.fail(
            "apiServerAuthorizedIpRanges",
            "cannot be combined with privateCluster (a private API server has no public ranges)",
            f"pulumi config rm {PROJECT}:apiServerAuthorizedIpRanges",
        )
    if cluster.kubelogin_mode == "spn":
        for key, value in (("kubeloginClientId", cluster.kubelogin_client_id), ("kubeloginTenantId", cluster.kubelogin_tenant_id)):
            if not value:
                reader.fail(key, "is required with kubeloginMode spn", NIL_GUID)
    if cluster.defender and not cluster.container_insights:
        reader.fail("defender", "needs containerInsights true (Defender reports to its Log Analytics workspace)", "false")

    _check_tenants(reader, settings)
    missing = [namespace for namespace in DEMO_NAMESPACES if namespace not in policies.namespaces]
    if policies.demo and missing:
        reader.fail(
            "namespaces",
            f"must list {' and '.join(DEMO_NAMESPACES)} when demo is true (the scenario runs there)",
            "true",
            path=f".{missing[0]}.intraNamespace",
            involves=("demo",),
        )


def _check_tenants(reader: ConfigReader, settings: Settings) -> None:
    policies, network = settings.policies, settings.network
    managed = frozenset(policies.namespaces)
    for index, name in enumerate(policies.external_namespaces):
        if name in managed:
            reader.fail(
                "externalNamespaces",
                f"{name!r} is in namespaces, so this stack creates it: it is not external",
                f"pulumi config rm --path 'externalNamespaces[{index}]'",
                path=f"[{index}]",
                involves=("namespaces",),
            )
    context = PeerContext(
        managed=managed,
        external=frozenset(policies.external_namespaces),
        byocni=settings.byocni,
        l7=settings.byocni or settings.cluster.advanced_networking.security,
        cluster_cidrs=(network.pod_cidr, network.service_cidr),
    )
    mode_keys: tuple[str, ...] = ("networkMode", "advancedNetworkingSecurity")
    contexts: tuple[PeerContext, ...] = (context,)
    if set(mode_keys) & reader.unreadable:
        # What Cilium can do is unknown: a problem found whatever it can do does not depend on it (byocni implies L7).
        contexts = tuple(replace(context, byocni=byocni, l7=l7) for byocni, l7 in ((True, True), (False, True), (False, False)))
        mode_keys = ()
    check_namespaces(reader, policies.tenants, contexts, (*mode_keys, "externalNamespaces", "podCidr", "serviceCidr"))
    _check_expectation_namespaces(reader, settings.policies)


# Namespaces an expectation may name besides the stack's own and its external ones: those the reachability analyser
# models without the stack creating them (offline/reachability/coverage.py UNMANAGED_CANDIDATES and kube-system's DNS
# pods, offline/reachability/peers.py) and the connectivity check's own namespace.
MODELLED_NAMESPACES = ("default", "kube-system", PROBE_NAMESPACE)


def _check_expectation_namespaces(reader: ConfigReader, policies: PolicySettings) -> None:
    """A flow from or to a namespace the stack neither manages nor marks external would be judged against a namespace
    nobody declared (a typo passes as "some other namespace"): refuse it, naming the expectation."""
    if any(problem.key in ("namespaces", "externalNamespaces") for problem in reader.problems):
        return  # judged against a map with its own problems: those say what to fix first
    known = (*policies.namespaces, *policies.external_namespaces, *MODELLED_NAMESPACES)
    for expectation in policies.expectations:
        named = [expectation.source] + ([expectation.target.value] if expectation.target.kind == "namespace" else [])
        for name in dict.fromkeys(named):
            if name not in known:
                reader.fail(
                    "expectations",
                    f"{expectation.render()!r} names namespace {name!r}, which is neither in namespaces nor in "
                    f"externalNamespaces{did_you_mean(name, known)}",
                    f"pulumi config set --path 'externalNamespaces[{len(policies.external_namespaces)}]' {name}",
                    involves=("namespaces", "externalNamespaces"),
                )
