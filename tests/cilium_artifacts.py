"""Skip markers for tests that need Cilium's reference artifacts."""

from __future__ import annotations

import pytest

from offline.chart import artifacts_dir, chart_archive, missing_reason

needs_chart = pytest.mark.skipif(missing_reason(chart_archive()) is not None, reason=str(missing_reason(chart_archive())))
needs_values = pytest.mark.skipif(
    missing_reason(artifacts_dir() / "values.yaml") is not None, reason=str(missing_reason(artifacts_dir() / "values.yaml"))
)
CRD_PATH = artifacts_dir() / "ciliumnetworkpolicies.yaml"
needs_crd = pytest.mark.skipif(missing_reason(CRD_PATH) is not None, reason=str(missing_reason(CRD_PATH)))
