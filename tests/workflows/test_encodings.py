"""A process file that is not UTF-8 is refused with its name, the line, the byte offset and the byte."""

from __future__ import annotations

import pytest

from tests.workflows.support import CONFORMANCE, load_package
from workflows import DeployFailed, Engine

GENMYMODEL = CONFORMANCE / "GenMyModel 0.47" / "C.1.0-export.bpmn"


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


@pytest.mark.skipif(not GENMYMODEL.is_file(), reason=f"{GENMYMODEL} is not there")
def test_the_genmymodel_export_of_miwg_c_1_0_is_refused_at_line_97() -> None:
    error = _refusal({GENMYMODEL.name: GENMYMODEL.read_bytes()})
    assert (error.file, error.line) == ("C.1.0-export.bpmn", 97)
    assert "byte 0xE4 at byte offset 7289" in error.message
