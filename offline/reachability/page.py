"""`reachability.html`: one self-contained page, a picture of the namespaces and their allowed flows, and the matrix.

No network fetches: the data is embedded as JSON and drawn by inline script into inline SVG; the Content Security
Policy forbids loading anything else, so a reviewer can open the file from a CI artifact as it is.
"""

from __future__ import annotations

import html
import json

from .analysis import Analysis
from .report import NONE, allowed_ports, target_label

_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
h1 { font-size: 1.3rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
svg { border: 1px solid #d5d9e0; background: #fbfcfe; }
.node circle { fill: #e8eefc; stroke: #3a5bd9; stroke-width: 1.5; }
.node.external circle { fill: #fdf1e6; stroke: #c46a12; }
.node text { font-size: 12px; text-anchor: middle; }
.edge { stroke: #2e8b57; stroke-width: 1.6; fill: none; marker-end: url(#arrow); }
table { border-collapse: collapse; margin-top: .5rem; }
th, td { border: 1px solid #d5d9e0; padding: .25rem .5rem; text-align: left; }
td.allowed { background: #e3f4e8; } td.denied { color: #8a93a3; }
.fail { color: #b3261e; font-weight: 600; } .ok { color: #2e7d32; }
"""

_SCRIPT = """
const data = JSON.parse(document.getElementById('reachability-data').textContent);
const svgNS = 'http://www.w3.org/2000/svg';
const svg = document.getElementById('graph');
const size = 640, centre = size / 2, radius = size / 2 - 70;
const where = {};
data.nodes.forEach((node, i) => {
  const angle = 2 * Math.PI * i / data.nodes.length - Math.PI / 2;
  where[node.id] = [centre + radius * Math.cos(angle), centre + radius * Math.sin(angle)];
});
data.edges.forEach(edge => {
  const [x1, y1] = where[edge.from], [x2, y2] = where[edge.to];
  const line = document.createElementNS(svgNS, 'path');
  const k = 26 / Math.max(1, Math.hypot(x2 - x1, y2 - y1));
  const path = edge.from === edge.to
    ? `M ${x1 - 10} ${y1 - 20} C ${x1 - 40} ${y1 - 70}, ${x1 + 40} ${y1 - 70}, ${x1 + 10} ${y1 - 20}`
    : `M ${x1 + (x2 - x1) * k} ${y1 + (y2 - y1) * k} L ${x2 - (x2 - x1) * k} ${y2 - (y2 - y1) * k}`;
  line.setAttribute('d', path);
  line.setAttribute('class', 'edge');
  line.setAttribute('data-from', edge.from);
  line.setAttribute('data-to', edge.to);
  const title = document.createElementNS(svgNS, 'title');
  title.textContent = `${edge.from} -> ${edge.to}: ${edge.ports.join(', ')}`;
  line.appendChild(title);
  svg.appendChild(line);
});
data.nodes.forEach(node => {
  const group = document.createElementNS(svgNS, 'g');
  group.setAttribute('class', node.external ? 'node external' : 'node');
  group.setAttribute('data-node', node.id);
  const [x, y] = where[node.id];
  const circle = document.createElementNS(svgNS, 'circle');
  circle.setAttribute('cx', x); circle.setAttribute('cy', y); circle.setAttribute('r', 22);
  const label = document.createElementNS(svgNS, 'text');
  label.setAttribute('x', x); label.setAttribute('y', y + 38);
  label.textContent = node.id;
  group.append(circle, label);
  svg.appendChild(group);
});
const table = document.getElementById('matrix');
const head = table.createTHead().insertRow();
['to \\\\ from', ...data.sources].forEach(text => {
  const th = document.createElement('th'); th.textContent = text; head.appendChild(th);
});
const body = table.createTBody();
data.matrix.forEach(row => {
  const tr = body.insertRow();
  const th = document.createElement('th'); th.textContent = row.target; tr.appendChild(th);
  row.cells.forEach(cell => {
    const td = tr.insertCell();
    td.textContent = cell;
    td.className = cell === data.none ? 'denied' : 'allowed';
  });
});
document.getElementById('summary').textContent =
  `${data.allowed} of ${data.flows} flows allowed (${data.mode}); probed ports: ${data.ports.join(', ')}.`;
"""


def page_data(analysis: Analysis) -> dict[str, object]:
    cells = allowed_ports(analysis)
    sources = [s.target[1] for s in analysis.coverage.sources]
    targets = [t.target for t in analysis.coverage.targets]
    nodes = [{"id": target_label(*t), "external": t[0] != "namespace"} for t in targets]
    edges = [{"from": source, "to": target_label(*target), "ports": ports} for (source, target), ports in sorted(cells.items())]
    probed = len(analysis.coverage.ports)
    matrix = [
        {
            "target": target_label(*t),
            "cells": [
                NONE if not (ports := cells.get((s, t), [])) else "all" if len(ports) == probed else ", ".join(ports) for s in sources
            ],
        }
        for t in targets
    ]
    return {
        "mode": analysis.mode.name,
        "flows": len(analysis.flows),
        "allowed": sum(f.verdict.allowed for f in analysis.flows),
        "ports": [f"{p}/{proto}" for p, proto in analysis.coverage.ports],
        "sources": sources,
        "nodes": nodes,
        "edges": edges,
        "matrix": matrix,
        "none": NONE,
    }


def _expectations_html(analysis: Analysis) -> str:
    if not analysis.expectations:
        return "<p>No expectations declared.</p>"
    items = "".join(f'<li class="{"ok" if r.holds else "fail"}">{html.escape(r.render())}</li>' for r in analysis.expectations)
    return f'<ul id="expectations">{items}</ul>'


def render_page(analysis: Analysis, stack: str) -> str:
    # `</` cannot end the data block early: JSON escapes it as `<\\/`.
    data = json.dumps(page_data(analysis), sort_keys=True).replace("</", "<\\/")
    title = f"Reachability of stack {html.escape(stack)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{title}</h1>
<p id="summary"></p>
<h2>Allowed flows between namespaces and to the outside</h2>
<svg id="graph" width="640" height="640" viewBox="0 0 640 640" role="img" aria-label="namespaces and their allowed flows">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
<path d="M 0 0 L 10 5 L 0 10 z" fill="#2e8b57"/></marker></defs>
</svg>
<h2>Matrix: the probed ports each source may reach</h2>
<table id="matrix"></table>
<h2>Expectations</h2>
{_expectations_html(analysis)}
<script type="application/json" id="reachability-data">{data}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
