"""Workloads that exercise the policies on a live cluster: the blog's demo app and client, and the connectivity check
Jobs whose probes prove the declared verdicts after each change. Both are components of the package: any Pulumi
language can run the check against its own policies."""

from aks_cilium.workloads.connectivity import ConnectivityCheck, ConnectivityCheckArgs
from aks_cilium.workloads.demo import DemoApp, DemoAppArgs

__all__ = ["ConnectivityCheck", "ConnectivityCheckArgs", "DemoApp", "DemoAppArgs"]
