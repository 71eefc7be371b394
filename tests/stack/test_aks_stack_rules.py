"""The stacks' Azure side: version policy, refused combinations (exit 2 naming the key, nothing written), placeholders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aks_cilium.cluster.versions import CALENDAR, DEFAULT_MINOR, READ_ON, support_problem
from aks_cilium.testing import ProgramRun
from offline.plan import main as plan_main
from offline.stack_config import load_stack_config
from stack_settings import ConfigError
from stack_settings.load import load_settings, project_config
from stack_settings.runtime_source import PLAN_DATE_VARIABLE
from tests.support.stacks import RunStack, with_overrides

NIL = "00000000-0000-0000-0000-000000000000"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def settings_problems(stack: str, overrides: dict[str, str], plan_date: date = READ_ON) -> frozenset[str]:
    config = with_overrides(load_stack_config(stack), overrides)
    try:
        load_settings(project_config(config.values), stack, plan_date=plan_date)
    except ConfigError as error:
        return error.keys
    return frozenset()


def test_version_policy_judges_by_the_end_of_community_support() -> None:
    """AKS release calendar (MicrosoftDocs/azure-aks-docs articles/aks/supported-kubernetes-versions.md): 1.33 ended
    2026-07, 1.34 ends 2026-11, 1.35 2027-03, 1.36 2027-06; a month means its last day; clusters cannot be created in
    platform support. The policy refuses a minor with less than 60 days left."""
    assert "left AKS community support on 2026-07-31" in (support_problem("1.33", READ_ON) or "")
    assert "2026-11-30, 4 days after" in (support_problem("1.34", READ_ON) or "")
    assert support_problem("1.35", READ_ON) is None
    assert support_problem("1.35", date(2027, 1, 30)) is None  # 60 days before 2027-03-31
    assert "59 days after 2027-01-31 (less than 60)" in (support_problem("1.35", date(2027, 1, 31)) or "")
    assert support_problem("1.36", READ_ON) is None
    assert "not generally available" in (support_problem("1.37", date(2026, 9, 1)) or "")
    assert "not in the version policy's table" in (support_problem("1.40", READ_ON) or "")


def test_lts_extends_the_window_and_needs_premium() -> None:
    """LTS: one more year, Premium tier and supportPlan AKSLongTermSupport (long-term-support.md)."""
    assert support_problem("1.33", READ_ON, "AKSLongTermSupport") is None
    lts = {"kubernetesVersion": "1.33", "kubernetesSupportPlan": "AKSLongTermSupport"}
    assert settings_problems("prod", {**lts, "skuTier": "Premium"}) == set()
    assert settings_problems("prod", lts) == {"kubernetesSupportPlan"}


def test_default_minor_is_ga_and_far_from_its_end() -> None:
    assert support_problem(DEFAULT_MINOR, READ_ON) is None
    newest = max(CALENDAR, key=lambda row: row.aks_ga)
    assert next(row for row in CALENDAR if row.minor == DEFAULT_MINOR).aks_ga <= newest.aks_ga <= READ_ON


def test_plan_date_is_injectable(monkeypatch: pytest.MonkeyPatch, run_stack: RunStack) -> None:
    """The same stack, planned on 2027-05-15, is refused: 1.36 leaves community support on 2027-06-30 (46 days)."""
    assert run_stack("dev").one("azure-native:containerservice:ManagedCluster").inputs["kubernetesVersion"] == DEFAULT_MINOR
    monkeypatch.setenv(PLAN_DATE_VARIABLE, "2027-05-15")
    with pytest.raises(ConfigError) as caught:
        run_stack("dev")
    assert caught.value.keys == {"kubernetesVersion"}
    assert "2027-06-30, 46 days after 2027-05-15" in str(caught.value)


REFUSED = [
    # patch keeps the minor and moves the patch: a pinned patch would be resent as a downgrade (auto-upgrade-cluster.md)
    ("dev", {"kubernetesVersion": "1.36.2"}, "kubernetesVersion"),
    ("dev", {"kubernetesVersion": "1.33"}, "kubernetesVersion"),
    ("dev", {"kubernetesVersion": "1.34", "upgradeChannel": "stable"}, "kubernetesVersion"),
    # node-image forces NodeImage (auto-upgrade-node-os-image.md)
    ("dev", {"upgradeChannel": "node-image", "nodeOsUpgradeChannel": "SecurityPatch"}, "nodeOsUpgradeChannel"),
    # outbound types that need a NAT gateway or route table the program does not create (UPSTREAM.md, AKS limits)
    ("dev", {"outboundType": "userAssignedNATGateway"}, "outboundType"),
    ("dev", {"outboundType": "userDefinedRouting"}, "outboundType"),
    # the program always brings its VNet, and a managed NAT gateway is AKS-managed VNets' only (nat-gateway.md)
    ("prod", {"outboundType": "managedNATGateway"}, "outboundType"),
    # the service CIDR must be smaller than /12 (concepts-network-azure-cni-overlay.md)
    ("dev", {"serviceCidr": "10.0.0.0/12", "dnsServiceIp": "10.0.0.10"}, "serviceCidr"),
    # an ephemeral OS disk must fit the temp disk: 75 GiB on D2ds_v5, 150 GiB on D4ds_v5 (UPSTREAM.md, concepts-storage.md)
    ("dev", {"osDiskSizeGb": "128"}, "osDiskSizeGb"),
    ("prod", {"osDiskSizeGb": "160"}, "osDiskSizeGb"),
    # kube-proxy keeps running on BYOCNI; turning it off is a preview API (configure-kube-proxy.md)
    ("dev", {"kubeProxyReplacement": "true"}, "kubeProxyReplacement"),
    # LTS needs Premium (long-term-support.md)
    ("dev", {"kubernetesSupportPlan": "AKSLongTermSupport"}, "kubernetesSupportPlan"),
    # maintenance windows last 4 to 24 hours (planned-maintenance.md)
    ("prod", {"autoUpgradeWindow": "Sunday 01:00 2h"}, "autoUpgradeWindow"),
    ("prod", {"nodeOsUpgradeWindow": "Caturday 01:00 4h"}, "nodeOsUpgradeWindow"),
    # no placeholders outside dev: RFC 5737 documentation ranges and the nil GUID
    ("prod", {"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]'}, "apiServerAuthorizedIpRanges"),
    ("prod", {"apiServerAuthorizedIpRanges": '["198.51.100.128/25"]'}, "apiServerAuthorizedIpRanges"),
    ("prod", {"adminGroupObjectIds": f'["{NIL}"]'}, "adminGroupObjectIds"),
    ("prod", {"kubeloginMode": "spn", "kubeloginClientId": NIL, "kubeloginTenantId": TENANT}, "kubeloginClientId"),
    # whoever runs pulumi up signs in as a user or a service principal, never as a group
    ("dev", {"deployerPrincipalType": "Group"}, "deployerPrincipalType"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "overrides", "key"), REFUSED)
def test_refused_combination_exits_2_naming_the_key_and_writes_nothing(
    stack: str, overrides: dict[str, str], key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each combination Azure refuses, with its source beside it in REFUSED (MicrosoftDocs/azure-aks-docs:
    auto-upgrade-cluster.md, auto-upgrade-node-os-image.md, concepts-network-azure-cni-overlay.md, concepts-storage.md,
    configure-kube-proxy.md, long-term-support.md, nat-gateway.md, planned-maintenance.md; ../shared/design/UPSTREAM.md,
    AKS limits), and the program's own placeholder rule: `make plan` exits 2, names the key, writes no plan."""
    monkeypatch.setenv(PLAN_DATE_VARIABLE, READ_ON.isoformat())
    config = with_overrides(load_stack_config(stack), overrides)
    monkeypatch.setattr("offline.plan.load_stack_config", lambda name: config)
    out = tmp_path / "plan"
    assert plan_main(["--stack", stack, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"aks-cilium:{key}:" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert settings_problems(stack, overrides) == {key}


def test_placeholders_are_fine_in_dev() -> None:
    """Dev may keep placeholders. 203.0.113.0/24 is TEST-NET-3, a block reserved for documentation by IETF RFC 5737 (read
    as quoted in rust-lang/rust library/core/src/net/ip_addr.rs, `Ipv4Addr::is_documentation`, not in the RFC itself);
    taking the all-zero UUID as a placeholder is this product's convention."""
    placeholders = {"apiServerAuthorizedIpRanges": '["203.0.113.0/24"]', "adminGroupObjectIds": f'["{NIL}"]'}
    assert settings_problems("dev", placeholders) == set()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_plans_hold_what_azure_needs(run_stack: RunStack, stack: str) -> None:
    """Issue #13 "Done when": a creatable version, the AKS RBAC assignment with every Kubernetes resource behind it, the
    identity and its subnet role before the cluster, Container Insights' DCR where on, maintenance windows in prod."""
    run: ProgramRun = run_stack(stack)
    cluster = run.one("azure-native:containerservice:ManagedCluster")
    assert support_problem(cluster.inputs["kubernetesVersion"], READ_ON) is None
    subnet_role = run.one("azure-native:authorization:RoleAssignment", "aks-subnet-network-contributor")
    assert subnet_role.urn in cluster.dependencies
    assert run.one("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    gate = run.one("command:local:Command", "aks-kubernetes-access")
    kubernetes = [r for r in run.registrations if r.type.startswith("kubernetes:")]
    assert kubernetes
    for registration in kubernetes:
        assert gate.urn in registration.dependencies, registration.name
    insights = cluster.inputs["addonProfiles"].get("omsagent", {}).get("enabled", False)
    assert bool(run.of_type("azure-native:monitor:DataCollectionRule")) is insights
    assert bool(run.of_type("azure-native:monitor:DataCollectionRuleAssociation")) is insights
    windows = {r.inputs["configName"] for r in run.of_type("azure-native:containerservice:MaintenanceConfiguration")}
    assert windows == (set() if stack == "dev" else {"aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"})


def test_dev_system_pool_meets_the_documented_minimum(run_stack: RunStack) -> None:
    """System pools need at least 2 nodes and 4 vCPUs (MicrosoftDocs/azure-aks-docs use-system-pools.md)."""
    (system,) = run_stack("dev").one("azure-native:containerservice:ManagedCluster").inputs["agentPoolProfiles"]
    assert system["minCount"] >= 2
    assert system["vmSize"] == "Standard_D4ds_v5"  # 4 vCPUs


def test_readme_version_table_is_the_policy_table(project_dir: Path) -> None:
    readme = (project_dir / "README.md").read_text()
    section = readme.split("### Version policy", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[1:4] for line in section.splitlines() if line.startswith("| 1.")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        [row.minor, row.community_end.isoformat(), row.lts_end.isoformat()] for row in CALENDAR
    ]


def test_deploy_login_follows_config(run_stack: RunStack) -> None:
    """kubelogin's workload identity login is `-l workloadidentity` (MicrosoftDocs/azure-aks-docs
    articles/aks/kubelogin-authentication.md, "Workload identity authentication"), `--login` being the long form of
    `-l` (Azure/kubelogin docs/book/src/cli/get-token.md); `clusterIdentifier` keeps the Kubernetes provider
    from being replaced when the kubeconfig changes (UPSTREAM.md, Pulumi engine "Kubernetes provider replacement").
    `principalType: ServicePrincipal` for the deployer has no source read here."""
    run = run_stack("prod")
    assert "--login\n      - workloadidentity" in run.outputs["kubeconfig"]
    deployer = run.one("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    assert deployer.inputs["principalType"] == "ServicePrincipal"
    assert run.one("pulumi:providers:kubernetes").inputs["clusterIdentifier"].endswith("/managedClusters/aks-cilium-prod")


def test_deployer_principal_type_overrides_what_the_login_mode_implies(run_stack: RunStack) -> None:
    """ARM refuses a role assignment whose principalType does not match the principal ("UnmatchedPrincipalType", quoted
    in Azure/modern-web-app-pattern-dotnet pull request #129), and azure-native sends User when none is given
    (pulumi_azure_native/authorization/role_assignment.py). The Azure CLI signed in as a service principal runs with
    deployLoginMode azurecli (Azure/kubelogin docs: azurecli mode reuses the CLI's login), so the type is its own key."""
    deployer = ("azure-native:authorization:RoleAssignment", "aks-deployer-cluster-admin")
    assert run_stack("dev").one(*deployer).inputs["principalType"] == "User"
    assert run_stack("dev", deployerPrincipalType="ServicePrincipal").one(*deployer).inputs["principalType"] == "ServicePrincipal"
    assert run_stack("prod", deployerPrincipalType="User").one(*deployer).inputs["principalType"] == "User"


def test_prod_deploy_login_works_where_the_shipped_workflow_runs(project_dir: Path) -> None:
    """kubelogin's workloadidentity mode reads a token file named by AZURE_FEDERATED_TOKEN_FILE, and its azurecli mode
    reuses the Azure CLI's login (Azure/kubelogin docs/book/src/concepts/login-modes/workloadidentity.md, azurecli.md).
    The workflow signs the CLI in with azure/login and writes no token file, so prod, deployed from there, logs in with
    azurecli as the pipeline's service principal."""
    import yaml

    workflow = (project_dir / ".github" / "workflows" / "policy.yml").read_text()
    logins = [job for job in yaml.safe_load(workflow)["jobs"].values() if "azure/login" in str(job.get("steps"))]
    assert logins
    assert "AZURE_FEDERATED_TOKEN_FILE" not in workflow
    assert all("prod" in job["strategy"]["matrix"]["stack"] for job in logins)
    settings = load_settings(project_config(load_stack_config("prod").values), "prod", plan_date=READ_ON)
    assert settings.cluster.deploy_login_mode == "azurecli"
    assert settings.cluster.deployer_principal_type == "ServicePrincipal"
