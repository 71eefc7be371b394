"""The two example mesh stacks, mesh-east and mesh-west, as a pair: each run with the other's outputs.

Issue #25's "Done when", asserted on what the stacks register and on their Cilium values rendered with Cilium's own
chart. Sources: Cilium 1.20 values.yaml (cluster.name/cluster.id unique across connected clusters,
clustermesh.config.clusters, clustermesh.apiserver.service, kvstoremesh, tls.authMode, certgen.generateCA,
encryption.strictMode.ingress) and its templates (the certgen Jobs' `--ca-reuse-secret --ca-secret-name=cilium-ca`,
templates/clustermesh-config/_helpers.tpl's per-peer etcd config, the clustermesh-apiserver's hostAliases);
cilium/cilium Documentation/installation/k8s-install-helm.rst (distinct pod CIDRs) and
Documentation/security/network/encryption-wireguard.rst, "Cluster Mesh"; MicrosoftDocs/azure-aks-docs
articles/aks/internal-lb.md (the internal load balancer annotations).
"""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from aks_cilium.testing import ProgramRun
from offline.artifacts import ArtifactError, cilium_artifacts, nearest_verified
from offline.chart import render_chart
from offline.engine import recorded_stack_outputs
from program.mesh import CA_OUTPUT
from stack_settings import ConfigError
from tests.support.artifacts import requires_artifacts
from tests.support.mesh import MeshPair, exports, mesh_pair, run_with_peer, secret_data
from tests.support.program_settings import program_config_error
from tests.support.stacks import stack_config, with_overrides
from tests.support.tokens import CLUSTER_MESH, MANAGED_CLUSTER, NSG, PEERING, RELEASE, SECRET_KIND, SUBNET

VNET = "azure-native:network:VirtualNetwork"
STACKS = ("mesh-east", "mesh-west")


@pytest.fixture(scope="module")
def pair() -> MeshPair:
    return mesh_pair()


def runs(pair: MeshPair) -> dict[str, ProgramRun]:
    return {"mesh-east": pair.east, "mesh-west": pair.west}


def values_of(run: ProgramRun) -> dict[str, Any]:
    values: dict[str, Any] = run.one(RELEASE).inputs["values"]
    return values


def test_the_recorded_outputs_are_what_each_stack_exports(pair: MeshPair) -> None:
    """The offline plan reads the peer from offline/stack_outputs/; a recording that drifted from the program would
    plan a mesh with a peer that does not exist."""
    recorded, secret = recorded_stack_outputs()
    for stack, run in runs(pair).items():
        assert recorded[stack] == exports(run), stack
    assert secret == {CA_OUTPUT}
    assert CA_OUTPUT in pair.east.secret_outputs


def test_the_vnets_do_not_overlap_and_are_peered_with_each_other(pair: MeshPair) -> None:
    east, west = pair.east, pair.west
    spaces = [ipaddress.ip_network(run.one(VNET).inputs["addressSpace"]["addressPrefixes"][0]) for run in (east, west)]
    assert not spaces[0].overlaps(spaces[1])
    assert east.one(PEERING).inputs["remoteVirtualNetwork"]["id"] == west.outputs["clusterMesh"]["vnetId"]
    assert west.one(PEERING).inputs["remoteVirtualNetwork"]["id"] == east.outputs["clusterMesh"]["vnetId"]
    for run, other in ((east, west), (west, east)):
        rules = run.one(NSG).inputs["securityRules"]
        peer_space = other.outputs["clusterMesh"]["vnetCidr"]
        assert {r["destinationPortRange"] for r in rules if r["direction"] == "Inbound" and r["sourceAddressPrefix"] == peer_space} == {
            "2379", "8472", "4240", "*", "51871",
        }  # fmt: skip
        assert (
            run.one(SUBNET, "network-nodes").inputs["networkSecurityGroup"]["id"].endswith(run.one(NSG).inputs["networkSecurityGroupName"])
        )


