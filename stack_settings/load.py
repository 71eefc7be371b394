"""Parse and validate the whole stack configuration once, before any resource exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from aks_cilium.cluster.checks import PRINCIPAL_TYPES
from aks_cilium.cluster.rules import NODE_OS_CHANNELS, UPGRADE_CHANNELS
from aks_cilium.cluster.versions import DEFAULT_MINOR, SUPPORT_PLANS
from aks_cilium.network_policy.expectations import EXAMPLE, Expectation, contradictions, expectation_problem, parse_expectation

from . import formats
from .cilium import check_cilium, read_cilium
from .cluster_rules import check_cluster, version_warnings, window_text
from .errors import PROJECT
from .model import (
    DEMO_NAMESPACES,
    AdvancedNetworkingSettings,
    ClusterSettings,
    DeployerSettings,
    KubeloginMode,
    NetworkMode,
    NetworkSettings,
    NodePoolSettings,
    PolicySettings,
    Settings,
)
from .network_rules import check_network
from .reader import ConfigReader
from .redaction import MIN_LENGTH

NETWORK_MODES: tuple[NetworkMode, ...] = ("byocni", "azure-cilium")
KUBELOGIN_MODES: tuple[KubeloginMode, ...] = ("azurecli", "spn", "workloadidentity", "msi")
ZONES = ("1", "2", "3")
# The policy pack's tiers (policies/rules/tier.py); the first is the default of a stack that declares none.
TIERS = ("prod", "dev")


def project_config(raw: Mapping[str, str]) -> dict[str, str]:
    """The keys of this project's namespace, without the `aks-cilium:` prefix."""
    prefix = f"{PROJECT}:"
    return {key[len(prefix) :]: value for key, value in raw.items() if key.startswith(prefix)}


def load_settings(
    raw: Mapping[str, str],
    stack: str,
    secret_keys: frozenset[str] = frozenset(),
    plan_date: date | None = None,
    example_keys: frozenset[str] = frozenset(),
) -> Settings:
    """Turn this project's raw config (keys without prefix, values as Pulumi passes them) into Settings.

    `secret_keys` (without prefix) were set with --secret: they stay secret in resources and out of error messages.
    `plan_date` is the day the version policy judges the Kubernetes version against (default: today, UTC).
    `example_keys` (without prefix) hold example values on purpose: only the offline plan passes them (deploy_rules.py).
    Raises ConfigError listing every problem, each naming its key.
    """
    reader = ConfigReader(raw, secret_keys)
    tier = reader.choice("tier", TIERS)
    cluster = _cluster(reader, stack)
    network = _network(reader)
    cilium = read_cilium(reader)
    policies = _policies(reader)
    for key in reader.unknown_keys():
        reader.fail(key, "is not a setting of this program (a typo?); see Pulumi.yaml for the keys", "<value> after fixing the key name")
    for key in sorted(secret_keys - SECRET_CAPABLE_KEYS):
        reader.fail(
            key,
            "is set as a secret but shapes names or structure, so it cannot stay secret; set it in plain text",
            "<value> (without --secret)",
        )
    for key in sorted(secret_keys & SECRET_CAPABLE_KEYS):
        if key in raw and 0 < len(raw[key].strip()) < MIN_LENGTH:
            reader.fail(key, f"is a secret shorter than {MIN_LENGTH} characters, too short to keep out of messages", "--secret <value>")
    reader.raise_if_failed()
    assert network is not None  # every None path above recorded a problem
    settings = Settings(stack=stack, cluster=cluster, network=network, cilium=cilium, policies=policies, secret_keys=secret_keys, tier=tier)
    _check_cross_fields(reader, settings)
    check_cluster(reader, settings, plan_date, example_keys)
    reader.raise_if_failed()
    return replace(settings, warnings=version_warnings(settings, plan_date), example_keys=example_keys)


def _pool(reader: ConfigReader, prefix: str, name: str) -> NodePoolSettings:
    vm_size = reader.string(f"{prefix}PoolVmSize", "Standard_D4ds_v5", formats.vm_size)
    lowest = reader.integer(f"{prefix}PoolMinCount", 1, 1000, "2")
    highest = reader.integer(f"{prefix}PoolMaxCount", 1, 1000, "5")
    if lowest > highest:
        reader.fail(f"{prefix}PoolMinCount", f"{lowest} is above {prefix}PoolMaxCount {highest}", str(highest))
    # Only the user pool is its own resource: the system pool goes with the control plane in the cluster's request.
    version = reader.string("userPoolKubernetesVersion", "", _optional_version) if prefix == "user" else ""
    return NodePoolSettings(name=name, vm_size=vm_size, min_count=lowest, max_count=highest, kubernetes_version=version)


def _optional_version(value: str) -> str | None:
    return None if value == "" else formats.kubernetes_version(value)


