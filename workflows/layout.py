"""Lay out a BPMN diagram: write its DI section so a modeler shows it readably.

    python -m workflows.layout bpmn/notary_intake/notary_intake.bpmn [more files]

Lanes become horizontal bands in their declared order; each flow node goes in the column
of its longest path from the start (loops ignored) and in its lane's band; nodes that
share a lane and column stack. Boundary events sit on their task's lower edge. Flows are
drawn orthogonally. The semantic part of the file is left exactly as it is; only
`bpmndi:BPMNDiagram` is replaced. Designers can refine the result in any modeler.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

TASKS = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}
SIZES = {"task": (120, 80), "event": (36, 36), "gateway": (50, 50)}
COLUMN, ROW, LEFT, TOP, LANE_HEADER = 170, 130, 120, 60, 30


def _kind(tag: str) -> str | None:
    if tag in TASKS:
        return "task"
    if tag in EVENTS:
        return "event"
    if tag in GATEWAYS:
        return "gateway"
    return None


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _columns(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path column of each node from the sources, with back edges (loops) dropped."""
    out: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(nodes, 0)
    for source, target in edges:
        out[source].append(target)
    # Depth-first search from the sources marks back edges so the rest is a DAG.
    state: dict[str, int] = {}
    forward: list[tuple[str, str]] = []

    def visit(start: str) -> None:
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                continue
            if state.get(child) == 1:
                continue  # back edge
            forward.append((node, child))
            if child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))

    for _source, target in edges:
        indegree[target] = indegree.get(target, 0) + 1
    for node in [n for n in nodes if indegree.get(n, 0) == 0] + nodes:
        if node not in state:
            visit(node)
    column = dict.fromkeys(nodes, 0)
    successors: dict[str, list[str]] = defaultdict(list)
    pending = dict.fromkeys(nodes, 0)
    for source, target in set(forward):
        successors[source].append(target)
        pending[target] += 1
    ready = [n for n in nodes if pending[n] == 0]
    while ready:
        node = ready.pop()
        for target in successors[node]:
            column[target] = max(column[target], column[node] + 1)
            pending[target] -= 1
            if pending[target] == 0:
                ready.append(target)
    return column


def layout(tree: etree._ElementTree) -> None:
    root = tree.getroot()
    for old in root.findall(f"{{{BPMNDI}}}BPMNDiagram"):
        root.remove(old)
    participants = {p.get("processRef"): p for p in root.iter(f"{{{BPMN}}}participant")}
    collaboration = root.find(f"{{{BPMN}}}collaboration")
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"BPMNDiagram_{root.get('id', 'd')}")
    plane_target = collaboration.get("id") if collaboration is not None else None
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"BPMNPlane_{root.get('id', 'd')}")
    top = TOP
    for process in root.findall(f"{{{BPMN}}}process"):
        plane_target = plane_target or process.get("id")
        top = _layout_process(plane, process, participants.get(process.get("id")), top) + 40
    plane.set("bpmnElement", plane_target or "")
    etree.indent(diagram, space="  ", level=1)
    diagram.tail = "\n"


