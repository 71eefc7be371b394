"""Wait until a freshly assigned AKS RBAC role lets the deployer use the Kubernetes API, in every Pulumi language.

Azure role assignments take minutes to propagate (tutorial-kubernetes-deploy-cluster.md; ../shared/design/UPSTREAM.md,
AKS). Until then every Kubernetes call of `pulumi up` would fail with 403. The wait is a `command:local:Command` of the
maintained pulumi-command provider, created after the role assignments and before the Kubernetes provider. Its create
step runs `kubectl auth can-i create namespaces --all-namespaces` with the deploy kubeconfig (a SelfSubjectAccessReview,
which every authenticated user may send; kubectl exits 1 while the answer is no: kubernetes/kubernetes
staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go) every `interval_seconds`, and fails after `timeout_seconds` with the
last answer. The provider skips the command in previews (pulumi/pulumi-command provider/pkg/provider/local/
commandController.go), so previews do not wait.

Why a command and not a dynamic resource: the engine downloads the command plugin for any program, in any language,
whereas a dynamic provider runs in the program's Python and needs this library there. kubectl does the TLS handshake
with Go's crypto/x509, as the Kubernetes provider does, so the wait judges the API server's certificate the way the
deployment will, whatever Python runs the program. It needs `/bin/sh` and kubectl (with kubelogin) on PATH where
`pulumi up` runs: the command inherits that environment and adds `environment` (commandOutputs.go, `run`).
"""

from __future__ import annotations

import pulumi
from pulumi_command import local

DEFAULT_TIMEOUT_SECONDS = 900
DEFAULT_INTERVAL_SECONDS = 15
KUBECONFIG_VARIABLE = "AKS_CILIUM_KUBECONFIG"
# POSIX sh. The kubeconfig reaches the script through the environment (a secret input, so the provider keeps it
# encrypted in state) and is written to a private temporary file for kubectl, removed on every exit path.
WAIT_SCRIPT = """\
set -u
umask 077
config="$(mktemp)" || exit 1
trap 'rm -f "$config"' EXIT
printf '%s' "$AKS_CILIUM_KUBECONFIG" > "$config"
deadline=$(( $(date +%s) + AKS_CILIUM_WAIT_SECONDS ))
attempts=0
while :; do
  attempts=$((attempts + 1))
  if answer="$(kubectl --kubeconfig "$config" auth can-i create namespaces --all-namespaces 2>&1)"; then
    echo "Kubernetes access after $attempts attempt(s)"
    exit 0
  fi
  if [ $(( $(date +%s) + AKS_CILIUM_WAIT_INTERVAL )) -gt "$deadline" ]; then
    last="$(printf '%s' "$answer" | tail -n 3)"
    echo "no Kubernetes access after $attempts attempts in $AKS_CILIUM_WAIT_SECONDS s ($last); check that the" \\
      "'Azure Kubernetes Service RBAC Cluster Admin' assignment exists for the principal running pulumi up" >&2
    exit 1
  fi
  sleep "$AKS_CILIUM_WAIT_INTERVAL"
done
"""


def kubernetes_access_wait(
    name: str,
    kubeconfig: pulumi.Input[str],
    assignments: list[pulumi.Output[str]],
    opts: pulumi.ResourceOptions,
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS,
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
) -> local.Command:
    """Created once the role assignments in `assignments` let the kubeconfig's user create namespaces.

    A changed assignment (another deployer, another admin group) replaces the command, so it waits again; a changed
    kubeconfig (a rotated certificate) updates it, which runs the same check again (commandController.go `Update`).
    """
    return local.Command(
        name,
        create=WAIT_SCRIPT,
        environment={
            KUBECONFIG_VARIABLE: pulumi.Output.secret(kubeconfig),
            "AKS_CILIUM_WAIT_SECONDS": str(timeout_seconds),
            "AKS_CILIUM_WAIT_INTERVAL": str(interval_seconds),
        },
        triggers=assignments,
        # The previous answer is of no use to the next run.
        add_previous_output_in_env=False,
        opts=opts,
    )
