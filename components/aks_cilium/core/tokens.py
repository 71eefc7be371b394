"""Type tokens of the components, and aliases from the tokens earlier releases registered.

Pulumi's component provider host advertises every component as `<package>:index:<ClassName>` (it supports only the
`index` module), so the tokens the components register must be exactly that, or a program in another language asks
for a type the Python program never registers.
"""

from __future__ import annotations

import pulumi

PACKAGE_NAME = "aks-cilium"


def component_type(class_name: str) -> str:
    """The token the component provider host advertises for `class_name`."""
    return f"{PACKAGE_NAME}:index:{class_name}"


def with_legacy_type(opts: pulumi.ResourceOptions | None, legacy_module: str, class_name: str) -> pulumi.ResourceOptions:
    """`opts` plus an alias from `aks-cilium:<legacy_module>:<class_name>`, the token releases before 0.2 registered.

    Without it, stacks created by those releases would see the component and every child under it as deleted and
    created anew: the engine derives the children's aliases from their parent's, so one alias here covers them all.
    """
    alias = pulumi.Alias(type_=f"{PACKAGE_NAME}:{legacy_module}:{class_name}")
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[alias]))
