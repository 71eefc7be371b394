"""Numbers in plan files as the providers put them on the wire: a whole number is written as an integer.

The SDK sends inputs to the engine as a protobuf `Struct`, whose only number is a double, so the mock engine records
`replicas: 1` as `1.0`; so does the real engine, which holds every number as a float64 (`pulumi/pulumi`
`sdk/go/common/resource/properties.go`, `NewNumberProperty(float64)`). What Kubernetes, Helm and Azure then receive is
that float64 encoded by Go's `encoding/json` (client-go's unstructured objects, the Helm values, the ARM request
body), and Go writes a float64 like an ES6 number: `strconv.AppendFloat(f, 'f', -1)` for magnitudes from 1e-6 up to
1e21, which has no fraction for a whole number (`golang/go` `src/encoding/json/encode.go`, `floatEncoder.encode`).
So `1.0` is `1`, `227.0` is `227`, `0.5` stays `0.5`, and from 1e21 on Go switches to exponent form, which stays a
float here too. Cilium's own chart, rendered by Helm from these values, shows the same: `cluster-id: '227'`.

This is rendering only: the recorded registrations keep the engine's doubles, as the policy pack receives them.
"""

from __future__ import annotations

from typing import Any

_EXPONENT_FROM = 1e21


def whole_numbers_as_integers(value: Any) -> Any:
    """`value` with every float that Go's encoder writes without a fraction turned into an int, at any depth."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < _EXPONENT_FROM else value
    if isinstance(value, dict):
        return {key: whole_numbers_as_integers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [whole_numbers_as_integers(item) for item in value]
    return value
