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


def acns_client_setup() -> dict[str, str]:
    """One shell command per step, in order, that configures the hubble CLI for ACNS's relay."""
    steps = {"tls-1-folder": f"mkdir -p {HUBBLE_CERT_DIR}"}
    for number, (key, option) in enumerate(ACNS_CLIENT_FILES.items(), start=2):
        path = f"{HUBBLE_CERT_DIR}/{key}"
        jsonpath = "{.data." + key.replace(".", "\\.") + "}"
        steps[f"tls-{number}-{key}"] = (
            f"kubectl -n kube-system get secret {ACNS_CLIENT_SECRET} -o jsonpath='{jsonpath}' | base64 -d > {path}"
            f" && hubble config set {option} {path}"
        )
    steps[f"tls-{len(steps) + 1}-enable"] = f"hubble config set tls true && hubble config set tls-server-name {ACNS_RELAY_SERVER_NAME}"
    return steps


def hubble_commands(settings: Settings) -> dict[str, str]:
    """The commands that reach Hubble in this stack's mode."""
    observe = "hubble observe --namespace {ns} --verdict DROPPED --follow"
    if settings.byocni:
        commands = {
            "ui": "cilium hubble ui  # or: kubectl -n kube-system port-forward svc/hubble-ui 12000:80",
            "relay": "cilium hubble port-forward  # then hubble talks to localhost:4245",
        }
    elif settings.cluster.advanced_networking.observability:
        commands = {
            "relay": "kubectl -n kube-system port-forward svc/hubble-relay 4245:443  # ACNS serves relay with mutual TLS",
            **acns_client_setup(),
        }
    else:
        return {"note": "Hubble needs advancedNetworkingObservability in azure-cilium mode"}
    for namespace in settings.policies.namespaces:
        commands[f"dropped-{namespace}"] = observe.format(ns=namespace)
    return commands
