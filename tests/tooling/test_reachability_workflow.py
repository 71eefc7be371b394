"""The workflow posts the offline plans' diff on pull requests, against the base branch's plans.

Sources: GitHub Docs, "Events that trigger workflows" (`pull_request` carries `pull_request.base.sha`) and
"Automatic token authentication" (a fork's GITHUB_TOKEN is read-only, so only same-repository pull requests can be
commented on); the GitHub CLI manual, `gh pr comment` (`--edit-last`, `--create-if-none`, `--body-file`).
"""

from __future__ import annotations

from typing import Any

import yaml

from offline.stack_config import PROJECT_DIR

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "policy.yml"


def _job() -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["jobs"]["reachability-diff"]
    return job


def test_the_diff_runs_on_pull_requests_only_and_may_comment_nothing_else() -> None:
    job = _job()
    assert job["if"] == "github.event_name == 'pull_request'"
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_the_base_plans_come_from_the_base_commit_and_the_branch_plans_diff_against_them() -> None:
    steps = _job()["steps"]
    base = next(s for s in steps if s.get("with", {}).get("ref") == "${{ github.event.pull_request.base.sha }}")
    runs = "\n".join(s.get("run", "") for s in steps)
    assert f"cd {base['with']['path']}" in runs
    assert "python -m offline.plan --stack" in runs
    assert 'make plan STACK="$stack" DIFF="base-plan/$stack"' in runs
    assert "GITHUB_STEP_SUMMARY" in runs, "a fork's diff still shows, in the job summary"


def test_one_comment_is_kept_up_to_date_on_same_repository_pull_requests() -> None:
    post = _job()["steps"][-1]
    assert post["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert post["run"].startswith("gh pr comment ")
    assert {"--edit-last", "--create-if-none", "--body-file"} <= set(post["run"].split())
    assert post["env"]["GH_TOKEN"] == "${{ github.token }}"
