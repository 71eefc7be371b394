"""Jobs that prove the policies: allowed destinations are reached, denied ones are dropped, or the deploy fails."""

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
from aks_cilium.network_policy.builders import api_server_out, namespace_peers_out
from aks_cilium.network_policy.model import PolicySpec, Port
from aks_cilium.network_policy.reserved import PROBE_NAMESPACE
from aks_cilium.workloads.demo import CLIENT_IMAGE, client_container, restricted_pod_spec

CONNECT_TIMEOUT_SECONDS = 5
MAX_SECONDS = 10
# curl's exit codes (libcurl-errors): 7 the connection was refused (a host answered with a reset, so no policy dropped
# the packet), 28 the operation timed out.
CURL_REFUSED = 7
CURL_TIMED_OUT = 28
# The outsider's positive control: the API server, which only the outsider's own egress policy lets it reach (the
# shared baseline allows DNS, nothing else). A pod whose policy never applied, whose DNS or network is broken, fails it,
# where its denied probes alone would pass: they expect exactly the timeout such a pod produces.
OUTSIDER_CONTROL_URL = "https://kubernetes.default.svc:443"
OUTSIDER_CONTROL_PORT = Port(443)


class ConnectivityProbe(TypedDict):
    name: str
    """What is probed, for the Job's log: the flow as declared."""
    url: str
    """URL fetched with curl (http://, https://; the port in the URL is the port probed)."""
    allowed: bool
    """Whether the policies should let it through. Allowed: the TCP connection is made (any answer, even an error, or
    a reset from the host). Denied: the name resolved and the connection then timed out (a policy drop). Any other
    failure (the name did not resolve) fails the check either way."""


class ProbeSourceArgs(TypedDict):
    namespace: str
    """Namespace the probing Job runs in: its pod gets that namespace's policies, as any pod there would."""
    probes: list[ConnectivityProbe]
    """Destinations and the expected verdicts."""


class ConnectivityCheckArgs(TypedDict):
    sources: list[ProbeSourceArgs]
    """One Job per namespace, each probing from inside it."""
    outsider_probes: NotRequired[list[ConnectivityProbe]]
    """Probes from a namespace the component creates under the shared baseline (NetworkPolicySet's cluster-wide
    policies), with egress open to `outsider_egress_to`: what they reach there must be denied by the destination's
    own ingress policy, the only policy left that can drop it. Each needs an allowed probe of the same URL among the
    sources' probes, the positive control that tells a drop from a destination that is down; the outsider itself first
    reaches the API server through its own egress policy, the control that tells a drop from a broken probe pod."""
    outsider_egress_to: NotRequired[list[str]]
    """Namespaces the outsider's egress may reach (the namespaces its probes target)."""
    outsider_namespace: NotRequired[str]
    """Name of that namespace (default aks-cilium-probe, which NetworkPolicySet refuses to manage)."""
    policy_fingerprint: NotRequired[pulumi.Input[str]]
    """A digest of the policies (NetworkPolicySet.policy_fingerprint) and of whatever else decides the verdicts, such as
    Cilium's version and values: the Jobs run again whenever it changes."""


def check_script(probes: list[ConnectivityProbe]) -> str:
    """A POSIX shell script: one curl per probe, exit 1 unless every verdict is as expected, for the expected cause."""
    lines = [
        "failed=0",
        "probe() {",
        # time_namelookup stays 0 when the name never resolved (or there was none: an address); time_connect stays 0
        # until the TCP handshake completes.
        f"  out=$(curl -ksS -o /dev/null -w '%{{time_namelookup}} %{{time_connect}}' --connect-timeout {CONNECT_TIMEOUT_SECONDS} "
        f'--max-time {MAX_SECONDS} "$3" 2>/tmp/curl.err); rc=$?',
        "  lookup=${out%% *}; connect=${out#* }",
        "  host=${3#*://}; host=${host%%[:/]*}",
        '  case "$host" in *[!0-9.]*) named=1 ;; *) named=0 ;; esac',
        f'  if [ "$connect" != 0.000000 ] || [ "$rc" = {CURL_REFUSED} ]; then got=allowed',
        f'  elif [ "$rc" = {CURL_TIMED_OUT} ] && {{ [ "$named" = 0 ] || [ "$lookup" != 0.000000 ]; }}; then got=denied',
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
    # The Job's name carries a digest of the fingerprint, the image and the script: a change of any replaces the Job,
    # which runs again.
    job_name = pulumi.Output.from_input(fingerprint).apply(
        lambda digest: f"connectivity-check-{hashlib.sha256((digest + CLIENT_IMAGE + script).encode()).hexdigest()[:10]}"
    )
    return k8s.batch.v1.Job(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=job_name, namespace=namespace),
        spec=k8s.batch.v1.JobSpecArgs(
            backoff_limit=2,
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels={"app": "connectivity-check"}),
                spec=restricted_pod_spec(client_container("check", command=["/bin/sh", "-c", script]), restart_policy="Never"),
            ),
        ),
        # The provider waits for the Job to complete; a failed check fails `pulumi up`.
        opts=opts,
    )


