"""The wait for AKS RBAC propagation: retry until the API server says yes, fail with the last answer after the timeout.

Role assignments take minutes to propagate (MicrosoftDocs/azure-aks-docs tutorial-kubernetes-deploy-cluster.md;
../shared/design/UPSTREAM.md, AKS). The probe is a SelfSubjectAccessReview (authorization.k8s.io/v1), sent with the
token of the kubeconfig's exec credential plugin, as kubectl would.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from aks_cilium.cluster.access_gate import REVIEW_PATH, AccessNotReadyError, ProbeError, exec_token, review_allows, wait_until_allowed


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waits_until_the_review_allows() -> None:
    answers: Iterator[ProbeError | bool] = iter([ProbeError("HTTP 403"), False, False, True])
    clock = FakeClock()

    def probe() -> bool:
        answer = next(answers)
        if isinstance(answer, ProbeError):
            raise answer
        return answer

    assert wait_until_allowed(probe, timeout_seconds=900, interval_seconds=15, sleep=clock.sleep, clock=clock.time) == 4
    assert clock.sleeps == [15, 15, 15]


def test_gives_up_after_the_timeout_with_the_last_answer() -> None:
    clock = FakeClock()

    def probe() -> bool:
        raise ProbeError("the API server answered HTTP 403")

    with pytest.raises(AccessNotReadyError, match=r"after 5 attempts in 60 s \(the API server answered HTTP 403\)"):
        wait_until_allowed(probe, timeout_seconds=60, interval_seconds=15, sleep=clock.sleep, clock=clock.time)
    assert clock.now <= 60


class ReviewServer(BaseHTTPRequestHandler):
    """An API server that denies the first `denials` reviews, then allows; it records what it was sent."""

    denials: ClassVar[int] = 0
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
        allowed = len(type(self).requests) > type(self).denials
        payload = json.dumps({**body, "status": {"allowed": allowed}}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_server() -> Iterator[str]:
    ReviewServer.requests = []
    ReviewServer.denials = 2
    server = HTTPServer(("127.0.0.1", 0), ReviewServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def kubeconfig_for(server: str, token_json: str) -> str:
    """A kubeconfig whose user's exec plugin prints `token_json`, standing in for kubelogin."""
    exec_spec = {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable, "args": ["-c", f"print({token_json!r})"]}
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": server}}],
            "users": [{"name": "u", "user": {"exec": exec_spec}}],
            "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "x",
        }
    )


CREDENTIAL = json.dumps({"kind": "ExecCredential", "status": {"token": "tok-123"}})


def test_review_against_an_api_server_that_says_no_then_yes(api_server: str) -> None:
    config = kubeconfig_for(api_server, CREDENTIAL)
    clock = FakeClock()
    attempts = wait_until_allowed(lambda: review_allows(config), 900, 15, sleep=clock.sleep, clock=clock.time)
    assert attempts == 3
    first = ReviewServer.requests[0]
    assert first["path"] == REVIEW_PATH
    assert first["auth"] == "Bearer tok-123"
    assert first["body"]["kind"] == "SelfSubjectAccessReview"
    assert first["body"]["spec"]["resourceAttributes"] == {"verb": "create", "resource": "namespaces"}


def test_exec_plugin_failure_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="failed: kubelogin says no"):
        exec_token({"command": sys.executable, "args": ["-c", "import sys; sys.exit('kubelogin says no')"]})
    with pytest.raises(ProbeError, match="could not run"):
        exec_token({"command": "/nonexistent/kubelogin", "args": []})
    with pytest.raises(ProbeError, match="no ExecCredential token"):
        exec_token({"command": sys.executable, "args": ["-c", "print('{}')"]})


def test_unreachable_api_server_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="could not be asked"):
        review_allows(kubeconfig_for("http://127.0.0.1:9", CREDENTIAL))


def test_the_gate_provider_survives_serialization_and_waits_on_create(api_server: str) -> None:
    """The engine runs a dynamic resource's create step in a separate process from the dill-serialized provider."""
    import base64

    import dill
    from pulumi.dynamic.dynamic import serialize_provider

    from aks_cilium.cluster.access_gate import _GateProvider

    provider = dill.loads(base64.b64decode(serialize_provider(_GateProvider())))
    props = {"kubeconfig": kubeconfig_for(api_server, CREDENTIAL), "assignments": ["a"], "timeout_seconds": 30, "interval_seconds": 0}
    created = provider.create(props)
    assert created.outs == {"assignments": ["a"]}
    assert len(ReviewServer.requests) == 3
    assert provider.diff("kubernetes-access", {"assignments": ["a"]}, {**props, "assignments": ["a"]}).changes is False
    assert provider.diff("kubernetes-access", {"assignments": ["a"]}, {**props, "assignments": ["a", "b"]}).changes is True


@pytest.mark.slow  # starts two interpreters
def test_the_provider_is_pickled_by_reference_so_its_python_must_import_aks_cilium(tmp_path: Path) -> None:
    """dill pickles a class of an importable module by reference (pulumi/pulumi sdk/python/lib/pulumi/dynamic/dynamic.py,
    serialize_provider). The engine runs the create step with PULUMI_RUNTIME_VIRTUALENV's python, else
    PULUMI_PYTHON_CMD, else python3 (pulumi/pulumi sdk/python/dist/pulumi-resource-pulumi-python): without aks_cilium
    there, the gate cannot run. The README says so for programs in other languages."""
    import subprocess
    import sysconfig

    from pulumi.dynamic.dynamic import serialize_provider

    from aks_cilium.cluster.access_gate import _GateProvider

    payload = serialize_provider(_GateProvider())
    load = "import base64, sys, dill; print(type(dill.loads(base64.b64decode(sys.stdin.read()))).__module__)"
    # -S skips site, so the editable install's path hook is gone; PYTHONPATH keeps dill and pulumi.
    bare = {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
    without = subprocess.run([sys.executable, "-S", "-c", load], input=payload, capture_output=True, text=True, env=bare, cwd=tmp_path)
    assert without.returncode != 0
    assert "No module named 'aks_cilium'" in without.stderr
    with_library = subprocess.run([sys.executable, "-c", load], input=payload, capture_output=True, text=True, cwd=tmp_path)
    assert with_library.stdout.strip() == "aks_cilium.cluster.access_gate"


def test_state_written_before_the_layout_change_still_unpickles() -> None:
    """Stacks created before 0.3 hold the provider pickled by reference to `aks_cilium.access_gate._GateProvider`
    (dill's by-reference form: module and qualified name, pulumi/pulumi sdk/python/lib/pulumi/dynamic/dynamic.py,
    serialize_provider). The engine unpickles it on every update and delete, so the old path must still resolve."""
    import pickle

    from aks_cilium.cluster.access_gate import _GateProvider

    # A reference to the class under its pre-0.3 module path (protocol 0 spells module and name as text lines).
    old_reference = pickle.dumps(_GateProvider, protocol=0).replace(b"aks_cilium.cluster.access_gate", b"aks_cilium.access_gate")
    assert b"aks_cilium.access_gate" in old_reference
    assert pickle.loads(old_reference) is _GateProvider
