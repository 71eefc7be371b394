"""Resource options children share with their component."""

from __future__ import annotations

import pulumi


def child_options(parent: pulumi.ComponentResource, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """parent=component, plus the component's depends_on: Pulumi does not pass depends_on down to children."""
    depends_on = opts.depends_on if opts else None
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on)
