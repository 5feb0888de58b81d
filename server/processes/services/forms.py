"""Checking submitted data against a form's JSON schema; engine failures as API errors."""

import logging
from typing import Any

import jsonschema

from server.core.errors import InvalidInput, WorkflowFailed
from workflows import EngineError, ProcessPackage

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


def validate_form(package: ProcessPackage, form: str | None, data: Any, *, prefix: str = "data") -> None:
    """Check `data` against the form's JSON schema; a 400 names every failing field by its path."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", {prefix: ["Must be a JSON object."]})
    if not form or not package.forms.get(form):
        return
    errors: dict[str, list[str]] = {}
    for error in _form_validator(package, form).iter_errors(data):
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


def engine_failure(exc: EngineError) -> WorkflowFailed:
    where = exc.element_name or exc.element_id or "the process"
    return WorkflowFailed(f"{where}: {exc}", errors={exc.element_id or "process": [str(exc)]})
