"""A digest of JSON-shaped data that changes exactly when the data does: keys sorted, so no mapping's insertion order
counts. The connectivity check's Job names carry such digests (the policies', and what else decides its verdicts)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def json_digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
