"""Realistic mock outputs for the resources and calls this program makes, so every apply chain runs."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import yaml

from .wire import SECRET_SIG, SIG_KEY

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
TENANT = "11111111-1111-1111-1111-111111111111"

# type token -> (Azure name input, resource ID path below the resource group)
AZURE_TYPES: dict[str, tuple[str, str]] = {
    "azure-native:resources:ResourceGroup": ("resourceGroupName", ""),
    "azure-native:network:VirtualNetwork": ("virtualNetworkName", "Microsoft.Network/virtualNetworks/{virtualNetworkName}"),
    "azure-native:network:Subnet": ("subnetName", "Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}"),
    "azure-native:network:VirtualNetworkPeering": (
        "virtualNetworkPeeringName",
        "Microsoft.Network/virtualNetworks/{virtualNetworkName}/virtualNetworkPeerings/{virtualNetworkPeeringName}",
    ),
    "azure-native:network:NetworkSecurityGroup": (
        "networkSecurityGroupName",
        "Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
    ),
    "azure-native:containerservice:ManagedCluster": ("resourceName", "Microsoft.ContainerService/managedClusters/{resourceName}"),
    "azure-native:containerservice:AgentPool": (
        "agentPoolName",
        "Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}",
    ),
    "azure-native:operationalinsights:Workspace": ("workspaceName", "Microsoft.OperationalInsights/workspaces/{workspaceName}"),
    "azure-native:managedidentity:UserAssignedIdentity": (
        "resourceName",
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
    ),
    "azure-native:managedidentity:FederatedIdentityCredential": (
        "federatedIdentityCredentialResourceName",
        "Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
    ),
    "azure-native:monitor:DataCollectionRule": (
        "dataCollectionRuleName",
        "Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}",
    ),
    "azure-native:monitor:DataCollectionEndpoint": (
        "dataCollectionEndpointName",
        "Microsoft.Insights/dataCollectionEndpoints/{dataCollectionEndpointName}",
    ),
    "azure-native:monitor:AzureMonitorWorkspace": ("azureMonitorWorkspaceName", "Microsoft.Monitor/accounts/{azureMonitorWorkspaceName}"),
    "azure-native:alertsmanagement:PrometheusRuleGroup": (
        "ruleGroupName",
        "Microsoft.AlertsManagement/prometheusRuleGroups/{ruleGroupName}",
    ),
    "azure-native:dashboard:Grafana": ("workspaceName", "Microsoft.Dashboard/grafana/{workspaceName}"),
    "azure-native:containerservice:MaintenanceConfiguration": (
        "configName",
        "Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}",
    ),
}
# Extension resources: their ID is the ID of the resource they attach to (`scope` / `resourceUri`) plus their own path.
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
DCR_ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
CLIENT_TOKEN_CALL = "azure-native:authorization:getClientToken"
CREDENTIALS_CALL = "azure-native:containerservice:listManagedClusterUserCredentials"
CLIENT_CONFIG_CALL = "azure-native:authorization:getClientConfig"
PRICING_CALL = "azure-native:security:getPricing"
# The principal the mock Azure provider runs as: the deployer whose object ID gets the cluster admin role.
CLIENT_CONFIG = {
    "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "objectId": "7a9e2c4b-3f1d-4e8a-9b6c-5d2f0e1a3c7b",
    "subscriptionId": SUBSCRIPTION,
    "tenantId": TENANT,
}


class InjectedFailureError(Exception):
    """Raised by the mock engine for a resource it was told to fail."""


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def cluster_fqdn(name: str, location: str) -> str:
    return f"{name}-{_short_hash(name)}.hcp.{location}.azmk8s.io"


def azure_id(type_: str, inputs: dict[str, Any]) -> tuple[str, str]:
    name_key, path = AZURE_TYPES[type_]
    name = inputs[name_key]
    group = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{inputs['resourceGroupName']}"
    return name, group if not path else f"{group}/providers/{path.format(**inputs)}"


def _plain(value: Any) -> str:
    """A mock input as text: secret inputs reach mocks still wrapped in the wire format's secret envelope."""
    if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        return str(value["value"])
    return str(value)


