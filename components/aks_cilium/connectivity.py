"""A Job that proves the policies: allowed destinations answer, denied ones do not, or the deploy fails."""

from __future__ import annotations

import shlex
from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s

from .demo import CLIENT_IMAGE, restricted_container
from .options import child_options
from .tokens import component_type, with_legacy_type

TIMEOUT_SECONDS = 5


class ConnectivityProbe(TypedDict):
    name: str
    """What is probed, for the Job's log."""
    url: str
    """URL fetched with curl."""
    allowed: bool
    """Whether the policies should let it through."""


class ConnectivityCheckArgs(TypedDict):
    namespace: pulumi.Input[str]
    """Namespace the Job runs in (its pods get that namespace's policies)."""
    probes: list[ConnectivityProbe]
    """Destinations and the expected verdicts."""


def check_script(probes: list[ConnectivityProbe]) -> str:
    """A POSIX shell script: one curl per probe, exit 1 unless every verdict is as expected."""
    lines = [
        "failed=0",
        "probe() {",
        f'  if curl -sS -o /dev/null --max-time {TIMEOUT_SECONDS} "$3"; then got=allowed; else got=denied; fi',
        '  if [ "$got" = "$2" ]; then echo "ok   $1: $got"; else echo "FAIL $1: expected $2, got $got"; failed=1; fi',
        "}",
    ]
    for probe in probes:
        verdict = "allowed" if probe["allowed"] else "denied"
        lines.append(f"probe {shlex.quote(probe['name'])} {verdict} {shlex.quote(probe['url'])}")
    lines.append('exit "$failed"')
    return "\n".join(lines) + "\n"


class ConnectivityCheck(pulumi.ComponentResource):
    """A Job that `pulumi up` waits for; it fails when a policy lets through or blocks the wrong traffic."""

    job_name: pulumi.Output[str]
    """Name of the Job, for `kubectl logs job/<name>`."""

    def __init__(self, name: str, args: ConnectivityCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ConnectivityCheck"), name, None, with_legacy_type(opts, "demo", "ConnectivityCheck"))
        job = k8s.batch.v1.Job(
            f"{name}-job",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="connectivity-check", namespace=args["namespace"]),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=2,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels={"app": "connectivity-check"}),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        containers=[restricted_container("check", CLIENT_IMAGE, command=["/bin/sh", "-c", check_script(args["probes"])])],
                    ),
                ),
            ),
            # The provider waits for the Job to complete; a failed check fails `pulumi up`.
            opts=child_options(self, opts),
        )
        self.job_name = job.metadata.name
        self.register_outputs({"job_name": self.job_name})
