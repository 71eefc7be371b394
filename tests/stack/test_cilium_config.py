"""Stack config maps the library's Cilium rules onto config keys: exit 2, the key and the path named, secrets kept."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from aks_cilium.cilium.args import CiliumArgs
from offline.plan import main as plan_main
from offline.stack_config import load_stack_config
from stack_settings import ConfigError, load_settings
from stack_settings.cilium import HELM_SWITCHES
from stack_settings.load import project_config
from tests.support.program_settings import program_config_error
from tests.support.stacks import SHARED_STACK_VALUES, RunStack, stack_config, with_overrides

SECRET_EXTRA = {"image": {"repository": "registry.example.com/cilium-sneaky"}}


def test_every_switch_is_a_bool_arg_of_the_component() -> None:
    bool_args = {name for name, hint in CiliumArgs.__annotations__.items() if "Awaitable[bool]" in str(hint)}
    assert bool_args, "the annotations name their types"
    # flow_logs is fed by flowLogs, which both network modes read (stack_settings/observability.py).
    assert set(HELM_SWITCHES.values()) == bool_args - {"flow_logs"}


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ('{"policyEnforcementMode": "never"}', "policyEnforcementMode"),
        ('{"extraConfig": {"ipam": "kubernetes"}}', "extraConfig.ipam"),
        ('{"hubble": {"tls": {"auto": {"method": "helm"}}}}', "hubble.tls.auto.method"),
        ('{"image": {"override": "example.com/cilium:v1"}}', "image.override"),
    ],
)
def test_dangerous_extra_values_name_the_key_and_the_path(extra: str, path: str) -> None:
    error = program_config_error(with_overrides(stack_config("dev"), {"ciliumExtraValues": extra}))
    assert error.keys == {"ciliumExtraValues"}
    assert path in str(error)


def test_secret_extra_values_are_still_checked_and_not_echoed() -> None:
    overrides = {"ciliumExtraValues": json.dumps(SECRET_EXTRA)}
    error = program_config_error(with_overrides(stack_config("dev"), overrides, ("ciliumExtraValues",)))
    assert error.keys == {"ciliumExtraValues"}
    assert "image.repository" in str(error)
    assert "cilium-sneaky" not in str(error)


def test_allowed_secret_extra_values_reach_the_release_as_a_secret(run_stack: RunStack) -> None:
    run = run_stack("dev", secrets=("ciliumExtraValues",), ciliumExtraValues='{"debug": {"enabled": true}}')
    assert run.one("kubernetes:helm.sh/v3:Release").inputs["values"] == "[secret]"


@pytest.mark.parametrize("secret", [False, True])
def test_the_offline_plan_exits_2_naming_the_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: bool
) -> None:
    overrides = {"ciliumExtraValues": json.dumps(SECRET_EXTRA)}
    secrets = ("ciliumExtraValues",) if secret else ()
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: with_overrides(stack_config(stack), overrides, secrets))
    assert plan_main(["--stack", "dev", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "aks-cilium:ciliumExtraValues" in err
    assert "image.repository" in err
    assert "cilium-sneaky" not in err, "only paths are named, never values"
    assert not (tmp_path / "out").exists()


def test_http_and_http_v2_together_name_hubble_metrics() -> None:
    """cilium/cilium pkg/hubble/metrics/http/plugin.go (ConflictingPlugins)."""
    error = program_config_error(with_overrides(stack_config("dev"), {"hubbleMetrics": '["dns", "http", "httpV2"]'}))
    assert error.keys == {"hubbleMetrics"}


def test_a_two_minor_jump_names_cilium_version(run_stack: RunStack) -> None:
    """cilium/cilium Documentation/operations/upgrade-warning.rst: one minor at a time."""
    assert run_stack("dev", ciliumVersion="1.21.0").one("kubernetes:helm.sh/v3:Release").inputs["version"] == "1.21.0"
    error = program_config_error(with_overrides(stack_config("dev"), {"ciliumVersion": "1.22.0"}))
    assert error.keys == {"ciliumVersion"}
    assert "1.20.0" in str(error)


def test_a_cluster_name_cilium_cannot_take_names_name_prefix() -> None:
    """Cilium 1.20 values.yaml, cluster.name: at most 32 characters. The AKS name aks-<prefix>-<stack> is the
    Cilium cluster name, so a long stack name makes it too long."""
    raw = project_config(load_stack_config("dev").values)
    assert load_settings(raw, "dev").cluster.cluster_name == "aks-cilium-dev"
    with pytest.raises(ConfigError) as caught:
        load_settings({**raw, **SHARED_STACK_VALUES}, "feature-branch-with-a-long-name")
    assert caught.value.keys == {"namePrefix"}
    assert "32" in str(caught.value)


def test_config_errors_are_run_errors() -> None:
    assert issubclass(ConfigError, pulumi.RunError)
