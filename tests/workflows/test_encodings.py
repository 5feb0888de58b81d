"""A process file that is not UTF-8 is refused with its name, the line, the byte offset and the byte."""

from __future__ import annotations

import pytest

from tests.workflows.support import CONFORMANCE, load_package
from workflows import DeployFailed, Engine

CAMUNDA_EXPORT = CONFORMANCE / "camunda-modeler" / "C.1.0-export.bpmn"


def _refusal(files: dict[str, bytes]):
    with pytest.raises(DeployFailed) as failed:
        Engine().compile(files)
    [error] = [error for error in failed.value.errors if "UTF-8" in error.message]
    return error


def test_a_bpmn_file_saved_as_latin_1_is_refused_at_its_first_invalid_byte() -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' id="d" targetNamespace="t">\n'
        '  <bpmn:process id="p" isExecutable="true">\n'
        '    <bpmn:task id="t" name="Rechnung klären" />\n'
        "  </bpmn:process>\n</bpmn:definitions>\n"
    ).encode("latin-1")
    offset = content.index(b"\xe4")
    error = _refusal({"invoice.bpmn": content})
    assert (error.file, error.line) == ("invoice.bpmn", 4)
    assert f"byte 0xE4 at byte offset {offset}" in error.message
    assert "Rechnung kl" in error.message and "UTF-8" in error.message


def test_a_form_saved_as_gbk_is_refused_with_line_and_offset() -> None:
    files = load_package("approval")
    files["review.schema.json"] = '{\n  "title": "审查"\n}'.encode("gbk")
    error = _refusal(files)
    assert (error.file, error.line) == ("review.schema.json", 2)
    assert "byte 0xC9 at byte offset 14" in error.message


def test_a_file_that_declares_another_encoding_is_still_refused() -> None:
    content = "<?xml version='1.0' encoding='latin-1'?><a>\xe9</a>".encode("latin-1")
    error = _refusal({"latin1.bpmn": content})
    assert error.line == 1 and "byte 0xE9" in error.message


def test_a_real_modeler_export_resaved_as_latin_1_is_refused_at_the_first_umlaut() -> None:
    """A Camunda Modeler export, as a German-locale editor would save it after renaming a task."""
    original = CAMUNDA_EXPORT.read_bytes()
    at = original.index(b'name="', original.index(b"<bpmn:task ")) + len(b'name="')
    content = original[:at] + "Prüfung ".encode("latin-1") + original[at:]
    error = _refusal({CAMUNDA_EXPORT.name: content})
    offset = content.index(b"\xfc")
    assert (error.file, error.line) == ("C.1.0-export.bpmn", content[:offset].count(b"\n") + 1)
    assert f"byte 0xFC at byte offset {offset}" in error.message
