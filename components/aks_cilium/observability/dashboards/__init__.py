"""Grafana dashboards as code: the library's own for bring-your-own-CNI, written with Grafana's foundation SDK
(`cilium.py`), Microsoft's published network observability dashboards referenced by ID for the managed mode
(`microsoft.py`), and the component that puts either into Azure Managed Grafana (`component.py`)."""
