"""Whole numbers as the providers' Go JSON encoder writes them (offline/wire_numbers.py)."""

from __future__ import annotations

import json

import pytest

from offline.plan_files import canonical_json
from offline.wire_numbers import whole_numbers_as_integers


@pytest.mark.parametrize(
    ("recorded", "written"),
    [
        (1.0, "1"),
        (227.0, "227"),
        (-52.0, "-52"),
        (0.5, "0.5"),
        (2.0**53, "9007199254740992"),
        (1e21, "1e+21"),
        (True, "true"),
        ("1.0", '"1.0"'),
    ],
    ids=["one", "cluster-id", "negative", "fraction", "largest-exact", "exponent-form", "bool", "string"],
)
def test_a_number_is_written_as_go_writes_the_float64(recorded: object, written: str) -> None:
    """Go's `encoding/json` writes a float64 with `strconv.AppendFloat(f, 'f', -1)` below 1e21 and in exponent form
    from there (`golang/go` `src/encoding/json/encode.go`, `floatEncoder.encode`): `1e21` is `1e+21` there, a float
    here; strings and booleans are left alone."""
    assert json.dumps(whole_numbers_as_integers(recorded)) == written


def test_nested_values_are_converted_at_any_depth() -> None:
    recorded = {"operator": {"replicas": 2.0}, "ports": [{"port": 53.0, "endPort": 52.0}], "ratio": (0.25, 4.0)}
    assert whole_numbers_as_integers(recorded) == {"operator": {"replicas": 2}, "ports": [{"port": 53, "endPort": 52}], "ratio": [0.25, 4]}
    assert canonical_json(recorded).count(".0") == 0
