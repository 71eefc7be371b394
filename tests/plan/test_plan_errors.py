"""Errors that help: short, naming what to fix, and never carrying a secret in any spelling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from offline.plan import main
from offline.stack_config import PROJECT_DIR, StackConfig, load_stack_config
from stack_settings.redaction import MARK, Redactor, spellings
from tests.support.stacks import stack_config, with_overrides


def test_a_new_stack_without_policy_config_exits_2_saying_what_to_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = load_stack_config("dev")
    monkeypatch.setattr("offline.plan.load_stack_config", lambda stack, **_: StackConfig(dev.project, stack, dev.values, dev.secret_keys))
    assert main(["--stack", "staging", "--out", str(tmp_path / "plan")]) == 2
    err = capsys.readouterr().err
    assert f"policy config {PROJECT_DIR / 'policies' / 'config' / 'staging.json'}: missing; create it" in err
    assert "Traceback" not in err
    assert not (tmp_path / "plan").exists()


def test_fail_on_an_unknown_name_lists_the_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan"), "--fail-on", "aks-clustr"]) == 2
    err = capsys.readouterr().err
    assert "--fail-on aks-clustr: no resource of stack dev has that name" in err
    assert "  aks-cluster\n" in err
    assert "  cilium-release\n" in err
    assert not (tmp_path / "plan").exists()


def test_a_resource_failure_is_one_short_block(tmp_path: Path) -> None:
    """In a process of its own, as `make plan` runs: the SDK's leftover futures must not add their tracebacks."""
    done = subprocess.run(
        [sys.executable, "-m", "offline.plan", "--stack", "dev", "--out", str(tmp_path / "plan"), "--fail-on", "cilium-release"],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if not line.startswith("... ")]
    assert errors == [
        "error: the deployment would stop here: creating kubernetes:helm.sh/v3:Release 'cilium-release' failed "
        "(injected by the mock engine)"
    ]
    assert not (tmp_path / "plan").exists()


def test_every_spelling_of_a_secret_is_redacted() -> None:
    secret = "  Sup3r-Secret\tValue\n"
    redact = Redactor([secret])
    for text in (
        f"value {secret!r} is not a GUID",  # repr: quotes, \t and \n escaped
        "value 'Sup3r-Secret\tValue' after strip",
        "normalised: sup3r-secret\tvalue",
        "upper: SUP3R-SECRET\tVALUE",
        'json: "  Sup3r-Secret\\tValue\\n"',
    ):
        redacted = redact(text)
        assert MARK in redacted, text
        assert "sup3r" not in redacted.lower(), redacted


def test_items_of_a_secret_list_are_redacted_one_by_one() -> None:
    redact = Redactor(['["10.1.2.0/24", "203.0.113.7/32"]'])
    assert redact("203.0.113.7/32 overlaps") == f"{MARK} overlaps"
    assert "10.1.2.0/24" in spellings('["10.1.2.0/24"]')


def test_invalid_secret_values_never_reach_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = " Not-A-Guid-But-Secret\n"
    monkeypatch.setattr(
        "offline.plan.load_stack_config",
        lambda stack, **_: with_overrides(stack_config(stack), {"kubeloginClientId": secret}, secrets=("kubeloginClientId",)),
    )
    assert main(["--stack", "dev", "--out", str(tmp_path / "plan")]) == 2
    captured = capsys.readouterr()
    output = (captured.out + captured.err).lower()
    assert "aks-cilium:kubeloginclientid" in output
    for form in ("not-a-guid-but-secret", repr(secret)[1:-1].lower()):
        assert form not in output
