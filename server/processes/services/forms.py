"""Checking submitted data against a form's JSON schema; engine failures as API errors."""

import logging
from typing import Any

import jsonschema

from server.core.errors import InvalidInput, WorkflowFailed
from workflows import EngineError, ProcessPackage, UndeclaredFields
from workflows.fields import RESERVED_FIELDS, undeclared_fields

logger = logging.getLogger("lexflow.processes")


_VALIDATORS: dict[tuple[str, str], Any] = {}


def _form_validator(package: ProcessPackage, form: str) -> Any:
    """The JSON-schema validator of a form, built once per package version (schemas never change)."""
    key = (package.digest, form)
    validator = _VALIDATORS.get(key)
    if validator is None:
        schema = package.forms[form]
        validator_class = jsonschema.validators.validator_for(schema)
        validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
        _VALIDATORS[key] = validator
    return validator


NOT_ON_THE_FORM = "表单中没有此字段，不能提交 / This field is not on the form and cannot be submitted."
CASE_BLOCK = "案件信息由系统设置，不能提交 / The case block is set by the server and cannot be submitted."
NO_FORM = "此步骤没有表单，不接收数据 / This step has no form and takes no data."


def validate_form(package: ProcessPackage, form: str | None, data: Any, *, prefix: str = "data") -> None:
    """Check `data` against the form's JSON schema; a 400 names every failing field by its path.

    Only the fields the form declares may be submitted (`workflows.fields`): any other field,
    however the schema sets `additionalProperties`, and the `case` block are refused by name,
    and a step without a form takes no data at all. Refused rather than dropped, so a client
    learns at once that a field it sends never reaches the case.
    """
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", {prefix: ["Must be a JSON object."]})
    schema = package.forms.get(form) if form else None
    if not schema:
        if data:
            raise InvalidInput(f"{prefix}: {NO_FORM}", {prefix: [NO_FORM]})
        return
    errors: dict[str, list[str]] = {}
    for path in undeclared_fields(schema, data, prefix=prefix):
        reserved = path.removeprefix(f"{prefix}.") in RESERVED_FIELDS
        errors[path] = [CASE_BLOCK if reserved else NOT_ON_THE_FORM]
    for error in _form_validator(package, form).iter_errors(data):
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            continue  # each such field is named above
        path = [prefix, *(str(part) for part in error.absolute_path)]
        if error.validator == "required" and isinstance(error.instance, dict):
            # Name the missing field itself, not the object that lacks it.
            for name in error.validator_value:
                if name not in error.instance:
                    errors[".".join([*path, name])] = ["必填 / This field is required."]
        else:
            errors.setdefault(".".join(path), []).append(error.message)
    if errors:
        field = min(errors)
        raise InvalidInput(f"{field}: {errors[field][0]}", dict(sorted(errors.items())))


def engine_failure(exc: EngineError) -> WorkflowFailed | InvalidInput:
    if isinstance(exc, UndeclaredFields):  # the engine's own guard, behind validate_form
        return InvalidInput(
            f"{exc.fields[0]}: {NOT_ON_THE_FORM}", {path: [NOT_ON_THE_FORM] for path in exc.fields}
        )
    where = exc.element_name or exc.element_id or "the process"
    return WorkflowFailed(f"{where}: {exc}", errors={exc.element_id or "process": [str(exc)]})
