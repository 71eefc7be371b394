"""The demo's, the mesh example's and the check's pods as their images expect to run: Cilium's connectivity-test images
from quay.io, started the way their Dockerfiles and entry scripts work; and the probe namespace's positive control."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from aks_cilium.mesh.example import GlobalServiceExample, GlobalServiceExampleArgs
from aks_cilium.testing import ProgramRun, run_callable
from aks_cilium.workloads.connectivity import OUTSIDER_CONTROL_URL, ConnectivityCheck, ConnectivityCheckArgs
from aks_cilium.workloads.demo import APP_PORT, DemoApp, DemoAppArgs
from tests.support.fake_curl import run_script
from tests.support.tokens import CNP

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
DEMO_URL = "http://demo-app.demo.svc.cluster.local"
WITH_OUTSIDER = ConnectivityCheckArgs(
    sources=[{"namespace": "client", "probes": [{"name": "client -> demo", "url": DEMO_URL, "allowed": True}]}],
    outsider_probes=[{"name": "probe namespace -> demo (not allowed)", "url": DEMO_URL, "allowed": False}],
    outsider_egress_to=["demo"],
)


@pytest.fixture(scope="module")
def workloads() -> ProgramRun:
    def program() -> None:
        DemoApp("demo", DemoAppArgs(app_namespace="demo", client_namespace="client"))
        GlobalServiceExample("echo", GlobalServiceExampleArgs(namespace="mesh-echo", cluster_names=["aks-east", "aks-west"]))
        ConnectivityCheck("check", WITH_OUTSIDER)

    return run_callable(program)


def _container(run: ProgramRun, kind: str, name: str) -> dict[str, Any]:
    container: dict[str, Any] = run.one(kind, name).inputs["spec"]["template"]["spec"]["containers"][0]
    return container


def test_every_image_is_ciliums_own_from_quay_not_docker_hub(workloads: ProgramRun) -> None:
    """Docker Hub limits anonymous pulls per source address, and a cluster's nodes pull through its one outbound IP;
    Cilium's connectivity test pins these two images on quay.io (cilium/cilium cilium-cli/defaults/defaults.go,
    `ConnectivityCheckImagesTest`), built by cilium/json-mock and cilium/alpine-curl."""
    pods = [r.inputs["spec"]["template"]["spec"] for r in workloads.of_type(DEPLOYMENT) + workloads.of_type(JOB)]
    images = {container["image"] for pod in pods for container in pod["containers"]}
    assert {image.split(":")[0] for image in images} == {"quay.io/cilium/json-mock", "quay.io/cilium/alpine-curl"}
    for image in images:
        # A release tag, pinned by its digest: the tag says which release, the digest makes it immutable.
        assert re.fullmatch(r"v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", image.split(":", 1)[1]), image


@pytest.mark.parametrize(("kind", "name"), [(DEPLOYMENT, "demo-app"), (DEPLOYMENT, "echo-app")])
def test_the_app_serves_read_only_on_the_port_its_service_and_probes_use(workloads: ProgramRun, kind: str, name: str) -> None:
    """cilium/json-mock run.sh listens on $PORT (80 when unset) and passes its own arguments on to json-server, whose
    `--read-only` allows GET only (typicode/json-server v0.17.4 src/cli/index.js), so nothing writes its database on
    the read-only root filesystem; /public is a collection of the image's /default.json."""
    container = _container(workloads, kind, name)
    assert {e["name"]: e["value"] for e in container["env"]} == {"PORT": str(APP_PORT)}
    assert container["args"] == ["--read-only"]
    assert container["ports"] == [{"containerPort": APP_PORT, "name": "http"}]
    probe = container["readinessProbe"]["httpGet"]
    assert (probe["path"], probe["port"]) == ("/public", "http")
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_client_idles_in_pause_and_the_check_runs_its_script_in_sh(workloads: ProgramRun) -> None:
    """cilium/alpine-curl's Dockerfile copies Kubernetes' pause to /usr/bin/pause and makes curl the entrypoint, so an idle
    pod needs a command; the check's script runs in the image's busybox sh."""
    assert _container(workloads, DEPLOYMENT, "demo-client")["command"] == ["/usr/bin/pause"]
    for job in workloads.of_type(JOB):
        assert job.inputs["spec"]["template"]["spec"]["containers"][0]["command"][:2] == ["/bin/sh", "-c"]


def _outsider_script(run: ProgramRun) -> str:
    script: str = _container(run, JOB, "check-outsider-job")["command"][2]
    return script


def test_the_outsider_first_reaches_the_api_server_through_its_own_egress_policy(workloads: ProgramRun) -> None:
    """A denied probe passes on the timeout a broken probe pod also produces, so the outsider first reaches the API
    server: Cilium's `kube-apiserver` entity (cilium/cilium Documentation/security/policy/language.rst, "Entities
    Based"; the CRD's toEntities enum in ../shared/cilium/1.20.0/ciliumnetworkpolicies.yaml), allowed by no policy but
    the outsider's own (the shared baseline allows DNS only)."""
    probes = [line for line in _outsider_script(workloads).splitlines() if line.startswith("probe ")]
    assert probes[0] == f"probe 'probe namespace -> kube-apiserver:443 (positive control)' allowed {OUTSIDER_CONTROL_URL}"
    assert probes[1:] == [f"probe 'probe namespace -> demo (not allowed)' denied {DEMO_URL}"]
    egress = workloads.one(CNP, "check-outsider-egress").inputs["spec"]["egress"]
    assert {"toEntities": ["kube-apiserver"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]} in egress


@pytest.mark.parametrize(
    ("api_server", "passes"),
    [((0, "0.002000", "0.004000"), True), ((28, "0.002000", "0.000000"), False)],
    ids=["reached", "dropped with the demo"],
)
def test_an_outsider_that_reaches_nothing_fails_the_check(
    workloads: ProgramRun, tmp_path: Path, api_server: tuple[int, str, str], passes: bool
) -> None:
    """The outsider's script against a stand-in curl: the demo app times out after resolving (what a drop by its
    ingress policy looks like, and what a pod without working egress sees too); only the positive control tells them
    apart."""
    outcomes = {OUTSIDER_CONTROL_URL: api_server, DEMO_URL: (28, "0.003000", "0.000000")}
    result = run_script(_outsider_script(workloads), tmp_path, outcomes)
    assert (result.returncode == 0) is passes, result.stdout
