"""The pack's copy of the library's facts is generated from the library and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from offline import pack_facts
from offline.stack_config import PROJECT_DIR


def test_the_generated_facts_are_what_the_library_says_now() -> None:
    """policies/rules/library_facts.py is `make pack-facts`'s output for the library as it is; edit the library, then
    regenerate, never the module by hand."""
    assert pack_facts.TARGET.read_text() == pack_facts.render(), "run `make pack-facts`"


def test_the_check_mode_fails_on_a_stale_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "library_facts.py"
    stale.write_text(pack_facts.render().replace('"debug",', '"debug",\n    "extraConfig",'))
    monkeypatch.setattr(pack_facts, "TARGET", stale)
    assert pack_facts.main(["--check"]) == 1
    assert pack_facts.main([]) == 0
    assert pack_facts.main(["--check"]) == 0


def test_the_facts_name_the_vocabulary_and_the_chart_the_component_uses() -> None:
    from aks_cilium.cilium import component, rules

    facts = pack_facts.facts()
    assert facts["EXTRA_VALUES_ALLOWED"][1] == rules.EXTRA_VALUES_ALLOWED
    assert facts["CHART_REPOSITORY"][1] == component.REPOSITORY
    assert facts["FIXED_VALUES"][1]["enableNonDefaultDenyPolicies"] is True


def test_the_pack_imports_the_module_without_the_library() -> None:
    """The pack's own interpreter path: policies/ as the working directory, no aks_cilium on sys.path."""
    code = "import sys; sys.modules['aks_cilium'] = None; import rules.library_facts as f; print(len(f.EXTRA_VALUES_ALLOWED))"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR / "policies", capture_output=True, text=True, check=True)
    assert int(done.stdout) > 0
