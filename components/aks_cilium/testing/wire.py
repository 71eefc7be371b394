"""The engine's wire-format sentinels, taken from the Python SDK that defines them (pulumi/runtime/rpc.py), not copied.

A property value that is a secret, a resource reference or an asset travels as a map carrying SIG_KEY with one of the
signatures; a value unknown during preview is the string UNKNOWN_VALUE (the same one pulumi-policy calls
`UNKNOWN_STRING_VALUE`). Mocks see inputs in this form, and the policy pack's requests carry it.
"""

from __future__ import annotations

from pulumi.runtime import rpc

SIG_KEY: str = rpc._special_sig_key
SECRET_SIG: str = rpc._special_secret_sig
RESOURCE_SIG: str = rpc._special_resource_sig
ASSET_SIG: str = rpc._special_asset_sig
UNKNOWN_VALUE: str = rpc.UNKNOWN
