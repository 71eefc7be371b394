"""Entry point of the aks-cilium component package: Pulumi runs it to serve the components to any language."""

import sys
from pathlib import Path

# The plugin runs from this folder; the components live at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host

from components.package import COMPONENTS, PACKAGE_NAME, PACKAGE_VERSION

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name=PACKAGE_NAME, version=PACKAGE_VERSION)
