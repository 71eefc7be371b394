"""Cilium installed by this library (bring-your-own-CNI): the `Cilium` component, a pinned Helm release, the rules its
args must meet (versions, cluster name and id, Hubble metrics, extra values) and the one builder of its Helm values."""

from aks_cilium.cilium.args import CiliumArgs
from aks_cilium.cilium.component import Cilium

__all__ = ["Cilium", "CiliumArgs"]