def _layout_process(plane: etree._Element, process: etree._Element, participant, top: int) -> int:
    nodes: dict[str, etree._Element] = {}
    boundaries: dict[str, list[etree._Element]] = defaultdict(list)
    for node in process:
        if not isinstance(node.tag, str):
            continue
        tag = _local(node)
        if _kind(tag):
            nodes[node.get("id")] = node
        elif tag == "boundaryEvent":
            boundaries[node.get("attachedToRef")].append(node)
    boundary_host = {b.get("id"): host for host, items in boundaries.items() for b in items}
    flows = [f for f in process if isinstance(f.tag, str) and _local(f) == "sequenceFlow"]
    edges = []
    for flow in flows:
        source = boundary_host.get(flow.get("sourceRef"), flow.get("sourceRef"))
        if source in nodes and flow.get("targetRef") in nodes:
            edges.append((source, flow.get("targetRef")))
    column = _columns(list(nodes), edges)

    lanes = list(process.iter(f"{{{BPMN}}}lane"))
    lane_of: dict[str, int] = {}
    for index, lane in enumerate(lanes):
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = index
    lane_count = max(len(lanes), 1)
    slots: dict[tuple[int, int], list[str]] = defaultdict(list)
    for node_id in nodes:  # document order keeps stacking stable
        slots[(lane_of.get(node_id, 0), column[node_id])].append(node_id)
    rows_in_lane = [1] * lane_count
    for (lane, _), members in slots.items():
        rows_in_lane[lane] = max(rows_in_lane[lane], len(members))
    lane_top = [top]
    for rows in rows_in_lane:
        lane_top.append(lane_top[-1] + rows * ROW)
    width = LANE_HEADER + (max(column.values(), default=0) + 1) * COLUMN + 40

    def shape(element_id: str, x: float, y: float, w: float, h: float, **attrs: str) -> None:
        s = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id)
        for key, value in attrs.items():
            s.set(key, value)
        etree.SubElement(s, f"{{{DC}}}Bounds", x=str(int(x)), y=str(int(y)), width=str(w), height=str(h))

    if participant is not None:
        shape(participant.get("id"), LEFT, top, width, lane_top[-1] - top, isHorizontal="true")
    for index, lane in enumerate(lanes):
        shape(
            lane.get("id"),
            LEFT + LANE_HEADER,
            lane_top[index],
            width - LANE_HEADER,
            lane_top[index + 1] - lane_top[index],
            isHorizontal="true",
        )
    bounds: dict[str, tuple[float, float, float, float]] = {}
    for (lane, col), members in slots.items():
        for row, node_id in enumerate(members):
            w, h = SIZES[_kind(_local(nodes[node_id]))]
            cx = LEFT + LANE_HEADER + col * COLUMN + COLUMN / 2
            cy = lane_top[lane] + row * ROW + ROW / 2 - 5
            bounds[node_id] = (cx - w / 2, cy - h / 2, w, h)
            attrs = {"isMarkerVisible": "true"} if _local(nodes[node_id]) == "exclusiveGateway" else {}
            shape(node_id, *bounds[node_id], **attrs)
    for host, items in boundaries.items():
        if host not in bounds:
            continue
        hx, hy, hw, hh = bounds[host]
        for index, event in enumerate(items):
            ex, ey = hx + 12 + index * 44, hy + hh - 18
            bounds[event.get("id")] = (ex, ey, 36, 36)
            shape(event.get("id"), ex, ey, 36, 36)
            # Labels of events sharing a task edge would print over each other: stagger them.
            label = etree.SubElement(plane[-1], f"{{{BPMNDI}}}BPMNLabel")
            etree.SubElement(
                label,
                f"{{{DC}}}Bounds",
                x=str(int(ex - 27)),
                y=str(int(ey + 40 + index * 30)),
                width="90",
                height="27",
            )
    for flow in flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in bounds or target not in bounds:
            continue
        edge = etree.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow.get('id')}_di", bpmnElement=flow.get("id")
        )
        obstacles = [
            box for key, box in bounds.items() if key not in (source, target) and key not in boundary_host
        ]
        for x, y in _clear_route(
            _route(bounds[source], bounds[target], source in boundary_host),
            bounds[source],
            bounds[target],
            obstacles,
        ):
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(int(x)), y=str(int(y)))
    return lane_top[-1]


def _route(a, b, from_boundary: bool) -> list[tuple[float, float]]:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    a_mid, b_mid = (ax + aw / 2, ay + ah / 2), (bx + bw / 2, by + bh / 2)
    if from_boundary:
        start = (a_mid[0], ay + ah)
        if b_mid[1] > start[1]:
            return [start, (start[0], b_mid[1]), (bx, b_mid[1])]
        return [
            start,
            (start[0], start[1] + 20),
            (bx - 20, start[1] + 20),
            (bx - 20, b_mid[1]),
            (bx, b_mid[1]),
        ]
    if bx > ax + aw:  # forward
        start, end = (ax + aw, a_mid[1]), (bx, b_mid[1])
        if start[1] == end[1]:
            return [start, end]
        middle = bx - 25
        return [start, (middle, start[1]), (middle, end[1]), end]
    # backward (a loop): leave from the top, run above both shapes, come down into the target
    above = min(ay, by) - 25
    return [(a_mid[0], ay), (a_mid[0], above), (b_mid[0], above), (b_mid[0], by)]


def _crosses(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> bool:
    """Does an orthogonal polyline pass through the inside of a box (edges touching don't count)?"""
    x, y, w, h = box
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        if y1 == y2 and y < y1 < y + h and min(x1, x2) < x + w and max(x1, x2) > x:
            return True
        if x1 == x2 and x < x1 < x + w and min(y1, y2) < y + h and max(y1, y2) > y:
            return True
    return False


def _clear_route(points, a, b, obstacles) -> list[tuple[float, float]]:
    """Keep a route that crosses no other shape; otherwise go round underneath them."""
    blocking = [box for box in obstacles if _crosses(points, box)]
    if not blocking:
        return points
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    low_x, high_x = min(ax, bx), max(ax + aw, bx + bw)
    in_band = [box for box in obstacles if box[0] < high_x and box[0] + box[2] > low_x]
    below = (
        max([ay + ah, by + bh] + [box[1] + box[3] for box in in_band if box[1] < max(ay + ah, by + bh) + 60])
        + 14
    )
    return [(ax + aw / 2, ay + ah), (ax + aw / 2, below), (bx + bw / 2, below), (bx + bw / 2, by + bh)]


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
        tree = etree.parse(str(path), parser)
        layout(tree)
        path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n")
        print(f"laid out {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
