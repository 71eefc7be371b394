"""The analysis as the plan writes it: `reachability.json` and a matrix for the plan's text output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .analysis import Analysis
from .coverage import Flow

NONE = "-"


def flows_json(flows: Iterable[Flow]) -> dict[str, object]:
    return {"flows": [flow.as_json() for flow in flows]}


def target_label(kind: str, value: str) -> str:
    return value if kind == "namespace" else f"{kind}:{value}"


def allowed_ports(analysis: Analysis) -> dict[tuple[str, tuple[str, str]], list[str]]:
    """(source, target) -> the probed ports allowed, as `port/protocol`."""
    cells: dict[tuple[str, tuple[str, str]], list[str]] = defaultdict(list)
    for flow in analysis.flows:
        if flow.verdict.allowed:
            cells[(flow.source.target[1], flow.target.target)].append(f"{flow.port}/{flow.protocol}")
    return cells


def _cell(ports: list[str], probed: int) -> str:
    if not ports:
        return NONE
    return "all" if len(ports) == probed else ",".join(p.removesuffix("/TCP") for p in ports)


def matrix(analysis: Analysis) -> list[str]:
    """One row per source namespace, one column per target, each cell the probed ports allowed."""
    sources = [s.target[1] for s in analysis.coverage.sources]
    targets = [t.target for t in analysis.coverage.targets]
    cells = allowed_ports(analysis)
    probed = len(analysis.coverage.ports)
    header = ["from \\ to", *(target_label(*t) for t in targets)]
    rows = [[source, *(_cell(cells.get((source, t), []), probed) for t in targets)] for source in sources]
    # Transposed: targets down the side read better than dozens of columns; sources are few.
    table = [[header[i + 1], *(row[i + 1] for row in rows)] for i in range(len(targets))]
    table.insert(0, ["to \\ from", *sources])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in table]
    ports = ", ".join(f"{p}/{proto}" for p, proto in analysis.coverage.ports)
    return [
        f"Reachability ({analysis.mode.name}): {sum(f.verdict.allowed for f in analysis.flows)} of {len(analysis.flows)} flows allowed",
        f"  probed ports: {ports}; a cell lists the ports allowed ('all': every probed port, '{NONE}': none; TCP unless shown)",
        *(f"  {line}" for line in lines),
    ]


def expectation_lines(analysis: Analysis) -> list[str]:
    if not analysis.expectations:
        return []
    failed = len(analysis.contradicted)
    lines = [f"Expectations: {len(analysis.expectations) - failed} of {len(analysis.expectations)} hold"]
    lines.extend(f"  {result.render()}" for result in analysis.expectations)
    return lines


def summary_lines(analysis: Analysis) -> list[str]:
    lines = [*matrix(analysis), *expectation_lines(analysis)]
    lines.extend(f"Reachability note: {note}" for note in analysis.notes)
    return lines
