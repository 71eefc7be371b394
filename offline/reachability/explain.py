"""`--explain "payments -> api.stripe.com:443"`: the verdict on one flow and the rules that decide it, per side."""

from __future__ import annotations

from aks_cilium.network_policy.expectations import parse_flow

from .analysis import Analysis
from .engine import ANY_PROTOCOLS
from .report import target_label


def explain(analysis: Analysis, text: str) -> list[str]:
    """Lines that explain the flow `text` names; ExpectationError when it names none."""
    source_name, target, port, protocol = parse_flow(text)
    source = analysis.coverage.peer("namespace", source_name)
    peer = analysis.coverage.peer(target.kind, target.value)
    engine = analysis.engine
    verdict = engine.flow(source, peer, port, protocol)
    lines = [f"{source_name} -> {target_label(target.kind, target.value)}:{port}/{protocol}: {verdict.word.upper()} ({analysis.mode.name})"]
    for concrete in ANY_PROTOCOLS if protocol == "ANY" else (protocol,):
        prefix = f"  [{concrete}] " if protocol == "ANY" else "  "
        sides = [("egress", source, peer)] + ([("ingress", peer, source)] if peer.pod else [])
        for direction, subject, other in sides:
            side = engine.side(subject, direction, other, port, concrete)  # type: ignore[arg-type]
            selecting = [p.label for p in engine.selecting(subject)] or ["none"]
            lines.append(f"{prefix}{direction} of {subject.target[1]}: {side.word} (selected by: {', '.join(selecting)})")
            lines.extend(f"{prefix}  - {reason}" for reason in side.reasons)
        if not peer.pod:
            lines.append(f"{prefix}ingress: not judged here, the target is outside the cluster's endpoints")
    return lines
