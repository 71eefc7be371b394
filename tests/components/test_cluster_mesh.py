"""The mesh components built directly: ClusterMesh (peering, collisions), the mesh CA, Cilium joining a mesh, and the
global service example, with plain and Output inputs, good and bad.

Sources: Cilium 1.20 values.yaml (cluster.id and cluster.name unique across connected clusters;
clustermesh.config.clusters items of name, port, ips); cilium/cilium Documentation/installation/k8s-install-helm.rst
(a mesh needs distinct pod CIDRs); Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh" (every
member runs WireGuard); Documentation/network/clustermesh/services.rst (global and shared annotations) and policy.rst
(`io.cilium.k8s.policy.cluster`); the chart's certgen Jobs (`--ca-reuse-secret --ca-secret-name=cilium-ca`).
"""

from __future__ import annotations

import re
from typing import Any, cast

import pulumi
import pytest

from aks_cilium.cilium.component import Cilium, CiliumArgs
from aks_cilium.core.validation import ComponentArgsError
from aks_cilium.mesh.ca import MeshCertificateAuthority
from aks_cilium.mesh.component import ClusterMesh, ClusterMeshArgs
from aks_cilium.mesh.example import GlobalServiceExample, GlobalServiceExampleArgs
from aks_cilium.mesh.rules import MESH_PORTS, MeshMember, member_collisions, security_rules
from aks_cilium.testing import SECRET, ProgramRun, run_callable
from aks_cilium.testing.engine import redact
from tests.support.mesh import secret_data
from tests.support.refusals import refusal
from tests.support.tokens import CNP, PEERING, RELEASE, SECRET_KIND, SERVICE

WEST_VNET = "/subscriptions/0/resourceGroups/rg-west/providers/Microsoft.Network/virtualNetworks/vnet-west"
PEER: dict[str, Any] = {
    "stack": "west",
    "cluster_name": "aks-west",
    "cluster_id": 12,
    "pod_cidr": "10.251.0.0/16",
    "vnet_cidr": "10.17.0.0/16",
    "vnet_id": WEST_VNET,
    "api_server_address": "10.17.15.250",
}
MESH: dict[str, Any] = {
    "stack": "east",
    "resource_group_name": "rg-east",
    "vnet_name": "vnet-east",
    "cluster_name": "aks-east",
    "cluster_id": 11,
    "pod_cidr": "10.250.0.0/16",
    "vnet_cidr": "10.16.0.0/16",
    "peers": [PEER],
}


def mesh_run(args: dict[str, Any]) -> tuple[ProgramRun, list[Any]]:
    clusters: list[Any] = []

    def body() -> None:
        mesh = ClusterMesh("mesh", cast(ClusterMeshArgs, args))
        mesh.cilium_clusters.apply(clusters.append)

    return run_callable(body), clusters


def outputs(values: dict[str, Any]) -> dict[str, Any]:
    return {key: pulumi.Output.from_input(value) for key, value in values.items()}


@pytest.mark.parametrize("as_outputs", [False, True], ids=["plain", "outputs"])
def test_one_peering_to_each_peer_and_the_peers_as_cilium_clusters(as_outputs: bool) -> None:
    peer = {**outputs(PEER), "stack": "west"} if as_outputs else PEER
    args = {**(outputs(MESH) if as_outputs else MESH), "stack": "east", "peers": [peer]}
    run, clusters = mesh_run(args)
    peering = run.one(PEERING)
    assert peering.inputs["remoteVirtualNetwork"] == {"id": WEST_VNET}
    assert (peering.inputs["virtualNetworkName"], peering.inputs["resourceGroupName"]) == ("vnet-east", "rg-east")
    assert peering.inputs["allowVirtualNetworkAccess"] is True
    assert peering.inputs["allowForwardedTraffic"] is False
    assert peering.inputs["useRemoteGateways"] is False
    assert clusters == [[{"name": "aks-west", "port": 2379, "ips": ["10.17.15.250"]}]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"cluster_id": 11}, "cluster_id", "both use Cilium cluster ID 11"),
        ({"cluster_name": "aks-east"}, "cluster_name", "both name their cluster"),
        ({"pod_cidr": "10.250.128.0/17"}, "pod_cidr", "overlap"),
        ({"vnet_cidr": "10.16.0.0/12"}, "vnet_cidr", "cannot be peered"),
        ({"pod_cidr": "10.16.0.0/16", "vnet_cidr": "10.18.0.0/16"}, "vnet_cidr", "overlaps the pod CIDR of peer stack"),
    ],
)
@pytest.mark.parametrize("as_outputs", [False, True], ids=["plain", "outputs"])
def test_a_collision_names_both_stacks_and_creates_no_peering(change: dict[str, Any], field: str, words: str, as_outputs: bool) -> None:
    peer = {**PEER, **change}
    peer = {**outputs(peer), "stack": "west"} if as_outputs else peer
    error = str(refusal(lambda: ClusterMesh("mesh", cast(ClusterMeshArgs, {**MESH, "peers": [peer]}))))
    assert f"peers[0].{field}" in error
    assert "'east'" in error
    assert "'west'" in error
    assert words in error


