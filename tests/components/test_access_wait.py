"""The wait for AKS RBAC propagation, and the old wait's resource that stacks of 0.2 still hold.

Role assignments take minutes to propagate (MicrosoftDocs/azure-aks-docs tutorial-kubernetes-deploy-cluster.md;
../shared/design/UPSTREAM.md, AKS). The wait's script runs as pulumi-command runs a local command: `/bin/sh -c <create>`
with the program's environment plus `environment` (pulumi/pulumi-command provider/pkg/provider/local/commandOutputs.go,
`run`). kubectl's `auth can-i` sends a SelfSubjectAccessReview and exits 1 while it is not allowed (kubernetes/kubernetes
staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go): a stand-in kubectl on PATH answers as that code does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from aks_cilium.cluster.access_wait import KUBECONFIG_VARIABLE, WAIT_SCRIPT

KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: aks\n"
# A stand-in for kubectl: records its arguments and the kubeconfig it was given, answers "no" (exit 1) until its
# countdown file reaches zero, then "yes" (exit 0), as cani.go prints and exits.
FAKE_KUBECONTROL = """#!/bin/sh
echo "$*" >> "$FAKE_LOG"
cat "$2" > "$FAKE_SEEN_CONFIG"
ls -l "$2" | cut -c1-10 > "$FAKE_SEEN_MODE"
left=$(cat "$FAKE_COUNTDOWN")
if [ "$left" -gt 0 ]; then
  echo $((left - 1)) > "$FAKE_COUNTDOWN"
  echo "no - Azure does not have opinion for this user."
  exit 1
fi
echo yes
"""

# A clock for the script, on PATH before the real one: `date +%s` reads it and `sleep N` moves it N seconds on at
# once, so a wait of many seconds takes none and its attempts are exact (the script reads time only through these two).
FAKE_DATE = """#!/bin/sh
cat "$FAKE_CLOCK"
"""
FAKE_SLEEP = """#!/bin/sh
echo $(( $(cat "$FAKE_CLOCK") + $1 )) > "$FAKE_CLOCK"
"""


def run_wait(tmp_path: Path, refusals: int, timeout: int, interval: int = 0) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in (("kubectl", FAKE_KUBECONTROL), ("date", FAKE_DATE), ("sleep", FAKE_SLEEP)):
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "countdown").write_text(str(refusals))
    (tmp_path / "clock").write_text("1000000000")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(tmp_path),
        "FAKE_LOG": str(tmp_path / "calls"),
        "FAKE_SEEN_CONFIG": str(tmp_path / "seen-config"),
        "FAKE_SEEN_MODE": str(tmp_path / "seen-mode"),
        "FAKE_COUNTDOWN": str(tmp_path / "countdown"),
        "FAKE_CLOCK": str(tmp_path / "clock"),
        KUBECONFIG_VARIABLE: KUBECONFIG,
        "AKS_CILIUM_WAIT_SECONDS": str(timeout),
        "AKS_CILIUM_WAIT_INTERVAL": str(interval),
    }
    return subprocess.run(["/bin/sh", "-c", WAIT_SCRIPT], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_waits_until_kubectl_says_yes(tmp_path: Path) -> None:
    done = run_wait(tmp_path, refusals=2, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Kubernetes access after 3 attempt(s)" in done.stdout
    calls = (tmp_path / "calls").read_text().splitlines()
    assert len(calls) == 3
    config_path = calls[0].split()[1]
    assert calls[0] == f"--kubeconfig {config_path} auth can-i create namespaces --all-namespaces"
    assert (tmp_path / "seen-config").read_text() == KUBECONFIG
    # The credential file is private while it exists, and gone afterwards.
    assert (tmp_path / "seen-mode").read_text().strip() == "-rw-------"
    assert not Path(config_path).exists()


def test_gives_up_after_the_timeout_with_the_last_answer(tmp_path: Path) -> None:
    """With the stand-in clock: asked at 0, 10 and 20 s of a 25 s wait; a fourth attempt would come after it."""
    done = run_wait(tmp_path, refusals=100, timeout=25, interval=10)
    assert done.returncode == 1
    assert "no Kubernetes access after 3 attempts in 25 s" in done.stderr
    assert "(no - Azure does not have opinion for this user.)" in done.stderr
    assert "'Azure Kubernetes Service RBAC Cluster Admin' assignment" in done.stderr
    assert len((tmp_path / "calls").read_text().splitlines()) == 3
    assert (tmp_path / "clock").read_text().strip() == "1000000020"


# The provider of the 0.2 wait exactly as its state holds it: `serialize_provider(_GateProvider())` run with
# components/aks_cilium of commit f44077f (the last layout before 0.3) first on sys.path.
OLD_STATE_PROVIDER = "gASVLwAAAAAAAACMFmFrc19jaWxpdW0uYWNjZXNzX2dhdGWUjA1fR2F0ZVByb3ZpZGVylJOUKYGULg=="
OLD_URN = (
    "urn:pulumi:prod::aks-cilium::aks-cilium:index:AksCluster$pulumi-python:dynamic/aks_cilium:KubernetesAccessGate::aks-kubernetes-access"
)


@pytest.fixture(scope="module")
def dynamic_provider() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The engine's dynamic provider, started as `pulumi-resource-pulumi-python` starts it (`python -u -m
    pulumi.dynamic`, which prints its port first: pulumi/pulumi sdk/python/lib/pulumi/dynamic/__main__.py `main`)."""
    process = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def _struct(values: Mapping[str, object]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


OLD_OUTPUTS = {"__provider": OLD_STATE_PROVIDER, "assignments": ["/subscriptions/s/assignment-1"]}


@pytest.mark.slow  # starts the dynamic provider's interpreter
def test_an_old_stack_deletes_the_old_wait_through_the_dynamic_provider(dynamic_provider: provider_pb2_grpc.ResourceProviderStub) -> None:
    """The engine deletes a resource the program no longer registers by calling Delete with the state's outputs, and
    the dynamic provider unpickles `__provider` from them (`DynamicResourceProviderServicer.Delete`, `get_provider`)."""
    request = provider_pb2.DeleteRequest(id="kubernetes-access", urn=OLD_URN, properties=_struct(OLD_OUTPUTS))
    dynamic_provider.Delete(request, timeout=30)


@pytest.mark.slow  # starts the dynamic provider's interpreter
def test_an_old_stack_refreshes_and_updates_the_old_wait(dynamic_provider: provider_pb2_grpc.ResourceProviderStub) -> None:
    """Refresh reads with the state's outputs; an update diffs and updates with the old provider in `news` (`Read`,
    `Diff`, `Update` of the same servicer). None of them waits for anything."""
    read = dynamic_provider.Read(provider_pb2.ReadRequest(id="kubernetes-access", urn=OLD_URN, properties=_struct(OLD_OUTPUTS)), timeout=30)
    assert read.id == "kubernetes-access"
    news = {**OLD_OUTPUTS, "assignments": ["/subscriptions/s/assignment-2"]}
    olds_struct, news_struct = _struct(OLD_OUTPUTS), _struct(news)
    diff = dynamic_provider.Diff(
        provider_pb2.DiffRequest(id="kubernetes-access", urn=OLD_URN, olds=olds_struct, news=news_struct), timeout=30
    )
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME
    update = provider_pb2.UpdateRequest(id="kubernetes-access", urn=OLD_URN, olds=olds_struct, news=news_struct)
    updated = dynamic_provider.Update(update, timeout=30)
    assert dict(updated.properties)["assignments"] == ["/subscriptions/s/assignment-2"]
