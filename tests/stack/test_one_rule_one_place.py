"""Each rule's pattern or list is written once, in the library, and the stack config and the policy pack apply it.

Digits of other scripts are refused everywhere: Helm parses chart versions with Masterminds/semver, whose
`SemVerRegex` (`version.go`) takes `[0-9]+`, so 1.20.0 written in Arabic-Indic digits names no chart.
"""

from __future__ import annotations

from typing import get_args

import pytest

from aks_cilium.cilium.rules import EXACT_VERSION_PATTERN, version_problem
from aks_cilium.cluster import kubeconfig, rules
from aks_cilium.cluster.versions import minor_of
from offline.stack_config import load_stack_config
from policies.rules import cilium_release, library_facts
from stack_settings import ConfigError, load_settings, model, project_config

ARABIC_INDIC = "\u0661.\u0662\u0660.\u0660"


def _problems(**overrides: str) -> frozenset[str]:
    values = {**project_config(load_stack_config("dev").values), **overrides}
    try:
        load_settings(values, "dev")
    except ConfigError as error:
        return error.keys
    return frozenset()


@pytest.mark.parametrize("version", [ARABIC_INDIC, "1.2\uff10.0"], ids=["arabic-indic", "fullwidth"])
def test_a_version_in_other_digits_is_refused_by_library_config_and_pack(version: str) -> None:
    assert version_problem(version) is not None
    assert "ciliumVersion" in _problems(ciliumVersion=version)
    assert cilium_release.version_pinned({"version": version}) != []


def test_a_kubernetes_version_in_other_digits_is_refused_by_library_and_config() -> None:
    assert minor_of("\u0661.\u0663\u0666") is None
    assert "kubernetesVersion" in _problems(kubernetesVersion="\u0661.\u0663\u0666")


def test_the_pack_applies_the_librarys_own_version_pattern() -> None:
    assert library_facts.EXACT_VERSION_PATTERN == EXACT_VERSION_PATTERN
    assert cilium_release.version_pinned({"version": "1.20.0"}) == []


def test_mode_lists_are_their_literal_types() -> None:
    assert rules.NETWORK_MODES == get_args(rules.NetworkMode) == get_args(model.NetworkMode)
    assert kubeconfig.LOGIN_MODES == get_args(kubeconfig.LoginMode) == get_args(model.KubeloginMode)
