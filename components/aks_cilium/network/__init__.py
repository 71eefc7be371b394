"""The Azure network a cluster lives in: resource group, VNet and node subnet, as the `Network` component."""

from aks_cilium.network.component import Network, NetworkArgs

__all__ = ["Network", "NetworkArgs"]