def _guid(*parts: Any) -> str:
    """A stable GUID for the same inputs, as Azure would keep for the same resource."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(_plain(part) for part in parts)))


def _identity_outputs(name: str) -> dict[str, Any]:
    return {"principalId": _guid("principal", name), "clientId": _guid("client", name), "tenantId": TENANT}


def extension_resource(type_: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Role assignments and DCR associations: IDs below the resource they attach to."""
    if type_ == ROLE_ASSIGNMENT:
        name = inputs.get("roleAssignmentName") or _guid(inputs["scope"], inputs["principalId"], inputs["roleDefinitionId"])
        state = {**inputs, "name": name, "principalType": inputs.get("principalType", "User")}
        return f"{inputs['scope']}/providers/Microsoft.Authorization/roleAssignments/{name}", state
    if type_ == DIAGNOSTIC_SETTING:
        return f"{inputs['resourceUri']}/providers/Microsoft.Insights/diagnosticSettings/{inputs['name']}", dict(inputs)
    name = inputs["associationName"]
    return f"{inputs['resourceUri']}/providers/Microsoft.Insights/dataCollectionRuleAssociations/{name}", {**inputs, "name": name}


def _monitoring_outputs(type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """What Azure Monitor and Managed Grafana answer beyond the inputs: query endpoint, Grafana's URL and identity."""
    location = inputs.get("location", "westeurope")
    if type_ == "azure-native:monitor:AzureMonitorWorkspace":
        return {"metrics": {"prometheusQueryEndpoint": f"https://{name}-{_short_hash(name)}.{location}.prometheus.monitor.azure.com"}}
    if type_ == "azure-native:dashboard:Grafana":
        properties = {**(inputs.get("properties") or {}), "endpoint": f"https://{name.lower()}-{_short_hash(name)}.weu.grafana.azure.com"}
        identity = {**(inputs.get("identity") or {}), "principalId": _guid("grafana-principal", name), "tenantId": TENANT}
        return {"properties": properties, "identity": identity}
    return {}


def _cluster_outputs(inputs: dict[str, Any]) -> dict[str, Any]:
    name, location = inputs["resourceName"], inputs["location"]
    identity = dict(inputs.get("identity") or {})
    # Sent as a list of identity IDs; Azure answers with a map from each ID to the identity's principal and client.
    identity["userAssignedIdentities"] = {
        identity_id: {"principalId": _guid("principal", identity_id.rsplit("/", 1)[-1]), "clientId": _guid("client", identity_id)}
        for identity_id in identity.get("userAssignedIdentities") or []
    }
    return {
        "identity": identity,
        "fqdn": cluster_fqdn(name, location),
        "privateFQDN": f"{name}-{_short_hash(name)}.privatelink.{location}.azmk8s.io",
        "azurePortalFQDN": f"{name}-{_short_hash(name)}.portal.hcp.{location}.azmk8s.io",
        "oidcIssuerProfile": {
            "enabled": True,
            "issuerURL": f"https://{location}.oic.prod-aks.azure.com/{TENANT}/{_short_hash(name + 'oidc')}/",
        },
        "provisioningState": "Succeeded",
    }


def user_kubeconfig(cluster_name: str, location: str) -> str:
    """What AKS returns for format=exec: kubelogin in devicecode mode, base64 encoded."""
    user = f"clusterUser_{cluster_name}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {
                    "server": f"https://{cluster_fqdn(cluster_name, location)}:443",
                    "certificate-authority-data": base64.b64encode(b"mock-ca").decode(),
                },
            }
        ],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": user}}],
        "current-context": cluster_name,
        "users": [
            {
                "name": user,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": [
                            "get-token",
                            "--login",
                            "devicecode",
                            "--server-id",
                            "6dae42f8-4368-4678-94ff-3960e28e3630",
                            "--client-id",
                            "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
                            "--tenant-id",
                            TENANT,
                            "--environment",
                            "AzurePublicCloud",
                        ],
                    }
                },
            }
        ],
    }
    return base64.b64encode(yaml.safe_dump(config).encode()).decode()


STACK_REFERENCE = "pulumi:pulumi:StackReference"
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"


def _pem(kind: str, *parts: Any) -> str:
    """A PEM-shaped stand-in, stable for the same resource: the mock engine generates no real keys."""
    return f"-----BEGIN {kind}-----\nmock-{_guid(*parts)}\n-----END {kind}-----\n"


def _stack_reference(name: str, outputs: Mapping[str, Mapping[str, Any]], secret_outputs: frozenset[str]) -> dict[str, Any]:
    """A StackReference's state: the referenced stack's outputs (`outputs`, `secretOutputNames`), by its stack name."""
    stack = name.rsplit("/", 1)[-1]
    if stack not in outputs:
        raise InjectedFailureError(f"stack reference {name!r}: the mock engine has no recorded outputs of stack {stack!r}")
    recorded = dict(outputs[stack])
    return {"name": name, "outputs": recorded, "secretOutputNames": sorted(secret_outputs & set(recorded))}


