"""The demo scenario's workloads: an app behind a Service, and a client pod in another namespace; the restricted pods
the connectivity check and the mesh example build on."""

from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck

# The images Cilium's own connectivity test runs, from quay.io: Docker Hub limits anonymous pulls per address, and every
# node of a cluster pulls through its one outbound IP. Pinned by digest (tags move), each digest as cilium/cilium's
# cilium-cli/defaults/defaults.go (`ConnectivityCheckImagesTest`) pins it at recent revisions; see docs/workloads.md.
# json-mock (cilium/json-mock v1.4.0): json-server 0.17.4 on node:25.9.0-slim; its run.sh serves /default.json on $PORT
# (80 without it; the pods set APP_PORT, as cilium-cli's echo deployments set 8080).
APP_IMAGE = "quay.io/cilium/json-mock:v1.4.0@sha256:500dc80291d4f402462e4bb7ecfc2b726f08c8136999e5e91cdd54f9e90eebeb"
# alpine-curl (cilium/alpine-curl v1.10.0): Alpine 3.20 with curl, busybox sh and Kubernetes' pause at /usr/bin/pause.
CLIENT_IMAGE = "quay.io/cilium/alpine-curl:v1.10.0@sha256:913e8c9f3d960dde03882defa0edd3a919d529c2eb167caa7f54194528bde364"
# Neither Dockerfile sets USER (both would run as root), so the pods name unprivileged users the base images define, as
# numbers (the kubelet checks runAsNonRoot against numbers only): node's `node` (1000, nodejs/docker-node) and Alpine's
# `nobody` (65534, alpinelinux/aports main/alpine-baselayout/passwd).
APP_USER = 1000
CLIENT_USER = 65534
APP_PORT = 8080
# A collection of json-mock's /default.json: a JSON answer from json-server's router, not a static file.
APP_READY_PATH = "/public"
SERVICE_NAME = "demo-app"


class DemoAppArgs(TypedDict):
    app_namespace: pulumi.Input[str]
    """Namespace of the demo app and its Service."""
    client_namespace: pulumi.Input[str]
    """Namespace of the client pod."""


SCRATCH = "/tmp"


def restricted_container(name: str, image: str, user: int, **extra: object) -> k8s.core.v1.ContainerArgs:
    """A container under the restricted Pod Security profile, running as the unprivileged numeric `user`, with a
    read-only root filesystem: what it writes (the check's curl error text) goes to an emptyDir at /tmp."""
    return k8s.core.v1.ContainerArgs(
        name=name,
        image=image,
        security_context=k8s.core.v1.SecurityContextArgs(
            allow_privilege_escalation=False,
            run_as_non_root=True,
            run_as_user=user,
            run_as_group=user,
            read_only_root_filesystem=True,
            capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        ),
        resources=k8s.core.v1.ResourceRequirementsArgs(requests={"cpu": "10m", "memory": "32Mi"}, limits={"memory": "128Mi"}),
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="scratch", mount_path=SCRATCH)],
        **extra,  # type: ignore[arg-type]
    )


def app_container(name: str, port: int = APP_PORT, port_name: str = "http") -> k8s.core.v1.ContainerArgs:
    """json-mock on `port` (json-mock's run.sh listens on $PORT), read-only (json-server's `--read-only`: GET only, so it
    never writes its database), ready once its router answers on the named port."""
    return restricted_container(
        name,
        APP_IMAGE,
        APP_USER,
        # run.sh passes its arguments on to json-server before its own (cilium/json-mock run.sh).
        args=["--read-only"],
        env=[k8s.core.v1.EnvVarArgs(name="PORT", value=str(port))],
        ports=[k8s.core.v1.ContainerPortArgs(container_port=port, name=port_name)],
        readiness_probe=k8s.core.v1.ProbeArgs(
            http_get=k8s.core.v1.HTTPGetActionArgs(path=APP_READY_PATH, port=port_name), period_seconds=10
        ),
    )


def client_container(name: str, **extra: object) -> k8s.core.v1.ContainerArgs:
    """alpine-curl; without a command it idles in pause, as in Cilium's connectivity test (the image's entrypoint is curl)."""
    return restricted_container(name, CLIENT_IMAGE, CLIENT_USER, **{"command": ["/usr/bin/pause"], **extra})


def restricted_pod_spec(*containers: k8s.core.v1.ContainerArgs, restart_policy: str = "Always") -> k8s.core.v1.PodSpecArgs:
    """Restricted containers, their shared scratch volume, and no service-account token: nothing here calls the API
    server."""
    return k8s.core.v1.PodSpecArgs(
        restart_policy=restart_policy,
        automount_service_account_token=False,
        containers=list(containers),
        volumes=[k8s.core.v1.VolumeArgs(name="scratch", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="16Mi"))],
    )


def one_replica_deployment(
    name: str, namespace: pulumi.Input[str], app: str, pod: k8s.core.v1.PodSpecArgs, opts: pulumi.ResourceOptions
) -> "k8s.apps.v1.Deployment":  # quoted: evaluating it would load the module on stacks without the demo
    labels = {"app": app}
    return k8s.apps.v1.Deployment(
        name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=app, namespace=namespace, labels=labels),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                spec=pod,
            ),
        ),
        opts=opts,
    )


class DemoApp(pulumi.ComponentResource):
    """An HTTP app (json-mock) behind a Service in one namespace and a curl client in another, as in the Cilium policy
    walkthrough."""

    service_url: pulumi.Output[str]
    """In-cluster URL of the demo Service."""

    def __init__(self, name: str, args: DemoAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("DemoApp"), name, None, with_legacy_type(opts, "demo", "DemoApp"))
        ArgsCheck("DemoApp", name, args, DemoAppArgs).done()
        # The namespaces and their policies come first (depends_on of the component).
        child = child_options(self, opts)
        app = one_replica_deployment(
            f"{name}-app", args["app_namespace"], "demo-app", restricted_pod_spec(app_container("demo-app")), child
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE_NAME, namespace=args["app_namespace"]),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector={"app": "demo-app"}, ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port="http")]
            ),
            opts=extended(child, depends_on=[app]),
        )
        one_replica_deployment(
            f"{name}-client",
            args["client_namespace"],
            "client",
            restricted_pod_spec(client_container("client")),
            child,
        )
        self.service_url = pulumi.Output.concat("http://", service.metadata.name, ".", service.metadata.namespace, ".svc.cluster.local")
        self.register_outputs({"service_url": self.service_url})
