"""The demo scenario's workloads: an app behind a Service, and a client pod in another namespace."""

from typing import TypedDict

import pulumi
import pulumi_kubernetes as k8s

from aks_cilium.core.options import child_options, extended
from aks_cilium.core.tokens import component_type, with_legacy_type
from aks_cilium.core.validation import ArgsCheck

# Pinned by digest (tags move). The digests are the ones public projects pin for these tags; see docs/network-policy.md.
APP_IMAGE = "nginxinc/nginx-unprivileged:1.27-alpine@sha256:65e3e85dbaed8ba248841d9d58a899b6197106c23cb0ff1a132b7bfe0547e4c0"
CLIENT_IMAGE = "curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69"
# The images' users, as numbers: the kubelet cannot check runAsNonRoot against a user name (curl's is curl_user).
APP_USER = 101
CLIENT_USER = 100
APP_PORT = 8080
SERVICE_NAME = "demo-app"


class DemoAppArgs(TypedDict):
    app_namespace: pulumi.Input[str]
    """Namespace of the demo app and its Service."""
    client_namespace: pulumi.Input[str]
    """Namespace of the client pod."""


SCRATCH = "/tmp"


def restricted_container(name: str, image: str, user: int, **extra: object) -> k8s.core.v1.ContainerArgs:
    """A container under the restricted Pod Security profile, running as the image's own numeric `user`, with a read-only
    root filesystem: what it writes (nginx's pid and caches, curl's error text) goes to an emptyDir at /tmp."""
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


def restricted_pod_spec(name: str, image: str, user: int, restart_policy: str = "Always", **extra: object) -> k8s.core.v1.PodSpecArgs:
    """One restricted container, its scratch volume, and no service-account token: nothing here calls the API server."""
    return k8s.core.v1.PodSpecArgs(
        restart_policy=restart_policy,
        automount_service_account_token=False,
        containers=[restricted_container(name, image, user, **extra)],
        volumes=[k8s.core.v1.VolumeArgs(name="scratch", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="16Mi"))],
    )


def _deployment(
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
    """nginx behind a Service in one namespace and a curl client in another, as in the Cilium policy walkthrough."""

    service_url: pulumi.Output[str]
    """In-cluster URL of the demo Service."""

    def __init__(self, name: str, args: DemoAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(component_type("DemoApp"), name, None, with_legacy_type(opts, "demo", "DemoApp"))
        ArgsCheck("DemoApp", name, args, DemoAppArgs).done()
        # The namespaces and their policies come first (depends_on of the component).
        child = child_options(self, opts)
        probe = k8s.core.v1.ProbeArgs(http_get=k8s.core.v1.HTTPGetActionArgs(path="/", port=APP_PORT), period_seconds=10)
        app = _deployment(
            f"{name}-app",
            args["app_namespace"],
            "demo-app",
            restricted_pod_spec(
                "demo-app",
                APP_IMAGE,
                APP_USER,
                ports=[k8s.core.v1.ContainerPortArgs(container_port=APP_PORT, name="http")],
                readiness_probe=probe,
            ),
            child,
        )
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SERVICE_NAME, namespace=args["app_namespace"]),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector={"app": "demo-app"}, ports=[k8s.core.v1.ServicePortArgs(name="http", port=80, target_port="http")]
            ),
            opts=extended(child, depends_on=[app]),
        )
        _deployment(
            f"{name}-client",
            args["client_namespace"],
            "client",
            restricted_pod_spec("client", CLIENT_IMAGE, CLIENT_USER, command=["sleep", "infinity"]),
            child,
        )
        self.service_url = pulumi.Output.concat("http://", service.metadata.name, ".", service.metadata.namespace, ".svc.cluster.local")
        self.register_outputs({"service_url": self.service_url})
