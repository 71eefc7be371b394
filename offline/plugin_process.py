"""A Pulumi plugin started the way the engine starts one: an engine address to log to, its port on stdout's first line.

SDK internals used here, pinned with the SDK (pulumi==3.272.0 in requirements.txt; tests/package/test_sdk_internals.py fails
when the installed SDK differs, so a bump re-checks them): `pulumi.runtime.proto.engine_pb2_grpc`, the SDK's generated
gRPC stubs of pulumi/pulumi `proto/pulumi/engine.proto` (`EngineServicer`, `add_EngineServicer_to_server`). The
engine's plugin protocol has no public Python API; these stubs are what the SDK itself uses to talk to the engine.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2_grpc


class _Engine(engine_pb2_grpc.EngineServicer):
    """The engine side a plugin logs to."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802 - gRPC method name
        self.logs.append(request.message)
        return empty_pb2.Empty()


class PluginProcess:
    """Runs `command + [engine address] + extra_args` in `cwd`, then connects to the port the plugin prints first."""

    def __init__(
        self,
        command: list[str],
        cwd: Path,
        extra_args: list[str] | None = None,
        channel_options: Sequence[tuple[str, Any]] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`env` is added to this process's environment for the plugin, as the engine adds its own variables."""
        self.engine = _Engine()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self._server)
        engine_port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self.process = subprocess.Popen(
            [*command, f"127.0.0.1:{engine_port}", *(extra_args or [])],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first_line = self.process.stdout.readline().strip()
        if not first_line.isdigit():
            stderr = self.process.stderr.read() if self.process.stderr else ""
            self.close()
            raise RuntimeError(f"{' '.join(command)} did not print its port first: {first_line!r} {stderr}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{first_line}", options=list(channel_options))

    def close(self) -> None:
        if hasattr(self, "channel"):
            self.channel.close()
        self.process.kill()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
        self._server.stop(0)