def outsider_probes(probes: list[ConnectivityProbe]) -> list[ConnectivityProbe]:
    """The outsider's denied probes, led by its positive control: the API server must be reached first."""
    control = ConnectivityProbe(name="probe namespace -> kube-apiserver:443 (positive control)", url=OUTSIDER_CONTROL_URL, allowed=True)
    return [control, *probes]


def _check_args(name: str, args: ConnectivityCheckArgs) -> None:
    check = ArgsCheck("ConnectivityCheck", name, args, ConnectivityCheckArgs)
    sources = args.get("sources", [])
    if "sources" in args and not sources:
        check.fail("sources", "needs at least one source namespace with probes")
    probed: set[str] = set()
    for index, source in enumerate(sources):
        problem = namespace_problem(source.get("namespace"))
        if problem:
            check.fail(f"sources[{index}].namespace", problem)
        if not source.get("probes"):
            check.fail(f"sources[{index}].probes", "needs at least one probe")
        # ArgsCheck reports a probe without its required keys, each at its own path.
        probed |= {probe.get("url", "") for probe in source.get("probes", []) if probe.get("allowed") is True}
    for index, probe in enumerate(args.get("outsider_probes", [])):
        if "url" in probe and probe["url"] not in probed:
            check.fail(f"outsider_probes[{index}]", f"{probe['url']} has no allowed probe among the sources' (its positive control)")
    if args.get("outsider_probes") and not args.get("outsider_egress_to"):
        check.fail("outsider_egress_to", "is required with outsider_probes: the namespaces the probes target")
    for index, target in enumerate(args.get("outsider_egress_to", [])):
        problem = namespace_problem(target)
        if problem:
            check.fail(f"outsider_egress_to[{index}]", problem)
    check.done()


class ConnectivityCheck(pulumi.ComponentResource):
    """Jobs that `pulumi up` waits for; they fail when a policy lets through or blocks the wrong traffic."""

    job_names: pulumi.Output[list[str]]
    """namespace/name of every probing Job, for `kubectl logs -n <namespace> job/<name>`."""

    def __init__(self, name: str, args: ConnectivityCheckArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("ConnectivityCheck"), name, None, with_legacy_type(opts, "demo", "ConnectivityCheck"))
        _check_args(name, args)
        child = child_options(self, opts)
        fingerprint = args.get("policy_fingerprint", "")
        jobs = [
            _job(f"{name}-{source['namespace']}", source["namespace"], check_script(source["probes"]), fingerprint, child)
            for source in args["sources"]
        ]
        if args.get("outsider_probes"):
            outsider_name = args.get("outsider_namespace", PROBE_NAMESPACE)
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
                    spec=PolicySpec(
                        description="Allow egress to the probed namespaces, and to the API server (the positive control)",
                        egress=(
                            *(namespace_peers_out(target) for target in args["outsider_egress_to"]),
                            api_server_out((OUTSIDER_CONTROL_PORT,)),
                        ),
                    ).render(),
                    opts=in_outsider,
                )
            ]
            jobs.append(
                _job(
                    f"{name}-outsider-job",
                    outsider_name,
                    check_script(outsider_probes(args["outsider_probes"])),
                    fingerprint,
                    extended(in_outsider, depends_on=egress),
                )
            )
        self.job_names = pulumi.Output.all(*(pulumi.Output.concat(j.metadata.namespace, "/", j.metadata.name) for j in jobs))
        self.register_outputs({"job_names": self.job_names})
