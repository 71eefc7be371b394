"""Wait until a freshly assigned AKS RBAC role lets the deployer use the Kubernetes API.

Azure role assignments take minutes to propagate (tutorial-kubernetes-deploy-cluster.md; ../shared/design/UPSTREAM.md,
AKS). Until then every Kubernetes call of `pulumi up` would fail with 403. The gate is a resource created after the
role assignments and before the Kubernetes provider: its create step asks the API server, with the deploy
kubeconfig, whether the deployer may create namespaces (a SelfSubjectAccessReview, which every authenticated user may
send) and retries every `interval_seconds` until the answer is yes, failing after `timeout_seconds` with the last
answer. It runs only in `pulumi up` (a dynamic resource's create step); previews do not wait.

The engine runs a dynamic provider in the consuming program's Python (`pulumi-resource-pulumi-python`), which unpickles
`_GateProvider` by reference to this module: that Python needs this library, which other languages must arrange
(docs/components.md, "The access wait needs a Python that imports `aks_cilium`").
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pulumi
import yaml
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

DEFAULT_TIMEOUT_SECONDS = 900
DEFAULT_INTERVAL_SECONDS = 15
REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
# What the first Kubernetes resources of both stacks do: the Cilium release and the managed namespaces.
REVIEWED_ACCESS = {"verb": "create", "resource": "namespaces"}


class AccessNotReadyError(Exception):
    """The deployer still has no Kubernetes access when the gate's time is up."""


class ProbeError(Exception):
    """One attempt could not get an answer (no token, API server unreachable, HTTP error)."""


def wait_until_allowed(
    probe: Callable[[], bool],
    timeout_seconds: float,
    interval_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Call `probe` until it returns True; returns the number of attempts. Errors and False both mean "not yet"."""
    deadline = clock() + timeout_seconds
    attempts = 0
    last = "no answer yet"
    while True:
        attempts += 1
        try:
            if probe():
                return attempts
            last = "access review answered: not allowed"
        except ProbeError as error:
            last = str(error)
        if clock() + interval_seconds > deadline:
            raise AccessNotReadyError(
                f"no Kubernetes access after {attempts} attempts in {timeout_seconds:.0f} s ({last}); check that the "
                "'Azure Kubernetes Service RBAC Cluster Admin' assignment exists for the principal running pulumi up"
            )
        sleep(interval_seconds)


def _current(config: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    for entry in config.get(kind) or []:
        if entry.get("name") == name:
            return entry[kind[:-1]]
    raise ProbeError(f"the kubeconfig has no {kind[:-1]} {name!r}")


def exec_token(exec_spec: dict[str, Any]) -> str:
    """Run the kubeconfig's exec credential plugin (kubelogin) and return its bearer token."""
    env = {**os.environ, **{item["name"]: item["value"] for item in exec_spec.get("env") or []}}
    command = [exec_spec["command"], *exec_spec.get("args", [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ProbeError(f"{exec_spec['command']} could not run: {error}") from error
    if done.returncode != 0:
        raise ProbeError(f"{exec_spec['command']} failed: {done.stderr.strip()[-300:]}")
    try:
        return str(json.loads(done.stdout)["status"]["token"])
    except (ValueError, KeyError, TypeError) as error:
        raise ProbeError(f"{exec_spec['command']} printed no ExecCredential token") from error


def review_allows(kubeconfig: str) -> bool:
    """Ask the API server, as the kubeconfig's current user, whether REVIEWED_ACCESS is allowed."""
    config = yaml.safe_load(kubeconfig)
    context = _current(config, "contexts", config["current-context"])
    cluster = _current(config, "clusters", context["cluster"])
    user = _current(config, "users", context["user"])
    token = exec_token(user["exec"])
    ca = cluster.get("certificate-authority-data")
    tls = ssl.create_default_context(cadata=base64.b64decode(ca).decode()) if ca else None
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": REVIEWED_ACCESS},
    }
    request = urllib.request.Request(
        cluster["server"].rstrip("/") + REVIEW_PATH,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, context=tls, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise ProbeError(f"the API server answered HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ProbeError(f"the API server could not be asked: {error}") from error
    return bool(answer.get("status", {}).get("allowed"))


class _GateProvider(ResourceProvider):
    """Create (and update, when the assignments change) waits for access; delete has nothing to undo."""

    def _wait(self, props: dict[str, Any]) -> dict[str, Any]:
        wait_until_allowed(lambda: review_allows(props["kubeconfig"]), float(props["timeout_seconds"]), float(props["interval_seconds"]))
        return {"assignments": props["assignments"]}

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="kubernetes-access", outs=self._wait(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("assignments") != news.get("assignments"))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self._wait(news))


class KubernetesAccessGate(pulumi.dynamic.Resource, module="aks_cilium", name="KubernetesAccessGate"):
    """Created once the role assignments in `assignments` let the kubeconfig's user create namespaces."""

    def __init__(
        self,
        name: str,
        kubeconfig: pulumi.Input[str],
        assignments: list[pulumi.Output[str]],
        opts: pulumi.ResourceOptions | None = None,
        timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS,
        interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        props = {
            "kubeconfig": pulumi.Output.secret(kubeconfig),
            "assignments": assignments,
            "timeout_seconds": timeout_seconds,
            "interval_seconds": interval_seconds,
        }
        super().__init__(_GateProvider(), name, props, opts)