@pytest.mark.parametrize(
    ("peers", "words"),
    [([], "at least one peer"), ([PEER, PEER], "must be distinct"), ([{**PEER, "stack": "east"}], "differ from this stack")],
)
def test_peers_must_be_other_stacks(peers: list[Any], words: str) -> None:
    assert re.search(words, str(refusal(lambda: ClusterMesh("mesh", cast(ClusterMeshArgs, {**MESH, "peers": peers})))))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"pod_cidr": "10.251.0.1/16"}, "peers[0].pod_cidr"),
        ({"vnet_cidr": "nope"}, "peers[0].vnet_cidr"),
        ({"cluster_id": 0}, "peers[0].cluster_id"),
    ],
)
def test_a_malformed_member_is_refused_by_its_path(change: dict[str, Any], path: str) -> None:
    assert path in str(refusal(lambda: ClusterMesh("mesh", cast(ClusterMeshArgs, {**MESH, "peers": [{**PEER, **change}]}))))


def test_member_collisions_are_symmetric() -> None:
    east = MeshMember("east", "a", 1, "10.250.0.0/16", "10.16.0.0/16")
    west = MeshMember("west", "b", 1, "10.250.0.0/24", "10.17.0.0/16")
    assert [f for f, _ in member_collisions(east, west)] == [f for f, _ in member_collisions(west, east)] == ["cluster_id", "pod_cidr"]


def test_security_rules_admit_the_peer_on_every_documented_port_both_ways() -> None:
    """system_requirements.rst, Firewall Rules: 8472/udp, 4240/tcp, ICMP; WireGuard 51871/udp; apiserver 2379/tcp."""
    rules = security_rules("10.17.0.0/16", "10.16.0.0/20")
    assert {(p.protocol, p.port) for p in MESH_PORTS} == {
        ("Tcp", "2379"),
        ("Udp", "8472"),
        ("Tcp", "4240"),
        ("Icmp", "*"),
        ("Udp", "51871"),
    }
    inbound = [r for r in rules if r["direction"] == "Inbound"]
    outbound = [r for r in rules if r["direction"] == "Outbound"]
    assert {(r["protocol"], r["destination_port_range"]) for r in inbound} == {(p.protocol, p.port) for p in MESH_PORTS}
    assert all((r["source_address_prefix"], r["destination_address_prefix"]) == ("10.17.0.0/16", "10.16.0.0/20") for r in inbound)
    assert all((r["source_address_prefix"], r["destination_address_prefix"]) == ("10.16.0.0/20", "10.17.0.0/16") for r in outbound)
    assert len({r["priority"] for r in rules}) == len(rules)
    assert all(r["access"] == "Allow" for r in rules)
    assert len({r["name"] for r in rules}) == len(rules)


def test_the_ca_is_a_key_and_a_self_signed_ca_certificate_whose_key_stays_secret() -> None:
    run = run_callable(lambda: MeshCertificateAuthority("ca"))
    key = run.one("tls:index/privateKey:PrivateKey")
    cert = run.one("tls:index/selfSignedCert:SelfSignedCert")
    assert (key.inputs["algorithm"], key.inputs["ecdsaCurve"]) == ("ECDSA", "P256")
    assert cert.inputs["isCaCertificate"] is True
    assert "cert_signing" in cert.inputs["allowedUses"]
    assert cert.inputs["validityPeriodHours"] >= 4 * 365 * 24
    assert cert.parent.endswith("::ca")
    assert key.parent.endswith("::ca")
    registered = run.one("aks-cilium:index:MeshCertificateAuthority").wire_outputs
    assert redact(registered)["key_pem"] == SECRET
    assert redact(registered)["cert_pem"].startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("validity", [24, True, "87600"])
def test_a_ca_shorter_lived_than_certgen_s_leaves_is_refused(validity: Any) -> None:
    """values.yaml certgen.enforceCAValidityThroughoutLeavesDuration: certgen refuses leaves that outlive the CA."""
    assert "validity_hours" in str(refusal(lambda: MeshCertificateAuthority("ca", {"validity_hours": validity})))


CA_CERT = "-----BEGIN CERTIFICATE-----\nshared\n-----END CERTIFICATE-----\n"
CA_KEY = "-----BEGIN PRIVATE KEY-----\nshared\n-----END PRIVATE KEY-----\n"
JOINING: dict[str, Any] = {
    "version": "1.20.2",
    "cluster_name": "aks-east",
    "pod_cidr": "10.250.0.0/16",
    "node_count": 3,
    "cluster_id": 11,
    "wireguard": True,
    "cluster_mesh": {
        "clusters": [{"name": "aks-west", "port": 2379, "ips": ["10.17.15.250"]}],
        "api_server_ip": "10.16.15.250",
        "ca_cert_pem": CA_CERT,
        "ca_key_pem": CA_KEY,
    },
}