class AzureMocks(pulumi.runtime.Mocks):
    """Mock outputs shaped like Azure's and Kubernetes', with optional injected failures by resource name.

    `stack_outputs` are other stacks' outputs by stack name, for the program's stack references; `secret_outputs`
    names the outputs those stacks export as secrets.
    """

    def __init__(
        self,
        fail_on: frozenset[str] = frozenset(),
        location: str = "westeurope",
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        secret_outputs: frozenset[str] = frozenset(),
        client_config: dict[str, str] | None = None,
        defender_tier: str = "Standard",
    ) -> None:
        self.fail_on = fail_on
        self.location = location
        self.stack_outputs = dict(stack_outputs or {})
        self.secret_outputs = secret_outputs
        self.client_config = client_config or CLIENT_CONFIG
        """Who the mock Azure provider is signed in as."""
        self.defender_tier = defender_tier
        """The subscription's Defender for Containers plan (Microsoft.Security/pricings `Containers`)."""
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        self.referenced_stacks: list[str] = []
        """Stack names the program read through stack references (read, not registered, so not among registrations)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.name in self.fail_on:
            raise InjectedFailureError(f"creating {args.typ} '{args.name}' failed (injected by the mock engine)")
        inputs = dict(args.inputs)
        if args.typ in AZURE_TYPES:
            name, resource_id = azure_id(args.typ, inputs)
            state = {**inputs, "name": name}
            if args.typ == "azure-native:containerservice:ManagedCluster":
                state.update(_cluster_outputs(inputs))
            if args.typ == "azure-native:managedidentity:UserAssignedIdentity":
                state.update(_identity_outputs(name))
            state.update(_monitoring_outputs(args.typ, name, inputs))
            return resource_id, state
        if args.typ in (ROLE_ASSIGNMENT, DCR_ASSOCIATION, DIAGNOSTIC_SETTING):
            return extension_resource(args.typ, inputs)
        if args.typ == STACK_REFERENCE:
            self.referenced_stacks.append(str(inputs["name"]).rsplit("/", 1)[-1])
            return inputs["name"], _stack_reference(inputs["name"], self.stack_outputs, self.secret_outputs)
        if args.typ == TLS_PRIVATE_KEY:
            return f"{args.name}-id", {
                **inputs,
                "privateKeyPem": _pem("PRIVATE KEY", args.name),
                "publicKeyPem": _pem("PUBLIC KEY", args.name),
            }
        if args.typ == TLS_SELF_SIGNED_CERT:
            return f"{args.name}-id", {**inputs, "certPem": _pem("CERTIFICATE", args.name, inputs.get("privateKeyPem"))}
        for prefix, shape in KUBERNETES_SHAPES:
            if args.typ.startswith(prefix):
                return shape(args.name, inputs)
        return f"{args.name}-id", inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        if args.token == CREDENTIALS_CALL:
            value = user_kubeconfig(args.args["resourceName"], self.location)
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}, []
        if args.token == CLIENT_CONFIG_CALL:
            return dict(self.client_config), []
        if args.token == PRICING_CALL:
            name = args.args["pricingName"]
            return {
                "id": f"/{args.args['scopeId']}/providers/Microsoft.Security/pricings/{name}",
                "name": name,
                "pricingTier": self.defender_tier,
            }, []
        if args.token == CLIENT_TOKEN_CALL:
            return {"token": f"mock-token-for-{args.args.get('endpoint', 'arm')}"}, []
        raise InjectedFailureError(f"the mock engine has no answer for the call {args.token}")


def _kubernetes_object(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    metadata = inputs.get("metadata") or {}
    namespace = metadata.get("namespace")
    object_name = metadata.get("name", name)
    return (f"{namespace}/{object_name}" if namespace else object_name), inputs


def _helm_release(name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    namespace = inputs.get("namespace", "default")
    release = inputs.get("name", name)
    status = {"name": release, "namespace": namespace, "status": "deployed", "version": inputs.get("version", ""), "revision": 1}
    return f"{namespace}/{release}", {**inputs, "status": status}


KUBERNETES_SHAPES: tuple[tuple[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]], ...] = (
    ("kubernetes:helm.sh/", _helm_release),
    ("kubernetes:", _kubernetes_object),
)
