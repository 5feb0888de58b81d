"""Every process Lexflow ships deploys, reads well in a modeler, and speaks Chinese and English."""

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from workflows import Engine
from workflows.layout import EVENTS, GATEWAYS, TASKS

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FOLDERS = sorted(p for p in BPMN_DIR.iterdir() if p.is_dir() and any(p.glob("*.bpmn")))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
FLOW_NODES = sorted(EVENTS | GATEWAYS | TASKS | {"boundaryEvent"})


def package_files(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".bpmn", ".dmn", ".json"}
    }


def shown_fields(schema: dict, path: str = "") -> list[tuple[str, str | None]]:
    """Every field a form shows, nested objects and list items included, with its title.
    (Fields named only inside `if`/`then`/`else` are conditions on shown fields, not fields.)"""
    found = []
    for name, field in (schema.get("properties") or {}).items():
        if isinstance(field, dict):
            found.append((f"{path}{name}", field.get("title")))
            found += shown_fields(field, f"{path}{name}.")
            if isinstance(field.get("items"), dict):
                found += shown_fields(field["items"], f"{path}{name}[].")
    return found


def bilingual(text: str | None) -> bool:
    return bool(text and CJK.search(text) and LATIN.search(text))


@pytest.fixture(params=FOLDERS, ids=[f.name for f in FOLDERS])
def folder(request) -> Path:
    return request.param


def test_shipped_process_compiles(folder):
    package = Engine().compile(package_files(folder))
    assert package.processes, f"{folder.name} has no executable process"


def test_every_element_has_a_shape_and_no_shapes_overlap(folder):
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        shapes = {
            s.get("bpmnElement"): s.find("dc:Bounds", NS) for s in root.iterfind(".//bpmndi:BPMNShape", NS)
        }
        edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
        nodes = [n for tag in FLOW_NODES for n in root.iterfind(f".//bpmn:{tag}", NS)]
        missing = [n.get("id") for n in nodes if n.get("id") not in shapes]
        assert not missing, f"{path.name}: no shape for {missing}"
        flows = [f.get("id") for f in root.iterfind(".//bpmn:sequenceFlow", NS)]
        assert not [f for f in flows if f not in edges], f"{path.name}: flows without edges"
        hosts = {n.get("id"): n.get("attachedToRef") for n in root.iterfind(".//bpmn:boundaryEvent", NS)}
        boxes = []
        for node in nodes:
            b = shapes[node.get("id")]
            boxes.append((node.get("id"), *(float(b.get(k)) for k in ("x", "y", "width", "height"))))
        for i, (a, ax, ay, aw, ah) in enumerate(boxes):
            for b, bx, by, bw, bh in boxes[i + 1 :]:
                if hosts.get(a) == b or hosts.get(b) == a or (hosts.get(a) and hosts.get(a) == hosts.get(b)):
                    continue
                overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
                assert not overlap, f"{path.name}: shapes of {a} and {b} overlap"


def test_every_user_task_has_a_bilingual_form_and_name(folder):
    files = package_files(folder)
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for task in root.iterfind(".//bpmn:userTask", NS):
            assert bilingual(task.get("name")), f"{task.get('id')}: name needs 中文 / English"
            props = {
                p.get("name"): p.get("value")
                for p in task.iterfind(".//{http://spiffworkflow.org/bpmn/schema/1.0/core}property")
            }
            form = props.get("formJsonSchemaFilename")
            assert form in files, f"{task.get('id')}: form {form!r} not in the folder"
            assert props.get("formUiSchemaFilename") in files, f"{task.get('id')}: no ui schema"
            schema = json.loads(files[form])
            assert bilingual(schema.get("title")), f"{form}: title needs 中文 / English"
            for path, title in shown_fields(schema):
                assert bilingual(title), f"{form}: field {path} needs a 中文 / English title"


def test_every_task_and_event_is_named_in_both_languages(folder):
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for tag in FLOW_NODES:
            for node in root.iterfind(f".//bpmn:{tag}", NS):
                if "Gateway" in tag and not node.get("name"):
                    continue  # joining gateways need no name
                assert bilingual(node.get("name")), (
                    f"{path.name}: {tag} {node.get('id')} needs 中文 / English name"
                )


def test_every_start_form_is_bilingual_down_to_nested_fields(folder):
    files = package_files(folder)
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for start in root.iterfind(".//bpmn:startEvent", NS):
            props = {
                p.get("name"): p.get("value")
                for p in start.iterfind(".//{http://spiffworkflow.org/bpmn/schema/1.0/core}property")
            }
            form = props.get("formJsonSchemaFilename")
            if form is None:
                continue
            schema = json.loads(files[form])
            assert bilingual(schema.get("title")), f"{form}: title needs 中文 / English"
            for field, title in shown_fields(schema):
                assert bilingual(title), f"{form}: field {field} needs a 中文 / English title"


def test_every_message_and_signal_schema_is_bilingual_down_to_its_fields(folder):
    files = package_files(folder)
    for path in folder.glob("*.bpmn"):
        root = etree.parse(str(path)).getroot()
        for tag in ("message", "signal"):
            for node in root.iterfind(f".//bpmn:{tag}", NS):
                props = {
                    p.get("name"): p.get("value")
                    for p in node.iterfind(".//{http://spiffworkflow.org/bpmn/schema/1.0/core}property")
                }
                form = props.get("formJsonSchemaFilename")
                if form is None:
                    continue
                assert form in files, f"{node.get('id')}: schema {form!r} not in the folder"
                schema = json.loads(files[form])
                assert bilingual(schema.get("title")), f"{form}: title needs 中文 / English"
                for field, title in shown_fields(schema):
                    assert bilingual(title), f"{form}: field {field} needs a 中文 / English title"
