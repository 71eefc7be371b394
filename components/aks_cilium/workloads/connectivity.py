"""Jobs that prove the policies: allowed destinations are reached, denied ones are dropped, or the deploy fails."""

import hashlib
import shlex
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck
from aks_cilium.network_policy.args import managed_namespace_problem, namespace_problem
from aks_cilium.network_policy.baseline import NamespaceBaseline, namespace_labels
from aks_cilium.network_policy.builders import api_server_out, namespace_peers_out
from aks_cilium.network_policy.model import PolicySpec, Port
from aks_cilium.network_policy.reserved import PROBE_NAMESPACE
from aks_cilium.workloads.demo import APP_IMAGE, CLIENT_IMAGE, app_container, client_container, one_replica_deployment, restricted_pod_spec

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
# The check's own listeners: one Deployment and Service of this name in each namespace given, so any stack can probe
# its ingress rules without a workload of its own. The label is the pods' only one; the set's policies select pods by
# their namespace alone (an empty endpointSelector, namespace labels), so it changes no verdict.
LISTENER_NAME = "connectivity-listener"
MAX_LISTENER_PORTS = 16


def listener_url(namespace: str, port: int) -> str:
    """The in-cluster URL of the check's listener in `namespace` on `port` (the Service's port is the pod's)."""
    return f"http://{LISTENER_NAME}.{namespace}.svc.cluster.local:{port}"


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


class ProbeListenerArgs(TypedDict):
    namespace: str
    """Namespace the listener runs in, one the policies manage (not a reserved one): its pod gets that namespace's
    policies, as any pod there would."""
    ports: list[int]
    """TCP ports it serves over HTTP, one json-mock container each (at most MAX_LISTENER_PORTS)."""


class ConnectivityCheckArgs(TypedDict):
    sources: list[ProbeSourceArgs]
    """One Job per namespace, each probing from inside it."""
    listeners: NotRequired[list[ProbeListenerArgs]]
    """HTTP listeners the check runs (`listener_url`), for probes of a namespace's ingress; every Job waits until they
    are ready."""
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
    protect_outsider_namespace: NotRequired[bool]
    """Protect that namespace, as a stack that protects its namespaces must (the pack's stateful-resources-protected):
    dropping the outsider probes then fails the update until `pulumi state unprotect` (plain bool, like Pulumi's own
    `protect`)."""
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
    # The Job's name carries a digest of the fingerprint, the images (its own and the listeners') and the script: a
    # change of any replaces the Job, which runs again.
    job_name = pulumi.Output.from_input(fingerprint).apply(
        lambda digest: f"connectivity-check-{hashlib.sha256((digest + CLIENT_IMAGE + APP_IMAGE + script).encode()).hexdigest()[:10]}"
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


def _listener(name: str, listener: ProbeListenerArgs, opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """A json-mock per port in one pod, behind a ClusterIP Service whose ports are the pod's (the URL's port is the one
    the policies see: Cilium applies L4 policy after the Service's translation)."""
    namespace, ports = listener["namespace"], listener["ports"]
    containers = [app_container(f"listen-{port}", port, f"tcp-{port}") for port in ports]
    deployment = one_replica_deployment(f"{name}-{namespace}-listener", namespace, LISTENER_NAME, restricted_pod_spec(*containers), opts)
    service = k8s.core.v1.Service(
        f"{name}-{namespace}-listener-service",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=LISTENER_NAME, namespace=namespace),
        spec=k8s.core.v1.ServiceSpecArgs(
            selector={"app": LISTENER_NAME},
            ports=[k8s.core.v1.ServicePortArgs(name=f"tcp-{port}", port=port, target_port=f"tcp-{port}") for port in ports],
        ),
        opts=extended(opts, depends_on=[deployment]),
    )
    return [deployment, service]


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
    seen: set[str] = set()
    for index, listener in enumerate(args.get("listeners", [])):
        namespace = listener.get("namespace")
        problem = managed_namespace_problem(namespace) or (f"{namespace!r} has a listener already" if namespace in seen else None)
        if problem:
            check.fail(f"listeners[{index}].namespace", problem)
        seen.add(str(namespace))
        ports = listener.get("ports", [])
        if "ports" in listener and not 1 <= len(ports) <= MAX_LISTENER_PORTS:
            check.fail(f"listeners[{index}].ports", f"needs 1 to {MAX_LISTENER_PORTS} ports, one container each")
        for at, port in enumerate(ports):
            # ArgsCheck reports a port that is not an int.
            if isinstance(port, int) and not isinstance(port, bool) and not 1 <= port <= 65535:
                check.fail(f"listeners[{index}].ports[{at}]", f"{port} is not a TCP port (1-65535)")
            elif port in ports[:at]:
                check.fail(f"listeners[{index}].ports[{at}]", f"{port!r} is listed twice")
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
        fingerprint = args.get("policy_fingerprint", "")
        child = child_options(self, opts)
        listening = [r for listener in args.get("listeners", []) for r in _listener(name, listener, child)]
        # Every Job waits for every listener: pulumi-kubernetes awaits a Deployment until it is Available (its pod
        # passed its readiness probe) and a ClusterIP Service until its endpoints target a pod.
        after_listeners = extended(child, depends_on=listening)
        jobs = [
            _job(f"{name}-{source['namespace']}", source["namespace"], check_script(source["probes"]), fingerprint, after_listeners)
            for source in args["sources"]
        ]
        if args.get("outsider_probes"):
            outsider_name = args.get("outsider_namespace", PROBE_NAMESPACE)
            outsider = k8s.core.v1.Namespace(
                f"{name}-outsider",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=outsider_name, labels=namespace_labels(NamespaceBaseline(outsider_name))),
                # Only when asked: protect=False set here would stop it inheriting the component's own protect.
                opts=extended(child, protect=True) if args.get("protect_outsider_namespace", False) else child,
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
                    extended(in_outsider, depends_on=[*egress, *listening]),
                )
            )
        self.job_names = pulumi.Output.all(*(pulumi.Output.concat(j.metadata.namespace, "/", j.metadata.name) for j in jobs))
        self.register_outputs({"job_names": self.job_names})