def cilium(args: dict[str, Any]) -> ProgramRun:
    return run_callable(lambda: Cilium("cilium", cast(CiliumArgs, args)))


@pytest.mark.parametrize("as_outputs", [False, True], ids=["plain", "outputs"])
def test_a_member_gets_the_shared_ca_as_cilium_ca_before_the_release_and_never_in_the_values(as_outputs: bool) -> None:
    mesh = outputs(JOINING["cluster_mesh"]) if as_outputs else JOINING["cluster_mesh"]
    run = cilium({**JOINING, "cluster_mesh": mesh})
    secret = run.one(SECRET_KIND)
    release = run.one(RELEASE)
    assert (secret.inputs["metadata"]["name"], secret.inputs["metadata"]["namespace"]) == ("cilium-ca", "kube-system")
    assert secret.inputs["stringData"] == SECRET
    assert secret_data(secret) == {"ca.crt": CA_CERT, "ca.key": CA_KEY}
    assert secret.urn in release.dependencies
    values = release.inputs["values"]
    assert values != "[secret]"
    assert "shared" not in str(values)
    assert values["clustermesh"]["config"]["clusters"] == JOINING["cluster_mesh"]["clusters"]
    assert values["clustermesh"]["apiserver"]["service"]["annotations"]["service.beta.kubernetes.io/azure-load-balancer-ipv4"] == (
        "10.16.15.250"
    )
    assert values["certgen"]["generateCA"] is False


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"wireguard": False}, "wireguard"),
        ({"wireguard": None}, "wireguard"),
        ({"cluster_id": None}, "cluster_id"),
        ({"cluster_mesh": {**JOINING["cluster_mesh"], "ca_key_pem": None}}, "cluster_mesh"),
        ({"cluster_mesh": {**JOINING["cluster_mesh"], "api_server_ip": "10.16.15"}}, "api_server_ip"),
        ({"cluster_mesh": {"clusters": []}}, "cluster_mesh"),
    ],
)
def test_joining_a_mesh_without_what_it_needs_is_refused_before_any_child(change: dict[str, Any], key: str) -> None:
    args = {**JOINING, **change}
    args = {k: v for k, v in args.items() if v is not None}
    if "cluster_mesh" in args:
        args["cluster_mesh"] = {k: v for k, v in args["cluster_mesh"].items() if v is not None}
    assert re.search(key, str(refusal(lambda: Cilium("cilium", cast(CiliumArgs, args)))))


def test_a_version_without_a_fix_the_component_relies_on_is_refused_naming_its_source() -> None:
    for version in ("1.20.0", "1.20.1"):
        assert "cilium/cilium#48391" in str(refusal(lambda: Cilium("cilium", cast(CiliumArgs, {**JOINING, "version": version}))))  # noqa: B023
    with pytest.raises(ComponentArgsError, match=r"cilium/cilium#48391"):
        cilium({**JOINING, "version": pulumi.Output.from_input("1.20.1")})


@pytest.mark.parametrize("as_outputs", [False, True], ids=["plain", "outputs"])
def test_the_global_service_is_annotated_and_the_policy_names_every_cluster(as_outputs: bool) -> None:
    names: list[Any] = ["aks-east", "aks-west"]
    names = [pulumi.Output.from_input(n) for n in names] if as_outputs else names
    namespace: Any = pulumi.Output.from_input("mesh-echo") if as_outputs else "mesh-echo"
    run = run_callable(lambda: GlobalServiceExample("echo", GlobalServiceExampleArgs(namespace=namespace, cluster_names=names)))
    service = run.one(SERVICE)
    assert service.inputs["metadata"]["annotations"] == {"service.cilium.io/global": "true", "service.cilium.io/shared": "true"}
    spec = run.one(CNP).inputs["spec"]
    for direction, peers in (("ingress", "fromEndpoints"), ("egress", "toEndpoints")):
        selectors = spec[direction][0][peers]
        assert [s["matchLabels"]["io.cilium.k8s.policy.cluster"] for s in selectors] == ["aks-east", "aks-west"]
        assert all(s["matchLabels"]["k8s:io.kubernetes.pod.namespace"] == "mesh-echo" for s in selectors)


def test_the_example_needs_every_member_named() -> None:
    example = GlobalServiceExampleArgs(namespace="mesh-echo", cluster_names=["aks-east"])
    assert "cluster_names" in str(refusal(lambda: GlobalServiceExample("echo", example)))
