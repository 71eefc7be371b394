"""Stack configurations with N tenant namespaces, each with the default baseline."""

from __future__ import annotations

import json

from offline.stack_config import StackConfig, load_stack_config


def tenant_names(count: int) -> list[str]:
    return [f"tenant-{index:04d}" for index in range(count)]


def tenants_config(count: int) -> StackConfig:
    """The dev stack with `count` tenants: the shared baseline (default deny both ways, DNS), traffic within each, an
    ingress controller's namespace on one port and one FQDN on 443 (docs/network-policy.md)."""
    base = load_stack_config("dev")
    names = tenant_names(count)
    overrides = {
        "namespaces": json.dumps(
            {
                name: {
                    "ingress": [{"namespace": "ingress-nginx", "ports": [8080]}],
                    "egress": [{"fqdn": f"api.{name}.example.com", "ports": [443]}],
                }
                for name in names
            }
        ),
        "externalNamespaces": '["ingress-nginx"]',
        "demo": "false",
        "connectivityCheck": "false",
        "expectations": "[]",  # dev's name dev's namespaces, which the tenants replace
    }
    values = {**base.values, **{f"{base.project}:{key}": value for key, value in overrides.items()}}
    return StackConfig(base.project, base.stack, values, base.secret_keys)
