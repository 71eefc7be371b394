"""Cilium's CiliumNetworkPolicy CRD as a closed JSON schema validator."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

# Python's `re` has no Unicode category classes; this is `\PC` (no control/format characters) spelled out.
_UNSUPPORTED_PATTERNS = {r"^\PC*$": r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]*$"}


def closed(schema: Any) -> Any:
    """The CRD schema with unknown fields as errors: the API server would prune them without a word."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: closed(value) for key, value in schema.items()}
    if "pattern" in result and isinstance(result["pattern"], str):
        result["pattern"] = _UNSUPPORTED_PATTERNS.get(result["pattern"], result["pattern"])
    is_object = result.get("type") == "object" and "properties" in result
    if is_object and "additionalProperties" not in result and not result.get("x-kubernetes-preserve-unknown-fields"):
        result["additionalProperties"] = False
    return result


@cache
def cnp_validator(crd_path: Path) -> jsonschema.protocols.Validator:
    crd = yaml.load(crd_path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: the CRD is large
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v2"]
    schema = closed(version["schema"]["openAPIV3Schema"])
    # metadata is the API server's ObjectMeta, not part of the CRD's schema.
    schema["properties"]["metadata"] = {"type": "object"}
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator: jsonschema.protocols.Validator = validator_class(schema)
    return validator


def cnp_errors(crd_path: Path, policy: dict[str, Any]) -> list[str]:
    """Every schema violation of one CiliumNetworkPolicy object, as `path: message`."""
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in cnp_validator(crd_path).iter_errors(policy)
    ]