def _deployers(reader: ConfigReader) -> tuple[DeployerSettings, ...]:
    example = "ServicePrincipal:<object ID>"

    def check(item: str) -> str | None:
        kind, sep, object_id = item.partition(":")
        if not sep or kind not in PRINCIPAL_TYPES:
            return f"is not of the form <{'|'.join(PRINCIPAL_TYPES)}>:<object ID>"
        return formats.guid(object_id)

    entries = reader.string_list("deployerPrincipals", example, check)
    return tuple(DeployerSettings(*item.partition(":")[::2]) for item in entries if check(item) is None)


def _cluster(reader: ConfigReader, stack: str) -> ClusterSettings:
    prefix = reader.string("namePrefix", "cilium", formats.name_prefix)
    mode = reader.choice("networkMode", NETWORK_MODES)
    kubelogin = reader.choice("kubeloginMode", KUBELOGIN_MODES)
    return ClusterSettings(
        location=reader.string("location", "westeurope", formats.azure_region),
        resource_group_name=f"rg-{prefix}-{stack}",
        vnet_name=f"vnet-{prefix}-{stack}",
        cluster_name=f"aks-{prefix}-{stack}",
        network_mode=mode,  # type: ignore[arg-type]
        kubernetes_version=reader.string("kubernetesVersion", DEFAULT_MINOR, formats.kubernetes_version),
        sku_tier=reader.choice("skuTier", ("Standard", "Free", "Premium")),
        upgrade_channel=reader.choice("upgradeChannel", UPGRADE_CHANNELS),
        node_os_upgrade_channel=reader.choice("nodeOsUpgradeChannel", NODE_OS_CHANNELS),
        admin_group_object_ids=reader.string_list("adminGroupObjectIds", "00000000-0000-0000-0000-000000000000", formats.guid),
        authorized_ip_ranges=reader.string_list("apiServerAuthorizedIpRanges", "203.0.113.0/24", _public_range),
        private_cluster=reader.boolean("privateCluster"),
        kubelogin_mode=kubelogin,  # type: ignore[arg-type]
        kubelogin_client_id=reader.string("kubeloginClientId", "00000000-0000-0000-0000-000000000000", formats.optional_guid),
        kubelogin_tenant_id=reader.string("kubeloginTenantId", "00000000-0000-0000-0000-000000000000", formats.optional_guid),
        protect=reader.boolean("protect"),
        container_insights=reader.boolean("containerInsights"),
        key_vault_secrets_provider=reader.boolean("keyVaultSecretsProvider"),
        defender=reader.boolean("defender"),
        availability_zones=reader.string_list("availabilityZones", "1", lambda z: None if z in ZONES else "is not a zone (1, 2 or 3)"),
        system_pool=_pool(reader, "system", "system"),
        user_pool=_pool(reader, "user", "user"),
        max_pods_per_node=reader.integer("maxPodsPerNode", 50, 250, "110"),
        os_disk_type=reader.choice("osDiskType", ("Ephemeral", "Managed")),
        os_disk_size_gb=reader.integer("osDiskSizeGb", 30, 2048, "128"),
        encryption_at_host=reader.boolean("encryptionAtHost"),
        advanced_networking=AdvancedNetworkingSettings(
            observability=reader.boolean("advancedNetworkingObservability"),
            security=reader.boolean("advancedNetworkingSecurity"),
            policies=reader.choice("advancedNetworkPolicies", ("FQDN", "L7")),
        ),
        support_plan=reader.choice("kubernetesSupportPlan", SUPPORT_PLANS),
        deploy_login_mode=reader.choice("deployLoginMode", KUBELOGIN_MODES),  # type: ignore[arg-type]
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


def _public_range(value: str) -> str | None:
    import ipaddress

    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return "is not an IPv4 CIDR with its host bits zero"
    return "opens the API server to everyone; leave the list empty instead" if network.prefixlen == 0 else None


def _network(reader: ConfigReader) -> NetworkSettings | None:
    vnet = reader.network("vnetCidr", "10.224.0.0/12")
    node_subnet = reader.network("nodeSubnetCidr", "10.224.0.0/16")
    pod_subnet = reader.network("podSubnetCidr", "10.225.0.0/16", optional=True)
    pod = reader.network("podCidr", "10.244.0.0/16")
    service = reader.network("serviceCidr", "10.0.0.0/16")
    dns = reader.address("dnsServiceIp", "10.0.0.10")
    outbound = reader.choice("outboundType", ("loadBalancer", "managedNATGateway", "userAssignedNATGateway", "userDefinedRouting"))
    if vnet is None or node_subnet is None or pod is None or service is None or dns is None:
        return None
    return NetworkSettings(vnet, node_subnet, pod_subnet, pod, service, dns, outbound)


def _pairs(reader: ConfigReader, key: str, example: str, check_right: object) -> tuple[tuple[str, str], ...]:
    def check(item: str) -> str | None:
        left, sep, right = item.partition(":")
        if not sep:
            return f"is not of the form namespace:value (e.g. {example})"
        return formats.namespace_name(left) or check_right(right)  # type: ignore[operator]

    pairs = []
    for item in reader.string_list(key, example, check):
        left, _, right = item.partition(":")
        pairs.append((left, right))
    return tuple(pairs)


def _policies(reader: ConfigReader) -> PolicySettings:
    return PolicySettings(
        namespaces=reader.string_list("namespaces", "payments", formats.namespace_name),
        allow_from=_pairs(reader, "namespaceAllowFrom", "payments:frontend", formats.source_namespace_name),
        fqdn_allowlist=_pairs(reader, "fqdnAllowlist", "payments:api.stripe.com", formats.fqdn_selector),
        demo=reader.boolean("demo"),
        connectivity_check=reader.boolean("connectivityCheck"),
        native_default_deny=reader.boolean("nativeNetworkPolicyDefaultDeny"),
        # Items that failed their check are recorded as problems; only well-formed ports become numbers.
        webhook_ports=tuple(
            (ns, int(port)) for ns, port in _pairs(reader, "webhookPorts", "payments:9443", _port_number) if _port_number(port) is None
        ),
        metadata_endpoint_namespaces=reader.string_list("metadataEndpointNamespaces", "payments", formats.namespace_name),
        protect_namespaces=reader.boolean("protectNamespaces"),
        expectations=_expectations(reader),
    )


def _expectations(reader: ConfigReader) -> tuple[Expectation, ...]:
    items = reader.string_list("expectations", f"'{EXAMPLE}'", expectation_problem)
    # Items that failed their check are recorded as problems; only the well-formed ones are parsed.
    expectations = tuple(parse_expectation(item) for item in items if expectation_problem(item) is None)
    for flow in contradictions(expectations):
        reader.fail("expectations", f"declares {flow} both allowed and denied", f"--path 'expectations[0]' '{EXAMPLE}'")
    return expectations


def _port_number(value: str) -> str | None:
    return None if value.isdigit() and 1 <= int(value) <= 65535 else "is not a port number 1-65535"


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
    name_problem = formats.aks_dns_prefix(cluster.cluster_name)
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
        if policies.fqdn_allowlist and not acns.security:
            reader.fail(
                "fqdnAllowlist", "needs advancedNetworkingSecurity true in azure-cilium mode (FQDN filtering is part of ACNS)", "'[]'"
            )

    check_cilium(reader, settings)
    if cluster.private_cluster and cluster.authorized_ip_ranges:
        reader.fail(
            "apiServerAuthorizedIpRanges", "cannot be combined with privateCluster (a private API server has no public ranges)", "'[]'"
        )
    if cluster.kubelogin_mode == "spn":
        for key, value in (("kubeloginClientId", cluster.kubelogin_client_id), ("kubeloginTenantId", cluster.kubelogin_tenant_id)):
            if not value:
                reader.fail(key, "is required with kubeloginMode spn", "00000000-0000-0000-0000-000000000000")
    if cluster.defender and not cluster.container_insights:
        reader.fail("defender", "needs containerInsights true (Defender reports to its Log Analytics workspace)", "false")

    managed = set(policies.namespaces)
    for target, source in policies.allow_from:
        if target not in managed:
            reader.fail(
                "namespaceAllowFrom",
                f"target {target!r} is not in namespaces",
                f"--path 'namespaceAllowFrom[0]' {sorted(managed)[0] if managed else 'payments'}:{source}",
            )
        if target == source:
            reader.fail(
                "namespaceAllowFrom",
                f"{target}:{source} allows a namespace from itself, which the baseline already does",
                "payments:frontend",
            )
    for namespace, _ in policies.fqdn_allowlist:
        if namespace not in managed:
            reader.fail("fqdnAllowlist", f"namespace {namespace!r} is not in namespaces", "payments:api.stripe.com")
    for namespace, _ in policies.webhook_ports:
        if namespace not in managed:
            reader.fail("webhookPorts", f"namespace {namespace!r} is not in namespaces", "payments:9443")
    for namespace in policies.metadata_endpoint_namespaces:
        if namespace not in managed:
            reader.fail("metadataEndpointNamespaces", f"namespace {namespace!r} is not in namespaces", "payments")
    if policies.metadata_endpoint_namespaces and not settings.byocni:
        reader.fail("metadataEndpointNamespaces", "only applies to byocni; Azure's managed Cilium blocks WireServer itself", "'[]'")
    if policies.demo and not set(DEMO_NAMESPACES) <= managed:
        reader.fail(
            "namespaces",
            f"must list {' and '.join(DEMO_NAMESPACES)} when demo is true (the scenario runs there)",
            f"--path 'namespaces[0]' {DEMO_NAMESPACES[0]}",
        )
    if policies.connectivity_check and not policies.demo:
        reader.fail("connectivityCheck", "checks the demo scenario's flows and needs demo true", "false")
