"""Checking submitted data against a form's JSON schema; engine failures as API errors.

A form is checked offline: its `$ref`s resolve only inside the package's own forms (a
`referencing.Registry` that cannot retrieve anything, so no URL or file is ever opened), and
its `pattern`s, `patternProperties` and the `regex` format run on RE2 (`workflows.patterns`),
linear in the submitted text whatever the pattern. A deploy refuses forms that would need
more (see `workflows.validation.check_form_schemas`); one deployed before that fails with a
422 naming the form, never by fetching or backtracking.
"""

import logging
from functools import lru_cache
from typing import Any

import jsonschema
import referencing.exceptions
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from server.core.errors import InvalidInput, WorkflowFailed
from workflows import EngineError, ProcessPackage, UndeclaredFields
from workflows.fields import RESERVED_FIELDS, undeclared_fields
from workflows.patterns import PatternRefused, compile_pattern, search

logger = logging.getLogger("lexflow.processes")


class _FormDefect(Exception):
    """The form itself cannot be checked (a deployed form older than the deploy checks)."""


def _refuse_retrieval(uri: str) -> Resource:
    raise referencing.exceptions.NoSuchResource(ref=uri)


def _matches(pattern: str, text: str) -> bool:
    try:
        return search(pattern, text)
    except PatternRefused as exc:
        raise _FormDefect(str(exc)) from None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict, instance: Any, schema: Any) -> Any:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any, schema: Any) -> Any:
    """jsonschema's `additionalProperties`, with its patternProperties matched on RE2."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key
        for key in instance
        if key not in properties and not any(_matches(pattern, key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(each) for each in sorted(extras))
        yield ValidationError(f"Additional properties are not allowed ({listed} unexpected)")


def _is_regex(instance: object) -> bool:
    if isinstance(instance, str):
        compile_pattern(instance)
    return True


@lru_cache(maxsize=16)
def _offline_class(base: type) -> type:
    """A validator class whose pattern keywords run on RE2."""
    return jsonschema.validators.extend(
        base,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )


def _format_checker(base: type) -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    checker.checkers = {**base.FORMAT_CHECKER.checkers, "regex": (_is_regex, (PatternRefused,))}
    return checker


def _registry(package: ProcessPackage) -> Registry:
    """The package's forms, by file name, and nothing else: a `$ref` outside them is unresolvable."""
    resources = []
    for name, contents in package.forms.items():
        if isinstance(contents, dict | bool):
            try:
                resources.append((name, Resource.from_contents(contents, default_specification=DRAFT202012)))
            except referencing.exceptions.CannotDetermineSpecification:
                continue
    return Registry(retrieve=_refuse_retrieval).with_resources(resources)


class _Refusal:
    """Stands in for a validator of a form that cannot be checked offline in linear time."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def iter_errors(self, data: Any) -> Any:
        raise _FormDefect(self.reason)


def _uses_unevaluated_with_patterns(package: ProcessPackage) -> bool:
    # jsonschema finds the properties `unevaluatedProperties` covers with Python's `re`, also
    # for `patternProperties`: a deploy refuses the pair; a form deployed before is not used.
    keys: set[str] = set()
    stack: list[Any] = list(package.forms.values())
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return {"unevaluatedProperties", "patternProperties"} <= keys


_VALIDATORS: dict[tuple[str, str], Any] = {}


def _form_validator(package: ProcessPackage, form: str) -> Any:
    """The JSON-schema validator of a form, built once per package version (schemas never change)."""
    key = (package.digest, form)
    validator = _VALIDATORS.get(key)
    if validator is None:
        schema = package.forms[form]
        base = jsonschema.validators.validator_for(schema)
        if _uses_unevaluated_with_patterns(package):
            validator = _Refusal("unevaluatedProperties cannot be used together with patternProperties")
        else:
            validator = _offline_class(base)(
                schema, registry=_registry(package), format_checker=_format_checker(base)
            )
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
    try:
        found = list(_form_validator(package, form).iter_errors(data))
    except (_FormDefect, referencing.exceptions.Unresolvable) as exc:
        logger.warning("form %s of package %s cannot be checked: %s", form, package.digest[:12], exc)
        message = f"表单 {form} 无法校验 / The form {form} cannot be checked: {exc}"
        raise WorkflowFailed(message, errors={form: [message]}) from None
    for error in found:
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
