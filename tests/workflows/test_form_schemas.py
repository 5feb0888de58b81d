"""Form schemas never reach the network or the disk, and their patterns cannot backtrack."""

from __future__ import annotations

import json

import pytest

from tests.workflows.support import load_package
from workflows import DeployFailed, Engine
from workflows.patterns import pattern_problem, search


def _with_form(schema: dict, **others: dict) -> dict[str, bytes]:
    """The approval fixture with its review form replaced (one property per line, for line numbers)."""
    files = load_package("approval")
    files["review.schema.json"] = json.dumps(schema, indent=2).encode()
    for name, contents in others.items():
        files[name] = json.dumps(contents, indent=2).encode()
    return files


def _form_errors(files: dict[str, bytes]) -> list:
    with pytest.raises(DeployFailed) as failed:
        Engine().compile(files, deploying=True)
    return [error for error in failed.value.errors if error.tag == "form"]


@pytest.mark.parametrize(
    "ref",
    [
        "http://169.254.169.254/latest/meta-data",
        "https://example.org/schema.json#/x",
        "file:///etc/passwd",
        "/etc/passwd",
        "//example.org/x",
        "../../etc/passwd",
        "other.schema.json",
    ],
)
def test_a_ref_outside_the_form_and_its_package_is_refused_at_deploy_with_file_and_line(ref: str) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "leak": {"$ref": ref}}}
    [error] = _form_errors(_with_form(schema))
    assert error.file == "review.schema.json"
    assert (
        error.line == json.dumps(schema, indent=2).splitlines().index(f'      "$ref": {json.dumps(ref)}') + 1
    )
    assert "/properties/leak $ref" in error.message


def test_refs_inside_the_form_or_to_another_form_of_the_package_deploy() -> None:
    common = {"$defs": {"id_number": {"type": "string", "pattern": "^[0-9]{17}[0-9X]$"}}}
    schema = {
        "type": "object",
        "$defs": {"note": {"type": "string", "maxLength": 10}},
        "properties": {
            "notes": {"$ref": "#/$defs/note"},
            "id_number": {"$ref": "common.schema.json#/$defs/id_number"},
            # The object a const holds is data, not a schema: its "$ref" is a field, declared as one.
            "const_is_data": {
                "type": "object",
                "properties": {"$ref": {"type": "string"}},
                "const": {"$ref": "http://not-a-reference.example"},
            },
        },
    }
    Engine().compile(_with_form(schema, **{"common.schema.json": common}), deploying=True)


def test_an_absolute_id_that_would_send_references_elsewhere_is_refused() -> None:
    [error] = _form_errors(_with_form({"$id": "http://example.org/forms/", "type": "object"}))
    assert "$id" in error.message and error.line == 2


@pytest.mark.parametrize(
    ("keyword", "pattern"),
    [("pattern", "(a)\\1"), ("pattern", "^(?=x)y$"), ("pattern", "(?<!a)b"), ("patternProperties", "[")],
)
def test_a_pattern_re2_cannot_match_is_refused_at_deploy_saying_why(keyword: str, pattern: str) -> None:
    field = {"type": "string", "pattern": pattern} if keyword == "pattern" else {"type": "object"}
    if keyword == "patternProperties":
        field["patternProperties"] = {pattern: {"type": "string"}}
    [error] = _form_errors(_with_form({"type": "object", "properties": {"field": field}}))
    assert "RE2" in error.message and error.line is not None


def test_unevaluated_properties_with_pattern_properties_is_refused() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x_": {"type": "string"}},
        "unevaluatedProperties": False,
    }
    [error] = _form_errors(_with_form(schema))
    assert "unevaluatedProperties" in error.message


def test_catastrophic_patterns_match_in_linear_time() -> None:
    assert search("^(a+)+$", "a" * 100_000) is True
    assert search("^(a+)+$", "a" * 100_000 + "!") is False  # seconds per character more with `re`
    assert search("^(\\w+\\s?)*$", "an ordinary sentence " * 5000 + "!") is False
    assert search("^[\\u4e00-\\u9fa5]{2,4}$", "张三丰") is True  # ECMA-262 \u escapes read as RE2's
    assert pattern_problem("^[0-9]{17}[0-9Xx]$") is None
