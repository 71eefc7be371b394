"""How components refuse bad arguments: one error listing every problem, clean in every language.

A component validates its own args, whoever calls it: a Python program, or another language through the component
provider host. The error is a `pulumi.RunError`, so a Python program exits with the message and no traceback, and a
`pulumi.InputPropertiesError`, so the provider host reports each problem against its property to the calling language.

`ArgsCheck` starts from the args' TypedDict: required keys, keys it does not declare (with "did you mean"), and the type
of every plain value, nested TypedDicts and lists included. A component then states its rules with `rule`: a rule runs
at once when the args it reads are plain, and once they resolve when some are Outputs. A failed Output check is an
Output that raises: the Python SDK keeps every failed Output and re-raises it when the program ends
(`pulumi/pulumi` `sdk/python/lib/pulumi/output.py` `Output._track`, `runtime/stack.py` `wait_for_rpcs`), so the run
fails with the same ComponentArgsError.
"""

from __future__ import annotations

import difflib
import inspect
import types
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints, is_typeddict

import pulumi

Problem = tuple[str, str]
"""(property path, reason)"""
Fail = Callable[[str, str], None]
"""Records one problem: fail(property_path, reason)."""


class ComponentArgsError(pulumi.RunError, pulumi.InputPropertiesError):
    """Invalid arguments to a component, raised before it registers any child (or, for Outputs, once they resolve)."""

    def __init__(
        self, component: str, name: str, problems: list[pulumi.InputPropertyErrorDetails], reads: list[tuple[str, ...]] | None = None
    ) -> None:
        message = f"{component} '{name}': " + "; ".join(f"{p['property_path']}: {p['reason']}" for p in problems)
        Exception.__init__(self, message)
        self.message = message
        self.errors = problems
        self.reads = reads if reads is not None else [(_top_key(p["property_path"]),) for p in problems]
        """Per problem, the top-level args its rule read (its own first): a caller that already refused one of them
        knows the problem may only restate that refusal (program/component_checks.py)."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` was most likely meant to be: same but for case, a choice with a word added, or spelt close."""
    choices = list(choices)
    same_case = [choice for choice in choices if choice.lower() == word.lower()]
    # protect_cluster, wireguard_enabled: a known key with a word added.
    extended = [choice for choice in choices if word.startswith(f"{choice}_") or word.endswith(f"_{choice}")]
    close = same_case or extended or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean x?)` for the closest choice; empty when nothing is close."""
    meant = closest(word, choices)
    return f" (did you mean {meant}?)" if meant else ""


def contains_output(value: Any) -> bool:
    """True when `value` holds an Output anywhere, so a rule must wait for it to resolve."""
    if isinstance(value, pulumi.Output):
        return True
    if isinstance(value, Mapping):
        return any(contains_output(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_output(item) for item in value)
    return False


# pulumi.Input is `Union[T, Awaitable[T], "Output[T]"]`: its forward reference resolves in pulumi's own namespace.
_PULUMI_NAMES: dict[str, Any] = {
    "Output": pulumi.Output,
    **{name: value for name, value in vars(pulumi.output).items() if isinstance(value, TypeVar)},
}
_PLAIN_NAMES = {str: "a string", bool: "a bool", int: "a whole number", float: "a number"}


def _describe(annotation: Any) -> str:
    if is_typeddict(annotation):
        return f"a mapping ({annotation.__name__})"
    origin = get_origin(annotation)
    if origin is list:
        return "a list"
    if origin in (dict, Mapping):
        return "a mapping"
    if origin is Literal:
        return "one of " + ", ".join(repr(choice) for choice in get_args(annotation))
    return _PLAIN_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _is_output_type(annotation: Any) -> bool:
    return annotation is pulumi.Output or get_origin(annotation) is pulumi.Output


def _is_awaitable_type(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return inspect.isclass(origin) and origin.__name__ == "Awaitable"


@cache
def declared_types(args_type: type) -> Mapping[str, Any]:
    """A TypedDict's keys and their annotations, resolved once per class: `get_type_hints` re-evaluates every string
    annotation on each call, and a stack run checks the same args types dozens of times. Read-only, as it is shared."""
    return types.MappingProxyType(get_type_hints(args_type, localns=_PULUMI_NAMES))


class _Shape:
    """Checks one value against its annotation; Outputs are handed to `defer` with the type they must resolve to."""

    def __init__(self, fail: Fail, defer: Callable[[str, pulumi.Output[Any], Any], None]) -> None:
        self.fail = fail
        self.defer = defer

    def check(self, path: str, value: Any, annotation: Any) -> None:
        if annotation is Any:
            return
        origin = get_origin(annotation)
        if origin is Union or origin is types.UnionType:
            self._union(path, value, get_args(annotation))
        elif isinstance(value, pulumi.Output):
            self.fail(path, f"must be {_describe(annotation)} given as a plain value, not an Output: it decides which resources exist")
        elif is_typeddict(annotation):
            self.typed_dict(path, value, annotation)
        elif origin is list:
            self._list(path, value, get_args(annotation)[0] if get_args(annotation) else Any)
        elif origin in (dict, Mapping):
            if not isinstance(value, Mapping):
                self.fail(path, f"{_show(value)} is not a mapping")
        elif origin is Literal:
            if value not in get_args(annotation):
                self.fail(path, f"{_show(value)} is not {_describe(annotation)}")
        elif not _instance_of(value, annotation):
            self.fail(path, f"{_show(value)} is not {_describe(annotation)}")

    def _union(self, path: str, value: Any, members: tuple[Any, ...]) -> None:
        outputs = [member for member in members if _is_output_type(member)]
        plain = [member for member in members if not _is_output_type(member) and not _is_awaitable_type(member)]
        if isinstance(value, pulumi.Output):
            if not outputs:
                self.fail(path, "must be a plain value, not an Output: it decides which resources exist")
            else:
                # What it must resolve to: the plain members (Output[T]'s own argument may be an unsubstituted TypeVar,
                # pulumi.Input's forward reference "Output[T]" being resolved after T was bound).
                self.defer(path, value, Union[tuple(plain)] if plain else Any)
            return
        if inspect.isawaitable(value):
            return
        attempts: list[list[Problem]] = []
        for member in plain:
            found: list[Problem] = []
            _Shape(lambda p, r, found=found: found.append((p, r)), self.defer).check(path, value, member)  # type: ignore[misc]
            if not found:
                return
            attempts.append(found)
        for problem in attempts[0] if len(attempts) == 1 else [(path, f"{_show(value)} is not {' or '.join(map(_describe, plain))}")]:
            self.fail(*problem)

    def _list(self, path: str, value: Any, item_type: Any) -> None:
        if not isinstance(value, list | tuple):
            self.fail(path, f"{_show(value)} is not a list")
            return
        for index, item in enumerate(value):
            self.check(f"{path}[{index}]", item, item_type)

    def typed_dict(self, path: str, value: Any, args_type: Any) -> None:
        if not isinstance(value, Mapping):
            self.fail(path or "args", f"must be a mapping of {args_type.__name__}, not {type(value).__name__}")
            return
        hints = declared_types(args_type)
        prefix = f"{path}." if path else ""
        for key in sorted(args_type.__required_keys__ - set(value)):
            self.fail(f"{prefix}{key}", "is required")
        for key in value:
            if key not in hints:
                self.fail(f"{prefix}{key}", f"is not an argument of {args_type.__name__}{did_you_mean(str(key), hints)}")
        for key, item in value.items():
            if key in hints:
                self.check(f"{prefix}{key}", item, hints[key])


def _instance_of(value: Any, annotation: Any) -> bool:
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return not inspect.isclass(annotation) or isinstance(value, annotation)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ArgsCheck:
    """Collects the problems of one component's args, starting with what its TypedDict declares."""

    def __init__(self, component: str, name: str, args: Mapping[str, Any], args_type: type) -> None:
        self.component = component
        self.name = name
        self.args = args
        self.problems: list[pulumi.InputPropertyErrorDetails] = []
        self.reads: list[tuple[str, ...]] = []
        """Per problem, the top-level args the rule that found it read."""
        self._shape_failed: set[str] = set()
        self.incomplete = not isinstance(args, Mapping) or bool(getattr(args_type, "__required_keys__", frozenset()) - set(args))
        """A required arg is missing (or args is no mapping): rules, which read required args, cannot run."""
        if not isinstance(args, Mapping):
            self.fail("args", f"must be a mapping of {args_type.__name__}, not {type(args).__name__}")
            return

        def shape_fail(path: str, reason: str) -> None:
            self._shape_failed.add(_top_key(path))
            self.fail(path, reason)

        self._hints = declared_types(args_type)
        _Shape(shape_fail, self._defer_shape).typed_dict("", args, args_type)

    def fail(self, property_path: str, reason: str, reads: tuple[str, ...] = ()) -> None:
        """Record a problem at `property_path`; `reads` names the other args the rule that found it read."""
        self.problems.append({"property_path": property_path, "reason": reason})
        own = _top_key(property_path)
        self.reads.append((own, *(key for key in reads if key != own)))

    def known(self, *keys: str) -> bool:
        """Every key given, plain and of its declared type: a rule may read them now."""
        return all(key in self.args and not contains_output(self.args[key]) and key not in self._shape_failed for key in keys)

    def rule(self, keys: tuple[str, ...], check: Callable[[Mapping[str, Any], Fail], None]) -> None:
        """Run `check(values, fail)` over `keys` (those given): now when plain, once resolved when any is an Output.

        Keys whose values have the wrong type are left to the type check's own problem.
        """
        if any(key in self._shape_failed for key in keys):
            return
        given = {key: self.args[key] for key in keys if key in self.args}
        if not contains_output(given):
            check(given, lambda path, reason: self.fail(path, reason, keys))
            return

        def verify(resolved: dict[str, Any]) -> None:
            mistyped: list[Problem] = []
            shape = _Shape(lambda p, r: mistyped.append((p, r)), lambda *_: None)
            for key, value in resolved.items():
                shape.check(key, value, self._hints.get(key, Any))
            if mistyped:
                return  # a resolved value of the wrong type: its own type check reports it
            problems: list[pulumi.InputPropertyErrorDetails] = []
            try:
                check(resolved, lambda path, reason: problems.append({"property_path": path, "reason": reason}))
            except (TypeError, ValueError, KeyError, AttributeError):
                return  # a resolved value of the wrong type: its own type check reports it
            if problems:
                raise ComponentArgsError(self.component, self.name, problems)

        pulumi.Output.all(**given).apply(verify)

    def _defer_shape(self, path: str, output: pulumi.Output[Any], annotation: Any) -> None:
        def verify(value: Any) -> None:
            problems: list[pulumi.InputPropertyErrorDetails] = []
            shape = _Shape(lambda p, r: problems.append({"property_path": p, "reason": r}), self._defer_shape)
            shape.check(path, value, annotation)
            if problems:
                raise ComponentArgsError(self.component, self.name, problems)

        output.apply(verify)

    def done(self) -> None:
        """Raise one ComponentArgsError with every problem found so far, if any."""
        if self.problems:
            raise ComponentArgsError(self.component, self.name, self.problems, self.reads)


def _top_key(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]
