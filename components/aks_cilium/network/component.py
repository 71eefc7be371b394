"""Resource group, VNet and subnets for an AKS cluster."""

import inspect
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network, resources

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck, Fail, did_you_mean
from aks_cilium.network.rules import cidr_problem, inside_problem, parse_cidr, reserved_problem


class NetworkArgs(TypedDict):
    location: pulumi.Input[str]
    """Azure region of the resource group and VNet."""
    resource_group_name: pulumi.Input[str]
    """Name of the resource group to create."""
    vnet_name: pulumi.Input[str]
    """Name of the virtual network."""
    vnet_cidr: pulumi.Input[str]
    """Address space of the VNet; must not overlap the cluster's pod or service CIDR."""
    node_subnet_cidr: pulumi.Input[str]
    """Subnet for the nodes, inside the VNet."""
    pod_subnet_cidr: NotRequired[pulumi.Input[str]]
    """Optional dedicated pod subnet, inside the VNet."""
    node_security_rules: NotRequired[list[dict[str, Any]]]
    """Rules (`SecurityRuleArgs` keywords) of a network security group attached to the node subnet, such as a cluster
    mesh's (aks_cilium.mesh.rules.security_rules); without them the subnet has no NSG of ours. Azure's default rules
    stay below them."""


def check_args(name: str, args: NetworkArgs) -> None:
    """Each CIDR valid and clear of AKS's reserved ranges, the subnets inside the VNet and apart: now, or once resolved."""
    check = ArgsCheck("Network", name, args, NetworkArgs)
    if check.incomplete:
        check.done()
    check.rule(("vnet_cidr", "node_subnet_cidr", "pod_subnet_cidr"), _ranges)
    _security_rules(check, args.get("node_security_rules"))
    check.done()


# The keywords of the SDK's SecurityRuleArgs, and those without a default; read from its signature, so the check
# follows the SDK (generated from Azure's schema) instead of restating it.
_RULE_PARAMETERS = {
    name: parameter for name, parameter in inspect.signature(network.SecurityRuleArgs.__init__).parameters.items() if name != "__self__"
}
_RULE_REQUIRED = sorted(name for name, parameter in _RULE_PARAMETERS.items() if parameter.default is inspect.Parameter.empty)


def _security_rules(check: ArgsCheck, rules: object) -> None:
    """Each rule has SecurityRuleArgs' required keywords and no other: whether a key is present is known even when
    its value is an Output. A list or item of the wrong type is the type check's own problem."""
    if not isinstance(rules, list | tuple):
        return
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        path = f"node_security_rules[{index}]"
        missing = [key for key in _RULE_REQUIRED if key not in rule]
        if missing:
            check.fail(path, f"misses {', '.join(missing)}, which SecurityRuleArgs requires")
        for key in rule:
            if key not in _RULE_PARAMETERS:
                check.fail(f"{path}.{key}", f"is not a SecurityRuleArgs keyword{did_you_mean(str(key), _RULE_PARAMETERS)}")


def _ranges(values: Mapping[str, Any], fail: Fail) -> None:
    parsed = {}
    for key in ("vnet_cidr", "node_subnet_cidr", "pod_subnet_cidr"):
        if key not in values:
            continue
        problem = cidr_problem(values[key])
        if problem:
            fail(key, problem)
        else:
            parsed[key] = parse_cidr(values[key])
    vnet = parsed.get("vnet_cidr")
    if vnet is not None:
        problem = reserved_problem(vnet)
        if problem:
            fail("vnet_cidr", problem)
    for key in ("node_subnet_cidr", "pod_subnet_cidr"):
        subnet = parsed.get(key)
        problem = inside_problem(subnet, vnet, "vnet_cidr") if subnet is not None and vnet is not None else None
        if problem:
            fail(key, problem)
    node, pod = parsed.get("node_subnet_cidr"), parsed.get("pod_subnet_cidr")
    if node is not None and pod is not None and pod.overlaps(node):
        fail("pod_subnet_cidr", f"{pod} overlaps node_subnet_cidr {node}")


class Network(pulumi.ComponentResource):
    """A resource group with a VNet, a node subnet and an optional pod subnet."""

    resource_group_name: pulumi.Output[str]
    """Name of the created resource group."""
    vnet_id: pulumi.Output[str]
    """Resource ID of the VNet."""
    node_subnet_id: pulumi.Output[str]
    """Resource ID of the node subnet."""
    pod_subnet_id: pulumi.Output[str] | None
    """Resource ID of the pod subnet, when one was asked for."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("Network"), name, None, with_legacy_type(opts, "network", "Network"))
        check_args(name, args)
        child = child_options(self, opts)
        group = resources.ResourceGroup(
            f"{name}-rg", resource_group_name=args["resource_group_name"], location=args["location"], opts=child
        )
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            resource_group_name=group.name,
            virtual_network_name=args["vnet_name"],
            location=args["location"],
            address_space=network.AddressSpaceArgs(address_prefixes=[args["vnet_cidr"]]),
            opts=child,
        )
        security_group = None
        if args.get("node_security_rules"):
            nsg = network.NetworkSecurityGroup(
                f"{name}-nodes-nsg",
                resource_group_name=group.name,
                network_security_group_name=pulumi.Output.concat(args["vnet_name"], "-nodes"),
                location=args["location"],
                security_rules=[network.SecurityRuleArgs(**rule) for rule in args["node_security_rules"]],
                opts=child,
            )
            security_group = network.NetworkSecurityGroupArgs(id=nsg.id)
        node_subnet = network.Subnet(
            f"{name}-nodes",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            subnet_name="nodes",
            address_prefix=args["node_subnet_cidr"],
            network_security_group=security_group,
            opts=child,
        )
        self.resource_group_name = group.name
        self.vnet_id = vnet.id
        self.node_subnet_id = node_subnet.id
        self.pod_subnet_id = None
        if "pod_subnet_cidr" in args:
            pod_subnet = network.Subnet(
                f"{name}-pods",
                resource_group_name=group.name,
                virtual_network_name=vnet.name,
                subnet_name="pods",
                address_prefix=args["pod_subnet_cidr"],
                # Subnets of one VNet are updated one at a time by Azure.
                opts=extended(child, depends_on=[node_subnet]),
            )
            self.pod_subnet_id = pod_subnet.id
        self.register_outputs(
            {
                "resource_group_name": self.resource_group_name,
                "vnet_id": self.vnet_id,
                "node_subnet_id": self.node_subnet_id,
                "pod_subnet_id": self.pod_subnet_id,
            }
        )
