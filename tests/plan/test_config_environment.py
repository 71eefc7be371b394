"""The size of the stack config a policy pack can be started with."""

from __future__ import annotations

import pytest

from offline.analyzer import MAX_ARG_STRLEN, StackConfigTooLargeError, config_environment


def test_a_config_over_one_environment_string_is_refused_naming_size_limit_and_source() -> None:
    """Linux's MAX_ARG_STRLEN (torvalds/linux include/uapi/linux/binfmts.h, 32 pages) bounds the one `PULUMI_CONFIG`
    string in which the engine passes a pack its config (pulumi/pulumi sdk/go/common/resource/plugin/analyzer_plugin.go
    `constructEnv`). The boundary is exact: `PULUMI_CONFIG=`, the JSON and the terminating NUL."""
    overhead = len('PULUMI_CONFIG={"k": ""}') + 1
    fits = {"k": "x" * (MAX_ARG_STRLEN - overhead)}
    assert len(f"PULUMI_CONFIG={config_environment(fits)['PULUMI_CONFIG']}") + 1 == MAX_ARG_STRLEN
    with pytest.raises(StackConfigTooLargeError) as caught:
        config_environment({"k": "x" * (MAX_ARG_STRLEN - overhead + 1)})
    message = str(caught.value)
    assert f"{MAX_ARG_STRLEN + 1:,} bytes" in message
    assert f"{MAX_ARG_STRLEN:,}-byte" in message
    assert "binfmts.h" in message
    assert "constructEnv" in message
    assert config_environment(None) == {"PULUMI_CONFIG": "{}"}