def test_each_member_has_its_own_service_cidr_apart_from_every_range_of_the_mesh(pair: MeshPair) -> None:
    """Cilium's AKS cluster mesh guide gives each BYOCNI cluster "unique Node, Pod, and Service CIDRs to make sure we
    don't overlap with other clusters" (cilium/cilium Documentation/network/clustermesh/aks-clustermesh-prep.rst): the
    two example members must not both keep AKS's default service CIDR."""
    ranges = {}
    for stack, run in runs(pair).items():
        profile = run.one(MANAGED_CLUSTER).inputs["networkProfile"]
        mesh = run.outputs["clusterMesh"]
        ranges[stack] = [ipaddress.ip_network(c) for c in (profile["serviceCidr"], mesh["podCidr"], mesh["vnetCidr"])]
        assert ipaddress.ip_address(profile["dnsServiceIP"]) in ranges[stack][0]
    east, west = ranges["mesh-east"], ranges["mesh-west"]
    assert not any(east[0].overlaps(other) for other in west), east[0]
    assert not any(west[0].overlaps(other) for other in east), west[0]


def test_one_ca_created_once_in_the_owner_and_reused_by_the_peer(pair: MeshPair) -> None:
    """The owner generates the CA as Pulumi resources (kept in its state); the peer generates none and reads it."""
    assert len(pair.east.of_type("tls:index/selfSignedCert:SelfSignedCert")) == 1
    assert pair.west.of_type("tls:index/selfSignedCert:SelfSignedCert") == []
    assert pair.west.of_type("tls:index/privateKey:PrivateKey") == []
    east_ca, west_ca = (secret_data(run.one(SECRET_KIND, "cilium-ca")) for run in (pair.east, pair.west))
    assert east_ca == west_ca
    assert east_ca["ca.crt"] == pair.east.outputs[CA_OUTPUT]["certPem"]
    assert all(run.one(SECRET_KIND, "cilium-ca").urn in run.one(RELEASE).dependencies for run in (pair.east, pair.west))


def test_names_ids_and_pod_cidrs_are_distinct_and_each_names_the_other_as_peer(pair: MeshPair) -> None:
    east, west = values_of(pair.east), values_of(pair.west)
    assert east["cluster"]["name"] != west["cluster"]["name"]
    assert east["cluster"]["id"] != west["cluster"]["id"]
    pods = [ipaddress.ip_network(v["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"][0]) for v in (east, west)]
    assert not pods[0].overlaps(pods[1])
    for mine, other, run in ((east, west, pair.west), (west, east, pair.east)):
        assert mine["clustermesh"]["config"]["clusters"] == [
            {"name": other["cluster"]["name"], "port": 2379, "ips": [other["clustermesh"]["apiserver"]["service"]["annotations"][
                "service.beta.kubernetes.io/azure-load-balancer-ipv4"]]}
        ]  # fmt: skip
        assert run.outputs["clusterMesh"]["apiServerAddress"] == mine["clustermesh"]["config"]["clusters"][0]["ips"][0]


def test_the_mesh_component_registers_both_members_for_the_pack(pair: MeshPair) -> None:
    for run, other in ((pair.east, pair.west), (pair.west, pair.east)):
        registered = run.one(CLUSTER_MESH).wire_outputs
        assert registered["local"]["cluster_id"] == values_of(run)["cluster"]["id"]
        assert registered["peers"][0]["cluster_id"] == values_of(other)["cluster"]["id"]


def rendered(run: ProgramRun) -> list[dict[str, Any]]:
    """Cilium's chart rendered with the stack's values: the version the stack deploys where it can be had, else the
    nearest verified chart of the same minor (1.20.0 from ../shared, for 1.20.2 here)."""
    version = run.one(RELEASE).inputs["version"]
    return render_chart(values_of(run), nearest_verified(version, cilium_artifacts).version)


@pytest.fixture(scope="module")
def charts(pair: MeshPair) -> dict[str, list[dict[str, Any]]]:
    return {stack: rendered(run) for stack, run in runs(pair).items()}


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]
    spec = spec.get("jobTemplate", {}).get("spec", spec)
    return dict(spec["template"]["spec"])


