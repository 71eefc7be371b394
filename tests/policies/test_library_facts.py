"""The pack's copy of the library's facts is generated from the library and current."""

from __future__ import annotations

import itertools
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


def _pin(requirements: Path, package: str) -> str:
    pins = [line.split("==")[1] for line in requirements.read_text().splitlines() if line.startswith(f"{package}==")]
    assert len(pins) == 1, f"{requirements} pins {package} {len(pins)} times"
    return pins[0]


def test_the_pack_and_the_library_read_the_same_public_suffix_list() -> None:
    """One Public Suffix List for both judgements: the pack's venv and the program's pin the same publicsuffixlist,
    which ships its list (`publicsuffixlist` reads the copy in its package unless told to fetch one)."""
    assert _pin(PROJECT_DIR / "policies" / "requirements.txt", "publicsuffixlist") == _pin(
        PROJECT_DIR / "requirements.txt", "publicsuffixlist"
    )


PREFIXES = ("*.", "**.", "api-*.", "*.*.", "*-edge.")
FIXED = ("com", "co.uk", "example.com", "example.co.uk", "github.io", "someone.github.io", "blob.core.windows.net",
         "acct.blob.core.windows.net", "hcp.westeurope.azmk8s.io", "cluster.local", "internal", "svc.internal")  # fmt: skip


@pytest.mark.parametrize(("prefix", "fixed"), list(itertools.product(PREFIXES, FIXED)))
def test_the_pack_and_the_library_judge_wildcard_patterns_alike(prefix: str, fixed: str) -> None:
    """The pack (policies/rules/domains.py) cannot import the library, so it asks the same question itself; both must
    answer it alike for every pattern the library accepts (aks_cilium/network_policy/names.py, which strips `**.`)."""
    from aks_cilium.network_policy.names import MULTI_LABEL_PREFIX, broader_than_one_domain
    from policies.rules import domains

    pattern = f"{prefix}{fixed}"
    library = broader_than_one_domain(pattern.removeprefix(MULTI_LABEL_PREFIX))
    assert (library is None) == (domains.broader_than_one_domain(pattern) is None), pattern
