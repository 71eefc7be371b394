"""How components refuse bad arguments: one error listing every problem, clean in every language.

A component validates its own args, whoever calls it: a Python program, or another language through the component
provider host. The error is a `pulumi.RunError`, so a Python program exits with the message and no traceback, and a
`pulumi.InputPropertiesError`, so the provider host reports each problem against its property to the calling language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi


class ComponentArgsError(pulumi.RunError, pulumi.InputPropertiesError):
    """Invalid arguments to a component, raised before it registers any child."""

    def __init__(self, component: str, name: str, problems: list[pulumi.InputPropertyErrorDetails]) -> None:
        message = f"{component} '{name}': " + "; ".join(f"{p['property_path']}: {p['reason']}" for p in problems)
        Exception.__init__(self, message)
        self.message = message
        self.errors = problems


class ArgsCheck:
    """Collects the problems of one component's args, starting with the required keys its TypedDict declares."""

    def __init__(self, component: str, name: str, args: Mapping[str, Any], args_type: type) -> None:
        self.component = component
        self.name = name
        self.problems: list[pulumi.InputPropertyErrorDetails] = []
        if not isinstance(args, Mapping):
            self.fail("args", f"must be a mapping of {args_type.__name__}, not {type(args).__name__}")
            return
        required: frozenset[str] = getattr(args_type, "__required_keys__", frozenset())
        for key in sorted(required - set(args)):
            self.fail(key, "is required")

    def fail(self, property_path: str, reason: str) -> None:
        self.problems.append({"property_path": property_path, "reason": reason})

    def done(self) -> None:
        """Raise one ComponentArgsError with every problem found, if any."""
        if self.problems:
            raise ComponentArgsError(self.component, self.name, self.problems)