def certgen_jobs(objects: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (o for o in objects if o["kind"] in ("Job", "CronJob") and "generate-certs" in o["metadata"]["name"])


@requires_artifacts
def test_the_clustermesh_apiserver_is_behind_an_internal_load_balancer_at_its_ip(pair: MeshPair, charts: dict[str, Any]) -> None:
    for stack, run in runs(pair).items():
        service = one(charts[stack], "Service", "clustermesh-apiserver")
        assert service["spec"]["type"] == "LoadBalancer"
        assert service["metadata"]["annotations"] == {
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
            "service.beta.kubernetes.io/azure-load-balancer-ipv4": run.outputs["clusterMesh"]["apiServerAddress"],
        }
        assert [p["port"] for p in service["spec"]["ports"]] == [2379]
        ip = ipaddress.ip_address(run.outputs["clusterMesh"]["apiServerAddress"])
        assert ip in ipaddress.ip_network(run.one(SUBNET, "network-nodes").inputs["addressPrefix"])


@requires_artifacts
def test_kvstoremesh_dials_the_peer_by_name_at_the_peer_s_ip(pair: MeshPair, charts: dict[str, Any]) -> None:
    for stack, other in (("mesh-east", pair.west), ("mesh-west", pair.east)):
        peer = other.outputs["clusterMesh"]
        deployment = one(charts[stack], "Deployment", "clustermesh-apiserver")
        assert "kvstoremesh" in [c["name"] for c in pod_spec(deployment)["containers"]]
        assert pod_spec(deployment)["hostAliases"] == [
            {"ip": peer["apiServerAddress"], "hostnames": [f"{peer['clusterName']}.mesh.cilium.io"]}
        ]
        remote = one(charts[stack], "Secret", "cilium-kvstoremesh")["data"]
        assert list(remote) == [peer["clusterName"]]
        config = yaml.safe_load(base64.b64decode(remote[peer["clusterName"]]))
        assert config["endpoints"] == [f"https://{peer['clusterName']}.mesh.cilium.io:2379"]
        hosts = yaml.safe_load(
            next(e["value"] for e in pod_spec(next(j for j in certgen_jobs(charts[stack]) if "clustermesh" in j["metadata"]["name"]))[
                "containers"][0]["env"] if e["name"] == "CILIUM_CERTGEN_CONFIG")
        )["certs"][0]["hosts"]  # fmt: skip
        assert "*.mesh.cilium.io" in hosts  # the server certificate covers the name the peer dials


@requires_artifacts
def test_both_render_the_same_shared_ca_and_no_ca_of_their_own(pair: MeshPair, charts: dict[str, Any]) -> None:
    """No chart-made `cilium-ca` (the `helm` method would generate one per render); every certgen Job signs with the
    `cilium-ca` Secret, which holds the same CA in both (test above), and may not generate another."""
    for stack in STACKS:
        objects = charts[stack]
        assert [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == "cilium-ca"] == []
        jobs = list(certgen_jobs(objects))
        assert {j["metadata"]["name"].split("-generate-certs")[0] for j in jobs} == {"clustermesh-apiserver", "hubble"}
        for job in jobs:
            args = pod_spec(job)["containers"][0]["args"]
            assert {"--ca-reuse-secret", "--ca-secret-name=cilium-ca", "--ca-generate=false"} <= set(args), job["metadata"]["name"]


@requires_artifacts
def test_distinct_names_ids_pod_cidrs_and_wireguard_strict_in_the_agent_config(charts: dict[str, Any]) -> None:
    configs = [one(charts[stack], "ConfigMap", "cilium-config")["data"] for stack in STACKS]
    for key in ("cluster-name", "cluster-id", "cluster-pool-ipv4-cidr"):
        assert configs[0][key] != configs[1][key], key
    for config in configs:
        assert config["enable-wireguard"] == "true"
        assert config["enable-encryption-strict-mode-ingress"] == "true"
        assert config["enable-non-default-deny-policies"] == "true"


def plan_exit(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, stack: str, **overrides: str) -> int:
    from offline import plan

    config = with_overrides(stack_config(stack), overrides)
    monkeypatch.setattr(plan, "load_stack_config", lambda _stack, **_: config)
    return plan.main(["--stack", stack, "--out", str(tmp_path / stack)])


@pytest.mark.parametrize("stack", STACKS)
def test_both_mesh_stacks_plan_clean(stack: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        nearest_verified("1.20.2", cilium_artifacts)
    except ArtifactError as error:
        pytest.skip(str(error))
    assert plan_exit(monkeypatch, tmp_path, stack) == 0
    peer = "mesh-west" if stack == "mesh-east" else "mesh-east"
    record = json.loads((tmp_path / stack / "plan.json").read_text())
    assert f"offline/stack_outputs/{peer}.json" in record["inputs"]["files"]


@pytest.mark.parametrize(
    ("overrides", "key", "words"),
    [
        ({"clusterMeshId": "11"}, "clusterMeshId", "both use Cilium cluster ID 11"),
        ({"podCidr": "10.250.0.0/17"}, "podCidr", "overlap"),
        (
            {"vnetCidr": "10.16.0.0/15", "nodeSubnetCidr": "10.17.0.0/20", "clusterMeshApiServerIp": "10.17.15.250"},
            "vnetCidr",
            "cannot be peered",
        ),
        ({"clusterMeshCaOwner": "true"}, "clusterMeshCaOwner", "both create the mesh CA"),
    ],
)
def test_a_collision_with_the_peer_exits_2_naming_both_stacks(
    overrides: dict[str, str], key: str, words: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan_exit(monkeypatch, tmp_path, "mesh-west", **overrides) == 2
    err = capsys.readouterr().err
    assert f"aks-cilium:{key}:" in err
    assert words in err
    assert "'mesh-west'" in err
    assert "mesh-east'" in err
    assert not (tmp_path / "mesh-west").exists()


@pytest.mark.parametrize(
    ("overrides", "keys"),
    [
        ({"wireguard": "false"}, {"wireguard"}),
        ({"clusterMeshId": "0"}, {"clusterMeshId"}),
        ({"clusterMeshApiServerIp": "10.16.0.2"}, {"clusterMeshApiServerIp"}),
        ({"clusterMeshApiServerIp": "10.99.0.10"}, {"clusterMeshApiServerIp"}),
        ({"clusterMeshApiServerIp": "nope"}, {"clusterMeshApiServerIp"}),
        ({"clusterMeshPeerStack": "organization/aks-cilium/mesh-east"}, {"clusterMeshPeerStack"}),
        ({"clusterMeshPeerStack": "", "clusterMeshCaOwner": "true"}, {"clusterMeshCaOwner", "clusterMeshApiServerIp"}),
    ],
)
def test_what_one_stack_can_know_is_refused_before_any_resource(overrides: dict[str, str], keys: set[str]) -> None:
    """By the program's config check, its first statement (tests/support/program_settings.py): before the peer's
    outputs are read and before any resource."""
    assert program_config_error(with_overrides(stack_config("mesh-east"), overrides)).keys == keys


def test_a_peer_that_does_not_encrypt_with_wireguard_is_refused(pair: MeshPair) -> None:
    peer = exports(pair.east)
    peer["clusterMesh"] = {**peer["clusterMesh"], "encryption": "none"}
    with pytest.raises(ConfigError, match="mixed mode is not supported"):
        run_with_peer(stack_config("mesh-west"), "mesh-east", peer)


def test_the_ca_owner_s_first_deploy_prepares_its_side_before_the_peer_exists() -> None:
    """Each member peers from its own stack, so the first one deployed finds no peer outputs yet: it creates the CA,
    its clustermesh-apiserver and its outputs, registers no peering, NSG or peer, and warns to run again."""
    first = run_with_peer(stack_config("mesh-east"), "mesh-west", {})
    assert first.of_type(PEERING) == []
    assert first.of_type(NSG) == []
    assert first.of_type(CLUSTER_MESH) == []
    values = values_of(first)
    assert values["clustermesh"]["config"]["clusters"] == []
    assert values["encryption"]["enabled"] is True
    assert set(exports(first)) == {"clusterMesh", CA_OUTPUT}
    assert exports(first)["clusterMesh"] == recorded_stack_outputs()[0]["mesh-east"]["clusterMesh"]


def test_the_peer_cannot_go_first_without_the_ca() -> None:
    with pytest.raises(ConfigError, match="deploy the CA owner first") as caught:
        run_with_peer(stack_config("mesh-west"), "mesh-east", {})
    assert caught.value.keys == {"clusterMeshPeerStack"}
