"""Jobs that prove the policies: allowed destinations answer, denied ones are dropped, or the deploy fails."""

import hashlib
import shlex
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.network_policy.args import namespace_problem
from aks_cilium.network_policy.baseline import NamespaceBaseline, namespace_labels
from aks_cilium.network_policy.builders import allow_to_namespaces
from aks_cilium.workloads.demo import CLIENT_IMAGE, CLIENT_USER, restricted_container

CONNECT_TIMEOUT_SECONDS = 5
MAX_SECONDS = 10
# curl's exit code when an operation timed out (libcurl CURLE_OPERATION_TIMEDOUT).
CURL_TIMED_OUT = 28


class ConnectivityProbe(TypedDict):
    name: str
    """What is probed, for the Job's log."""
    url: str
    """URL fetched with curl."""
    allowed: bool
    """Whether the policies should let it through: an HTTP answer if so, a name that resolves and then a connection that
    times out (a policy drop) if not. Any other failure (DNS, TLS, refused) fails the check either way."""


class ConnectivityCheckArgs(TypedDict):
    namespace: pulumi.Input[str]
    """Namespace the Job runs in (its pods get that namespace's policies)."""
    probes: list[ConnectivityProbe]
    """Destinations and the expected verdicts."""
    outsider_probes: NotRequired[list[ConnectivityProbe]]
    """Probes from a namespace the component creates under the shared baseline (NetworkPolicySet's cluster-wide
    policies), with egress open to `outsider_egress_to`: what they reach there must be denied by the destination's
    own ingress policy, the only policy left that can drop it."""
    outsider_egress_to: NotRequired[list[str]]
    """Namespaces the outsider's egress may reach (the namespaces its probes target)."""
    outsider_namespace: NotRequired[str]
    """Name of that namespace (default connectivity-outsider)."""
    policy_fingerprint: NotRequired[pulumi.Input[str]]
    """A digest of the policies (NetworkPolicySet.policy_fingerprint): the Jobs run again whenever it changes."""


def check_script(probes: list[ConnectivityProbe]) -> str:
    """A POSIX shell script: one curl per probe, exit 1 unless every verdict is as expected, for the expected cause."""
    lines = [
        "failed=0",
        "probe() {",
        # time_namelookup stays 0 when the name never resolved; http_code 000 when no HTTP answer came.
        f"  out=$(curl -sS -o /dev/null -w '%{{http_code}} %{{time_namelookup}}' --connect-timeout {CONNECT_TIMEOUT_SECONDS} "
        f'--max-time {MAX_SECONDS} "$3" 2>/tmp/curl.err); rc=$?',
        "  code=${out%% *}; lookup=${out#* }",
        '  if [ "$rc" = 0 ] && [ "$code" != 000 ]; then got=allowed',
        f'  elif [ "$rc" = {CURL_TIMED_OUT} ] && [ "$lookup" != 0.000000 ] && [ "$code" = 000 ]; then got=denied',
        '  else got="failed (curl exit $rc: $(cat /tmp/curl.err))"; fi',
        '  if [ "$got" = "$2" ]; then echo "ok   $1: $got"; else echo "FAIL $1: expected $2, got $got"; failed=1; fi',
        "}",
    ]
    for probe in probes:
        verdict = "allowed" if probe["allowed"] else "denied"
        lines.append(f"probe {shlex.quote(probe['name'])} {verdict} {shlex.quote(probe['url'])}")
    lines.append('exit "$failed"')
    return "\n".join(lines) + "\n"


def _job(
    name: str, namespace: pulumi.Input[str], script: str, fingerprint: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> "k8s.batch.v1.Job":  # quoted: evaluating it would load the Job module on stacks without the check
    # The Job's name carries a digest of the policies and the script: a change replaces the Job, which runs again.
    job_name = pulumi.Output.from_input(fingerprint).apply(
        lambda digest: f"connectivity-check-{hashlib.sha256((digest + script).encode()).hexdigest()[:10]}"
    )
    return k8s.batch.v1.Job(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=job_name, namespace=namespace),
        spec=k8s.batch.v1.JobSpecArgs(
            backoff_limit=2,
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels={"app": "connectivity-check"}),
                spec=k8s.core.v1.PodSpecArgs(
                    restart_policy="Never",
                    containers=[restricted_container("check", CLIENT_IMAGE, CLIENT_USER, command=["/bin/sh", "-c", script])],
                ),
            ),
        ),
        # The provider waits for the Job to complete; a failed check fails `pulumi up`.
        opts=opts,
    )


class ConnectivityCheck(pulumi.ComponentResource):
    """Jobs that `pulumi up` waits for; they fail when a policy lets through or blocks the wrong traffic."""

    job_name: pulumi.Output[str]
    """Name of the Job in `namespace`, for `kubectl logs job/<name>`."""

    def __init__(self, name: str, args: ConnectivityCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ConnectivityCheck"), name, None, with_legacy_type(opts, "demo", "ConnectivityCheck"))
        # ArgsCheck refuses probes without their required keys (ConnectivityProbe), each at its own path.
        check = ArgsCheck("ConnectivityCheck", name, args, ConnectivityCheckArgs)
        if "probes" in args and not args["probes"]:
            check.fail("probes", "needs at least one probe")
        if args.get("outsider_probes") and not args.get("outsider_egress_to"):
            check.fail("outsider_egress_to", "is required with outsider_probes: the namespaces the probes target")
        for index, target in enumerate(args.get("outsider_egress_to", [])):
            problem = namespace_problem(target)
            if problem:
                check.fail(f"outsider_egress_to[{index}]", problem)
        check.done()
        child = child_options(self, opts)
        fingerprint = args.get("policy_fingerprint", "")
        job = _job(f"{name}-job", args["namespace"], check_script(args["probes"]), fingerprint, child)
        if args.get("outsider_probes"):
            outsider_name = args.get("outsider_namespace", "connectivity-outsider")
            outsider = k8s.core.v1.Namespace(
                f"{name}-outsider",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=outsider_name, labels=namespace_labels(NamespaceBaseline(outsider_name))),
                opts=child,
            )
            in_outsider = extended(child, depends_on=[outsider])
            egress = [
                k8s.apiextensions.CustomResource(
                    f"{name}-outsider-egress",
                    api_version="cilium.io/v2",
                    kind="CiliumNetworkPolicy",
                    metadata={"name": "allow-to-namespaces", "namespace": outsider_name},
                    spec=allow_to_namespaces(tuple(args["outsider_egress_to"])).render(),
                    opts=in_outsider,
                )
            ]
            _job(
                f"{name}-outsider-job",
                outsider_name,
                check_script(args["outsider_probes"]),
                fingerprint,
                extended(in_outsider, depends_on=egress),
            )
        self.job_name = job.metadata.name
        self.register_outputs({"job_name": self.job_name})
