"""The expectations key: parsed once with the rest of the stack config, every bad line named in one error."""

from __future__ import annotations

import json

import pytest

from stack_settings import ConfigError
from stack_settings.load import load_settings, project_config
from tests.support.stacks import example_keys, stack_config


def _raw(stack: str, **overrides: str) -> dict[str, str]:
    return {**project_config(stack_config(stack).values), **overrides}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_stack_declares_expectations_that_parse(stack: str) -> None:
    settings = load_settings(_raw(stack), stack, example_keys=example_keys(stack_config(stack)))
    assert settings.policies.expectations, f"{stack} declares what its policies must allow and deny"
    assert {e.allowed for e in settings.policies.expectations} == {True, False}


def test_every_bad_line_is_reported_in_one_error() -> None:
    lines = ["client -> demo:8080 allow", "client demo", "client -> demo:99999 deny"]
    with pytest.raises(ConfigError) as caught:
        load_settings(_raw("dev", expectations=json.dumps(lines)), "dev")
    problems = [p for p in caught.value.problems if p.key == "expectations"]
    assert len(problems) == 2
    assert "'client demo'" in problems[0].problem
    assert "99999" in problems[1].problem


def test_a_contradiction_names_the_flow() -> None:
    lines = ["client -> demo:8080 allow", "client -> demo:8080 deny"]
    with pytest.raises(ConfigError) as caught:
        load_settings(_raw("dev", expectations=json.dumps(lines)), "dev")
    assert "client -> demo:8080/TCP both allowed and denied" in str(caught.value)


def test_a_namespace_neither_managed_nor_external_is_refused_with_did_you_mean() -> None:
    """`clinet` is a typo of dev's `client`: judged as an unlabelled namespace it would pass silently. Sources the
    analyser models without the stack creating them stay valid (offline/reachability/coverage.py UNMANAGED_CANDIDATES,
    kube-system, the check's namespace), as do externalNamespaces (dev lists monitoring)."""
    lines = [
        "clinet -> demo:8080 deny",
        "client -> namespace:demo-opertor:9443 deny",
        "default -> demo:8080 deny",
        "aks-cilium-probe -> demo:8080 deny",
        "monitoring -> demo:8080 deny",
        "client -> kube-system:53/UDP allow",
    ]
    with pytest.raises(ConfigError) as caught:
        load_settings(_raw("dev", expectations=json.dumps(lines)), "dev")
    problems = [p.problem for p in caught.value.problems if p.key == "expectations"]
    assert len(problems) == 2, problems
    assert "'clinet -> demo:8080 deny'" in problems[0]
    assert "did you mean client?" in problems[0]
    assert "'demo-opertor'" in problems[1]
    assert "did you mean demo-operator?" in problems[1]
