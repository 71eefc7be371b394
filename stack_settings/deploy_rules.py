"""What must be real before a stack other than a personal dev stack deploys: no value that only looks like one.

A shared stack (prod) needs its own values for who may reach the API server, who administers the cluster and who
deploys it; an example left in place deploys a cluster nobody can reach (`0.0.0.0/32` admits only the cluster's own
outbound IP, api-server-authorized-ip-ranges.md) or gives cluster admin to a principal that does not exist. Such values
are refused here, by key, and required values that are empty are named. The offline plan may pass example values for
named keys explicitly (`example_keys`); it marks its output so (offline/examples/).
"""

from __future__ import annotations

import ipaddress

from .model import Settings
from .reader import ConfigReader

DEV_STACK = "dev"
# RFC 5737: reserved for documentation, never routed. An API server open only to them is open to nobody.
DOCUMENTATION_RANGES = tuple(ipaddress.IPv4Network(cidr) for cidr in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
# AKS's own placeholder range: only the cluster's outbound IP (api-server-authorized-ip-ranges.md).
OUTBOUND_ONLY = ipaddress.IPv4Network("0.0.0.0/32")
NIL_GUID = "00000000-0000-0000-0000-000000000000"
# GUIDs whose first four groups are zero are written by people, not by Entra ID (which issues random ones); the
# project's example files use them.
EXAMPLE_GUID_PREFIX = "00000000-0000-0000-0000-"
# The example admin group that Pulumi.prod.yaml shipped with up to 0.2; copies of that file may still hold it.
RETIRED_EXAMPLE_GUIDS = frozenset({"5e1ec7ed-e8a4-4c1e-9a3b-c0ffee000001"})
# deployLoginMode values whose kubeconfig names a client and a tenant (kubeconfig.py).
LOGIN_MODES_WITH_IDS = ("workloadidentity", "spn")


def is_personal_stack(stack: str) -> bool:
    """Only a personal dev stack may take its deployer from whoever is signed in, and example values."""
    return stack == DEV_STACK


def is_example_guid(value: str) -> bool:
    lowered = value.lower()
    return lowered.startswith(EXAMPLE_GUID_PREFIX) or lowered in RETIRED_EXAMPLE_GUIDS


def example_range_problem(cidr: str) -> str | None:
    network = ipaddress.IPv4Network(cidr)
    if network == OUTBOUND_ONLY:
        return f"{cidr} admits only the cluster's own outbound IP (AKS's placeholder), so nobody reaches the API server"
    if any(network.subnet_of(doc) for doc in DOCUMENTATION_RANGES):
        return f"{cidr} is a documentation range (RFC 5737), never routed"
    return None


def check_deploy_values(reader: ConfigReader, settings: Settings, example_keys: frozenset[str] = frozenset()) -> None:
    """Outside a personal dev stack: the values that decide who reaches and runs the cluster are set and are real."""
    if is_personal_stack(settings.stack):
        return
    cluster = settings.cluster
    stack = settings.stack
    if not cluster.authorized_ip_ranges and not cluster.private_cluster:
        reader.fail(
            "apiServerAuthorizedIpRanges",
            f"is required in stack {stack}: the public egress CIDRs of your admins and of the runners of pulumi up "
            "(or privateCluster true with a runner in the VNet, docs/deploying.md)",
            "<your egress CIDR>",
            path="[0]",
        )
    if not cluster.admin_group_object_ids:
        reader.fail(
            "adminGroupObjectIds",
            f"is required in stack {stack}: the Entra ID group of cluster admins",
            "<group object ID>",
            path="[0]",
        )
    if not cluster.deployers:
        reader.fail(
            "deployerPrincipals",
            f"is required in stack {stack}: the principals that run pulumi up (CI's service principal), so that the "
            "cluster admin assignment does not follow whoever signed in last",
            "ServicePrincipal:<object ID>",
            path="[0]",
        )
    if cluster.deploy_login_mode in LOGIN_MODES_WITH_IDS:
        for key, value in (("deployClientId", cluster.deploy_client_id), ("deployTenantId", cluster.deploy_tenant_id)):
            if not value:
                reader.fail(
                    key, f"is required with deployLoginMode {cluster.deploy_login_mode} in stack {stack} (kubelogin needs it)", "<GUID>"
                )
    if "apiServerAuthorizedIpRanges" not in example_keys:
        for index, cidr in enumerate(cluster.authorized_ip_ranges):
            problem = example_range_problem(cidr)
            if problem:
                reader.fail(
                    "apiServerAuthorizedIpRanges",
                    f"{problem}; set the public egress ranges of your admins and CI",
                    "<your egress CIDR>",
                    path=f"[{index}]",
                )
    guid_keys: dict[str, tuple[str, ...]] = {
        "adminGroupObjectIds": cluster.admin_group_object_ids,
        "deployerPrincipals": tuple(deployer.object_id for deployer in cluster.deployers),
        "kubeloginClientId": (cluster.kubelogin_client_id,),
        "kubeloginTenantId": (cluster.kubelogin_tenant_id,),
        "deployClientId": (cluster.deploy_client_id,),
        "deployTenantId": (cluster.deploy_tenant_id,),
    }
    for key, values in guid_keys.items():
        if key in example_keys:
            continue
        for index, value in enumerate(values):
            if value and is_example_guid(value):
                listed = key in ("adminGroupObjectIds", "deployerPrincipals")
                example = "ServicePrincipal:<object ID>" if key == "deployerPrincipals" else "<Entra ID GUID>"
                reader.fail(
                    key,
                    f"{value} is an example GUID; set the real object, client or tenant ID from Entra ID",
                    example,
                    path=f"[{index}]" if listed else "",
                )
