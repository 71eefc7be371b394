"""Stack outputs that tell people how to look at their cluster."""

from __future__ import annotations

from stack_settings.model import Settings


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
            "relay": "kubectl -n kube-system port-forward svc/hubble-relay 4245:443  # ACNS serves relay with TLS",
        }
    else:
        return {"note": "Hubble needs advancedNetworkingObservability in azure-cilium mode"}
    for namespace in settings.policies.namespaces:
        commands[f"dropped-{namespace}"] = observe.format(ns=namespace)
    return commands
