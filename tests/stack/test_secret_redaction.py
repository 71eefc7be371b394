"""No rendering of a secret config value reaches a message, for arbitrary secret text.

The Pulumi CLI masks only the exact plaintext of a secret in a program's output (it replaces the secret values it
knows, pulumi/pulumi `sdk/go/common/util/cmdutil`... as the log filter does), so an escaped or trimmed form printed by
the program would reach CI logs as it is. Every message goes through stack_settings/redaction.py.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from offline.engine import run_program
from offline.stack_config import load_stack_config
from stack_settings import ConfigError
from stack_settings.load import load_settings, project_config
from stack_settings.redaction import Redactor
from tests.support.secrets import leaked, renderings, secret_text
from tests.support.stacks import stack_config, with_overrides


@cache
def base_config(stack: str) -> dict[str, str]:
    return project_config(load_stack_config(stack).values)


@settings(max_examples=150, deadline=None)
@given(secret=secret_text)
def test_every_rendering_of_arbitrary_secret_text_is_redacted(secret: str) -> None:
    redact = Redactor([secret])
    message = " | ".join(sorted(renderings(secret))) + f" | item {secret.strip()!r} | {json.dumps([secret])}"
    assert leaked(secret, redact(message)) == []


def _client_id_refusal(secret: str) -> str:
    raw = {**base_config("dev"), "kubeloginClientId": secret}
    with pytest.raises(ConfigError) as refused:
        load_settings(raw, "dev", frozenset({"kubeloginClientId"}))
    return str(refused.value)


@cache
def _client_id_refusal_words() -> str:
    """The refusal's own words, for a secret found nowhere in them."""
    return _client_id_refusal("\x00\x00\x00")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=secret_text)
def test_a_secret_the_settings_refuse_is_never_printed(secret: str) -> None:
    """kubeloginClientId must be a GUID; the refusal names the key, never the value in any rendering. A secret that is
    part of the refusal's own words ('sta' of "invalid stack configuration") is in every refusal, whatever its value,
    so it proves nothing either way and is not drawn."""
    assume(leaked(secret, _client_id_refusal_words()) == [])
    message = _client_id_refusal(secret)
    assert "kubeloginClientId" in message
    assert leaked(secret, message) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(secret_text, min_size=1, max_size=3))
def test_items_of_a_secret_list_are_never_printed(items: list[str]) -> None:
    """As for one secret (above): an item that is part of the refusal's own words ('cil' of "aks-cilium") is not drawn.
    The words are those of a list of as many items, equal where these are equal, found nowhere in them."""
    stand_ins = tuple(f"\x00\x00{sorted(set(items)).index(item)}" for item in items)
    words = _admin_groups_refusal(stand_ins)
    assume(all(leaked(item, words) == [] for item in items))
    message = _admin_groups_refusal(tuple(items))
    assert all(leaked(item, message) == [] for item in items)


@cache
def _admin_groups_refusal(items: tuple[str, ...]) -> str:
    raw = {**base_config("prod"), "adminGroupObjectIds": json.dumps(list(items))}
    with pytest.raises(ConfigError) as refused:  # at most 24 characters, never a GUID
        load_settings(raw, "prod", frozenset({"adminGroupObjectIds"}))
    return str(refused.value)


def test_a_secret_shorter_than_the_redaction_can_hide_is_refused() -> None:
    raw = {**base_config("dev"), "kubeloginClientId": "ab"}
    with pytest.raises(ConfigError, match="shorter than 3 characters"):
        load_settings(raw, "dev", frozenset({"kubeloginClientId"}))


@pytest.mark.parametrize("secret", ["a\tb\\c-not-a-guid", "line1\nline2\u200b", "  <&>quoted'\"  "])
def test_the_program_as_the_engine_runs_it_prints_no_form_of_the_secret(secret: str) -> None:
    """The real __main__.py under the mock engine with preview=False: its RunError is what `pulumi up` prints."""
    config = with_overrides(stack_config("dev"), {"kubeloginClientId": secret}, secrets=("kubeloginClientId",))
    with pytest.raises(ConfigError) as refused:
        run_program(config)
    assert "kubeloginClientId" in str(refused.value)
    assert leaked(secret, str(refused.value)) == []
