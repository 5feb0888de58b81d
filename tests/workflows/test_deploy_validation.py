"""Bad uploads are refused at deploy with every problem located (file, line, element) and explained."""

from __future__ import annotations

import time

import pytest

from tests.workflows.support import FIXTURES
from workflows import DeployError, DeployFailed, Engine


def _bad(name: str) -> dict[str, bytes]:
    return {f"{name}.bpmn": (FIXTURES / "bad" / f"{name}.bpmn").read_bytes()}


def _line_of(name: str, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in a bad fixture."""
    text = (FIXTURES / "bad" / f"{name}.bpmn").read_text()
    return text[: text.index(needle)].count("\n") + 1


def _errors(engine: Engine, files: dict[str, bytes]) -> list[DeployError]:
    with pytest.raises(DeployFailed) as info:
        engine.compile(files)
    errors = info.value.errors
    assert errors, "DeployFailed must carry at least one error"
    for error in errors:
        assert error.file and error.message
    return errors


@pytest.mark.parametrize(
    ("fixture", "element_id", "needle", "message"),
    [
        ("missing_lane", "orphan_task", 'id="orphan_task"', "no lane and no candidate group"),
        (
            "unquoted_timer",
            "wait_hour",
            "PT1H</bpmn:timeDuration>",
            'timer expression PT1H is not quoted; write "PT1H"',
        ),
        ("dangling_flow", "lost_flow", 'id="lost_flow"', "'nowhere', which does not exist"),
        ("script_import", "bad_script", 'id="bad_script"', "import statements are not allowed"),
        ("script_dunder_import", "bad_script", 'id="bad_script"', "__import__ is not allowed"),
        ("script_subclasses", "bad_script", 'id="bad_script"', "__class__ is not allowed"),
        ("script_getattr_string", "bad_script", 'id="bad_script"', "getattr() is not available"),
        ("missing_form", "formless", 'id="formless"', "'missing.schema.json' is not in the package"),
        ("missing_decision", "decide_fee", 'id="decide_fee"', "'no_such_decision' is not in any DMN file"),
        ("not_executable", "p", 'id="p"', 'no process is marked isExecutable="true"; set it in the modeler'),
        ("dead_end_gateway", "choose", 'id="choose"', "gateway has no outgoing sequence flow"),
    ],
)
def test_bad_bpmn_is_refused_with_the_element_and_line_to_fix(
    engine: Engine, fixture: str, element_id: str, needle: str, message: str
) -> None:
    errors = _errors(engine, _bad(fixture))
    matching = [e for e in errors if message in e.message]
    assert matching, errors
    assert matching[0].element_id == element_id
    assert matching[0].line == _line_of(fixture, needle)
    assert matching[0].file == f"{fixture}.bpmn"


def test_malformed_xml_is_refused_with_the_parser_line(engine: Engine) -> None:
    [error] = _errors(engine, _bad("malformed"))
    assert error.message.startswith("malformed XML")
    assert error.line == _line_of("malformed", "</bpmn:process>")


def test_entity_bomb_is_refused_quickly_without_expanding(engine: Engine) -> None:
    lol = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)
    ]
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n' + "\n".join(lol) + "\n]>\n"
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>'
    ).encode()
    started = time.perf_counter()
    [error] = _errors(engine, {"bomb.bpmn": bomb})
    assert time.perf_counter() - started < 0.5
    assert "DOCTYPE" in error.message
    assert error.line == 2


def test_oversized_file_and_unknown_extension_are_refused(engine: Engine) -> None:
    errors = _errors(engine, {"huge.bpmn": b" " * (5 * 1024 * 1024 + 1), "notes.txt": b"hello"})
    assert {e.file for e in errors} == {"huge.bpmn", "notes.txt"}
    assert any("larger than 5 MiB" in e.message for e in errors)
    assert any("unsupported file type" in e.message for e in errors)


def test_invalid_form_json_is_refused_with_its_line(engine: Engine) -> None:
    errors = _errors(engine, {"a.schema.json": b'{\n  "type": "object",\n  oops\n}'})
    assert errors[0].file == "a.schema.json"
    assert errors[0].line == 3


def test_several_problems_are_reported_together(engine: Engine) -> None:
    errors = _errors(engine, _bad("several_errors") | _bad("script_import"))
    by_element = {(e.file, e.element_id) for e in errors}
    assert ("several_errors.bpmn", "orphan_task") in by_element  # no lane
    assert ("several_errors.bpmn", "f4") in by_element  # dangling target
    assert ("several_errors.bpmn", "f3") in by_element  # a JUEL condition with no translation
    assert ("script_import.bpmn", "bad_script") in by_element
    juel = next(e for e in errors if e.element_id == "f3")
    assert "${order.items.size() > 0}" in juel.message and "method calls such as size()" in juel.message
    assert "write e.g. a Python expression over the case data" in juel.message


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"0 0 9 * * ?"</bpmn:timeCycle>', "cron"),
        (
            '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P1X"</bpmn:timeDuration>',
            "not a valid ISO 8601",
        ),
        (
            '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
            '"PT" + str(hours) + "H"</bpmn:timeDuration>',
            None,
        ),
        ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">"2030-01-31T12:00:00Z"</bpmn:timeDate>', None),
    ],
)
def test_timer_expressions_are_checked_at_deploy(engine: Engine, snippet: str, message: str | None) -> None:
    text = (FIXTURES / "bad" / "unquoted_timer.bpmn").read_text()
    start = text.index("<bpmn:timeDuration")
    end = text.index("</bpmn:timeDuration>") + len("</bpmn:timeDuration>")
    files = {"t.bpmn": (text[:start] + snippet + text[end:]).encode()}
    if message is None:
        engine.compile(files)
    else:
        [error] = _errors(engine, files)
        assert message in error.message
        assert error.element_id == "wait_hour"


def test_groovy_script_is_refused_with_advice(engine: Engine) -> None:
    text = (FIXTURES / "bad" / "script_import.bpmn").read_text()
    text = text.replace(
        '<bpmn:scriptTask id="bad_script"', '<bpmn:scriptTask scriptFormat="groovy" id="bad_script"'
    )
    [error] = _errors(engine, {"g.bpmn": text.encode()})
    assert "groovy scripts are not supported; rewrite in Python" in error.message
