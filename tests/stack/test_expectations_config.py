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
