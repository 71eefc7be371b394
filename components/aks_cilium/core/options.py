"""Resource options children share with their component."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s


def child_options(parent: pulumi.ComponentResource, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """parent=component, plus the component's depends_on: Pulumi does not pass depends_on down to children."""
    depends_on = opts.depends_on if opts else None
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on)


def extended(base: pulumi.ResourceOptions, **extra: Any) -> pulumi.ResourceOptions:
    """`base` (a child's options) plus more; depends_on lists are concatenated, so the component's own are kept."""
    return pulumi.ResourceOptions.merge(base, pulumi.ResourceOptions(**extra))


def kubernetes_child_options(
    parent: pulumi.ComponentResource,
    name: str,
    opts: pulumi.ResourceOptions | None,
    kubeconfig: pulumi.Input[str] | None,
    cluster_identifier: pulumi.Input[str] | None,
) -> pulumi.ResourceOptions:
    """Options for the Kubernetes children: `child_options`, plus a provider of the component's own when given a kubeconfig.

    Other languages cannot hand a component a provider that another component returned (it reaches them as an Output,
    and Pulumi YAML refuses Outputs in `providers`), so they pass the kubeconfig instead. `cluster_identifier` keeps
    that provider, and every object created through it, from being replaced when only the kubeconfig's credentials or
    CA change (pulumi-kubernetes `Provider.cluster_identifier`; issues pulumi/pulumi-kubernetes#4019 and #1148).
    Without a kubeconfig the children inherit the providers given to the component.
    """
    child = child_options(parent, opts)
    if kubeconfig is None:
        return child
    provider = k8s.Provider(
        f"{name}-k8s",
        kubeconfig=pulumi.Output.secret(kubeconfig),
        cluster_identifier=cluster_identifier,
        opts=child,
    )
    return extended(child, provider=provider)
