"""The SDK internals the harness relies on exist in the pinned SDK, and the installed SDK is the pinned one.

Where each is used and why: offline/plugin_process.py (`pulumi.runtime.proto.engine_pb2_grpc`) and
components/aks_cilium/testing/engine.py (`pulumi.runtime.sync_await._sync_await`, `pulumi.runtime.stack.wait_for_rpcs`,
`pulumi.runtime.settings.SETTINGS`, `pulumi.runtime.mocks.MockMonitor`), components/aks_cilium/testing/wire.py
(the wire-format sentinels of `pulumi.runtime.rpc`).
"""

from __future__ import annotations

import re
from importlib.metadata import version

from offline.stack_config import PROJECT_DIR


def pinned(package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.MULTILINE)
    assert match, f"{package} is not pinned in requirements.txt"
    return match.group(1)


def test_the_installed_sdk_is_the_pinned_one() -> None:
    assert version("pulumi") == pinned("pulumi")


def test_the_internals_exist() -> None:
    import pulumi.runtime
    from pulumi.runtime import mocks, settings, stack, sync_await
    from pulumi.runtime.proto import engine_pb2_grpc

    assert callable(engine_pb2_grpc.add_EngineServicer_to_server)
    assert hasattr(engine_pb2_grpc.EngineServicer, "Log")
    assert callable(sync_await._sync_await)
    assert hasattr(settings.SETTINGS, "outputs")
    assert hasattr(settings.SETTINGS, "lock")
    assert callable(stack.wait_for_rpcs)
    assert "wait_for_rpcs" not in pulumi.runtime.__all__, "now public: use it from pulumi.runtime"
    assert callable(mocks.MockMonitor.RegisterResource)
    assert callable(mocks.MockMonitor.RegisterResourceOutputs)
    from pulumi.runtime import rpc

    sentinels = (rpc._special_sig_key, rpc._special_secret_sig, rpc._special_resource_sig, rpc._special_asset_sig, rpc.UNKNOWN)
    assert all(isinstance(sentinel, str) and len(sentinel) >= 32 for sentinel in sentinels)
