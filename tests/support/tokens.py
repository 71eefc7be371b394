"""The type tokens the tests look for, as the SDKs register them: one definition for every test."""

MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster"
AGENT_POOL = "azure-native:containerservice:AgentPool"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
RELEASE = "kubernetes:helm.sh/v3:Release"
CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy"
CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy"
NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_PROVIDER = "pulumi:providers:kubernetes"
# The access wait (aks_cilium/cluster/access_wait.py).
LOCAL_COMMAND = "command:local:Command"
COMPONENT_PREFIX = "aks-cilium:"
