"""The two example mesh stacks run as a pair: each with the other's outputs, as their stack references read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aks_cilium.testing import AzureMocks, ProgramRun, Registration
from offline.engine import plan_mocks, run_program
from offline.stack_config import StackConfig
from program.mesh import CA_OUTPUT, PEER_OUTPUT
from tests.support.stacks import stack_config

EXPORTS = (PEER_OUTPUT, CA_OUTPUT)


def exports(run: ProgramRun) -> dict[str, Any]:
    """What a mesh stack's peer reads of it: its `clusterMesh` output, and the CA if it owns it."""
    return {key: run.outputs[key] for key in EXPORTS if key in run.outputs}


def run_with_peer(config: StackConfig, peer_stack: str, peer_outputs: dict[str, Any]) -> ProgramRun:
    """`config`'s stack run with `peer_outputs` as the outputs of the stack its reference names."""
    mocks = AzureMocks(stack_outputs={peer_stack: peer_outputs}, secret_outputs=frozenset({CA_OUTPUT}))
    return run_program(config, mocks)


@dataclass(frozen=True)
class MeshPair:
    east: ProgramRun
    """mesh-east, run with mesh-west's recorded outputs (offline/stack_outputs/)."""
    west: ProgramRun
    """mesh-west, run with what mesh-east's own run exported, not with a recording."""


def mesh_pair() -> MeshPair:
    east = run_program(stack_config("mesh-east"), plan_mocks())
    return MeshPair(east, run_with_peer(stack_config("mesh-west"), "mesh-east", exports(east)))


def secret_data(secret: Registration) -> dict[str, str]:
    """A Secret's stringData as the engine receives it, unwrapped from the wire format's secret envelope."""
    wrapped = secret.wire_inputs["stringData"]
    return dict(wrapped.get("value", wrapped))
