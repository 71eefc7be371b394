"""Stack outputs that tell people how to look at their cluster."""

from __future__ import annotations

from stack_settings.model import Settings

# ACNS serves Hubble Relay with mutual TLS: the client presents the certificate of the hubble-relay-client-certs
# Secret and checks the relay's name (Microsoft, articles/aks/advanced-network-observability-cli.md, "Visualize the
# Hubble Flows"). Keys and files of that Secret, and the hubble CLI option each one feeds.
ACNS_CLIENT_SECRET = "hubble-relay-client-certs"
ACNS_RELAY_SERVER_NAME = "instance.hubble-relay.cilium.io"
ACNS_CLIENT_FILES = {"tls.crt": "tls-client-cert-file", "tls.key": "tls-client-key-file", "ca.crt": "tls-ca-cert-files"}
HUBBLE_CERT_DIR = "$HOME/.hubble-acns"
# bring-your-own-CNI: the library serves Relay over TLS without client certificates. Cilium's certgen issues its server
# certificate for *.hubble-relay.cilium.io into hubble-relay-server-certs, with the CA beside it (chart
# templates/hubble/tls-cronjob/_job-spec.tpl); any name under it verifies, the UI uses ui.hubble-relay.cilium.io.
RELAY_SERVER_SECRET = "hubble-relay-server-certs"
RELAY_SERVER_NAME = "ui.hubble-relay.cilium.io"
RELAY_CA_FILES = {"ca.crt": "tls-ca-cert-files"}
BYOCNI_CERT_DIR = "$HOME/.hubble-aks-cilium"
# What to ask Hubble about a namespace: the flows refused, the names looked up, how policy decided (hubble observe
# --verdict, --protocol, --type policy-verdict: cilium/hubble cmd/observe flags).
OBSERVE = {
    "dropped": "hubble observe --namespace {ns} --verdict DROPPED --follow",
    "dns": "hubble observe --namespace {ns} --protocol dns --follow",
    "verdicts": "hubble observe --namespace {ns} --type policy-verdict --follow",
}


def tls_client_setup(secret: str, files: dict[str, str], server_name: str, folder: str) -> dict[str, str]:
    """One shell command per step, in order, that configures the hubble CLI for a relay served over TLS."""
    steps = {"tls-1-folder": f"mkdir -p {folder}"}
    for number, (key, option) in enumerate(files.items(), start=2):
        path = f"{folder}/{key}"
        jsonpath = "{.data." + key.replace(".", "\\.") + "}"
        steps[f"tls-{number}-{key}"] = (
            f"kubectl -n kube-system get secret {secret} -o jsonpath='{jsonpath}' | base64 -d > {path} && hubble config set {option} {path}"
        )
    steps[f"tls-{len(steps) + 1}-enable"] = f"hubble config set tls true && hubble config set tls-server-name {server_name}"
    return steps


def acns_client_setup() -> dict[str, str]:
    return tls_client_setup(ACNS_CLIENT_SECRET, ACNS_CLIENT_FILES, ACNS_RELAY_SERVER_NAME, HUBBLE_CERT_DIR)


def hubble_commands(settings: Settings) -> dict[str, str]:
    """The commands that reach Hubble in this stack's mode."""
    if settings.byocni:
        commands = {
            "ui": "kubectl -n kube-system port-forward svc/hubble-ui 12000:80  # then open http://localhost:12000",
            "relay": "kubectl -n kube-system port-forward svc/hubble-relay 4245:443  # relay serves TLS",
            **tls_client_setup(RELAY_SERVER_SECRET, RELAY_CA_FILES, RELAY_SERVER_NAME, BYOCNI_CERT_DIR),
        }
    elif settings.cluster.advanced_networking.observability:
        commands = {
            "relay": "kubectl -n kube-system port-forward svc/hubble-relay 4245:443  # ACNS serves relay with mutual TLS",
            **acns_client_setup(),
        }
    else:
        return {"note": "Hubble needs advancedNetworkingObservability in azure-cilium mode"}
    for namespace in settings.policies.namespaces:
        for question, command in OBSERVE.items():
            commands[f"{question}-{namespace}"] = command.format(ns=namespace)
    return commands
