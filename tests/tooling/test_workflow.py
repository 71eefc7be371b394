"""The GitHub workflow: clean under a workflow linter, and doing what a working CI needs.

Sources: GitHub Docs "Configuring OpenID Connect in Azure" / "About security hardening with OpenID Connect" (a job
must have `permissions: id-token: write` to request the OIDC token that `azure/login` exchanges); the actionlint
`[action]` check, whose table of popular actions flags versions on a deprecated Node runtime (GitHub changelog
2025-09-19, "Deprecation of Node 20 on GitHub Actions runners"); Azure CLI `az aks install-cli`
(`--kubelogin-version`, `--kubelogin-install-location`, azure-cli `acs/_params.py`), which installs kubelogin from
Azure/kubelogin's releases; `policies/PulumiPolicy.yaml` (the pack runs from its own `policies/venv`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.stack_config import PROJECT_DIR

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "policy.yml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def test_actionlint_finds_nothing() -> None:
    """actionlint (pinned in requirements-dev.txt) checks syntax, expressions, shell scripts' quoting and action
    versions; it reports actions whose runtime is deprecated."""
    assert ACTIONLINT.is_file(), f"{ACTIONLINT} is missing: install requirements-dev.txt"
    done = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(WORKFLOW.relative_to(PROJECT_DIR))],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_would_catch_a_deprecated_runtime(tmp_path: Path) -> None:
    """The check is real: the old workflow's actions/checkout@v4 (node20) is reported."""
    old = tmp_path / ".github" / "workflows" / "old.yml"
    old.parent.mkdir(parents=True)
    old.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")
    done = subprocess.run([str(ACTIONLINT), "-no-color", str(old)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert 'runtime "node20" is deprecated' in done.stdout


def test_only_the_azure_jobs_may_request_an_oidc_token(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    preview = workflow["jobs"]["preview"]
    assert preview["permissions"]["id-token"] == "write"
    assert any(step.get("uses", "").startswith("azure/login@") for step in steps(preview))
    assert workflow["jobs"]["deploy"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert "permissions" not in workflow["jobs"]["offline"]


@pytest.mark.parametrize("job", ["preview", "deploy"])
def test_kubectl_and_kubelogin_are_installed_before_pulumi_runs(workflow: dict[str, Any], job: str) -> None:
    """kubelogin gets every Kubernetes token; kubectl runs the access wait (aks_cilium/cluster/access_wait.py)."""
    found = steps(workflow["jobs"][job])
    install = next(i for i, step in enumerate(found) if "az aks install-cli" in step.get("run", ""))
    pulumi = next(i for i, step in enumerate(found) if step.get("uses", "").startswith("pulumi/actions@"))
    assert install < pulumi
    assert "--kubelogin-version" in found[install]["run"]
    assert "--install-location" in found[install]["run"]
    assert "GITHUB_PATH" in found[install]["run"]


def test_the_deploy_job_runs_pulumi_up_for_prod_after_the_checks(workflow: dict[str, Any]) -> None:
    deploy = workflow["jobs"]["deploy"]
    assert set(deploy["needs"]) == {"offline", "preview"}
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert deploy["environment"] == "production"
    (pulumi,) = [step for step in steps(deploy) if step.get("uses", "").startswith("pulumi/actions@")]
    assert (pulumi["with"]["command"], pulumi["with"]["stack-name"]) == ("up", "prod")
    assert pulumi["with"]["policyPacks"] == "policies"


def test_in_the_deploy_job_kubelogin_fetches_fresh_github_assertions_with_the_configured_ids(workflow: dict[str, Any]) -> None:
    """Follows kubelogin's own code path (tests/support/kubelogin.py: Azure/kubelogin pkg/internal/token/options.go
    `UpdateFromEnv`, provider.go `NewAzIdentityCredential`, githubactionscredential.go): with `id-token: write` GitHub
    sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN for the job's steps (GitHub Docs, "About security hardening with
    OpenID Connect"), so prod's deploy kubeconfig gets the GitHub Actions credential, which asks GitHub for a new
    assertion for each token instead of reusing azure/login's, which expires within minutes (Azure/azure-cli#28708).
    The job sets no AZURE_CLIENT_ID or AZURE_TENANT_ID, which would override the kubeconfig's IDs."""
    from aks_cilium.cluster.kubeconfig import AKS_AAD_SERVER_ID, kubelogin_args
    from stack_settings.load import load_settings, project_config
    from tests.support.kubelogin import credential
    from tests.support.stacks import example_keys, stack_config

    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    job_env = {key: str(value) for step in steps(deploy) for key, value in (step.get("env") or {}).items()}
    job_env |= {key: str(value) for key, value in (deploy.get("env") or {}).items()}
    assert not {"AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AAD_LOGIN_METHOD", "AAD_SERVICE_PRINCIPAL_CLIENT_ID"} & set(job_env)
    github = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
    config = stack_config("prod")
    cluster = load_settings(project_config(config.values), "prod", example_keys=example_keys(config)).cluster
    args = kubelogin_args(cluster.deploy_login_mode, AKS_AAD_SERVER_ID, cluster.deploy_client_id, cluster.deploy_tenant_id)
    found = credential(args, {**job_env, **github})
    assert found.name == "GithubActionsCredential"
    assert (found.client_id, found.tenant_id, found.error) == (cluster.deploy_client_id, cluster.deploy_tenant_id, "")
    # Without the IDs as flags the same credential refuses to start.
    assert credential(["get-token", "--login", "workloadidentity"], github).error == "client ID cannot be empty"
    # Outside GitHub Actions the same kubeconfig needs a token file (AKS workload identity's projected token).
    assert credential(args, {}).error == "federated token file cannot be empty"


def test_the_policy_pack_gets_its_own_environment(workflow: dict[str, Any]) -> None:
    pack = yaml.safe_load((PROJECT_DIR / "policies" / "PulumiPolicy.yaml").read_text())
    venv = pack["runtime"]["options"]["virtualenv"]
    runs = " ".join(step.get("run", "") for step in steps(workflow["jobs"]["preview"]))
    assert f"python -m venv policies/{venv}" in runs
    assert f"policies/{venv}/bin/pip install -r policies/requirements.txt" in runs


def test_concurrency_timeouts_and_pip_cache(workflow: dict[str, Any]) -> None:
    """Pull requests cancel their older runs; main never cancels one, so no `pulumi up` stops half-way."""
    assert workflow["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert workflow["jobs"]["deploy"]["concurrency"] == {"group": "deploy-prod", "cancel-in-progress": False}
    for name, job in workflow["jobs"].items():
        assert 0 < job["timeout-minutes"] <= (60 if name == "deploy" else 30), name
        setup = next(step for step in steps(job) if step.get("uses", "").startswith("actions/setup-python@"))
        assert setup["with"]["cache"] == "pip", name
    assert workflow["jobs"]["offline"]["timeout-minutes"] <= 20


def test_ci_fetches_the_cilium_artifacts_so_nothing_skips(workflow: dict[str, Any]) -> None:
    assert workflow["env"]["CI"] == "true"
    offline = steps(workflow["jobs"]["offline"])
    runs = [step.get("run", "") for step in offline]
    assert runs.index("make artifacts") < runs.index("make test")
    cached = [step["with"]["path"] for step in offline if step.get("uses", "").startswith("actions/cache@")]
    assert "~/.cache/aks-cilium/cilium" in cached
    assert ".mypy_cache" in cached


def test_the_test_job_checks_out_full_history(workflow: dict[str, Any]) -> None:
    """actions/checkout fetches one commit unless `fetch-depth: 0` (`actions/checkout` action.yml and README:
    "Number of commits to fetch. 0 indicates all history", default 1), and
    tests/package/test_token_aliases.py runs the last release with the old tokens from git history."""
    checkout = next(step for step in steps(workflow["jobs"]["offline"]) if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout.get("with", {}).get("fetch-depth") == 0
