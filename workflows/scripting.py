"""Where BPMN scripts and expressions run (ENGINE-NOTES trap 4).

SpiffWorkflow runs scripts with plain `exec`/`eval` and full builtins. Everything a
process designer writes (scripts, gateway conditions, timer/due/priority expressions,
DMN cells, service parameters, message correlations) goes through `RestrictedEnvironment`
instead, under the policy of `workflows.restricted`, in one of two places:

- **in process**, for a *plain* expression or script (`restricted.plain_expression`,
  `restricted.plain_script`): one that only looks values up, compares them, assigns them and
  calls the engine's functions. Nothing in it can loop, allocate or hold the interpreter, so
  it costs what it always cost (less: it needs no time-limit tracer).
- **in a sandbox process** (`workflows.sandbox`) for every script and every other
  expression: the kernel caps its memory, the server kills it when it outlives its time
  limit, and whatever it raises comes back as an ordinary `ScriptError`.

Either way the caller sees an `EngineError` located on the element, never a BaseException.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from workflows import sandbox
from workflows.api import BpmnError, EngineError
from workflows.restricted import (
    FORBIDDEN_NAMES,
    SAFE_GLOBALS,
    ScriptError,
    check_source,
    collect_changes,
    compile_source,
    describe,
    error_line,
    from_wire,
    plain_expression,
    plain_script,
    referenced_names,
    script_globals,
)

__all__ = [
    "FORBIDDEN_NAMES",
    "DEFAULT_MEMORY_MIB",
    "RestrictedEnvironment",
    "RestrictedScriptEngine",
    "ScriptError",
    "check_source",
    "element_error",
]

DEFAULT_MEMORY_MIB = 256


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment: plain expressions in process, everything else in the sandbox."""

    def __init__(
        self,
        time_limit: float = 1.0,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        memory_limit: int = DEFAULT_MEMORY_MIB,
    ) -> None:
        super().__init__(dict(SAFE_GLOBALS))
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.functions = dict(functions or {})
        self._function_names = frozenset(self.functions)

    def _bound_functions(self, names: frozenset[str], context: Mapping[str, Any]) -> dict[str, Any]:
        # Each function receives the task data as it stood when the source started.
        used = [name for name in self.functions if name in names]
        if not used:
            return {}
        data = dict(context)
        return {name: partial(self.functions[name], data) for name in used}

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        source = expression.strip()
        code = compile_source(source, "eval")  # a ScriptError when the source is refused
        names = referenced_names(source, "eval")
        if plain_expression(source, self._function_names):
            g = script_globals(context, external_context, self._bound_functions(names, context), names)
            return eval(code, g)  # noqa: S307 - restricted, plain (see restricted.plain_expression)
        reply = self._sandboxed("eval", source, names, context, external_context)
        return from_wire(reply["value"])

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = compile_source(script, "exec")  # refused sources fail here, without a round trip
        names = referenced_names(script, "exec")
        if plain_script(script, self._function_names):
            functions = self._bound_functions(names, context)
            g = script_globals(context, external_context, functions, names)
            try:
                exec(code, g)  # noqa: S102 - restricted, plain (see restricted.plain_script)
                changes, deleted = collect_changes(g, names, context, external_context, functions)
            except Exception as exc:  # said as the sandbox says it, wherever the script ran
                raise ScriptError(describe(exc), line=error_line(exc)) from exc
        else:
            reply = self._sandboxed("exec", script, names, context, external_context)
            changes, deleted = from_wire(reply["changes"]), reply["deleted"]
        context.update(changes)
        for name in deleted:
            context.pop(name, None)
        return True

    def _sandboxed(
        self,
        mode: str,
        source: str,
        names: frozenset[str],
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        # Only the data the source names goes across: it can reach no other.
        sent = {name: context[name] for name in names if name in context}
        external = {
            name: external_context[name] for name in names if external_context and name in external_context
        }
        reply = sandbox.pool(self.memory_limit).run(
            mode, source, sent, external, self._bound_functions(names, context), self.time_limit
        )
        if not reply.get("ok"):
            kind = reply.get("kind", "error")
            message = reply.get("message") or ""
            if kind == "memory":
                message = message or f"used more than {self.memory_limit} MiB of memory and was stopped"
            raise ScriptError(message, kind=kind, line=reply.get("line"))
        return reply


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every Lexflow workflow runs with."""

    def __init__(
        self,
        *,
        services: Mapping[str, Callable[[dict], Any]] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        time_limit: float = 1.0,
        memory_limit: int = DEFAULT_MEMORY_MIB,
    ) -> None:
        super().__init__(environment=RestrictedEnvironment(time_limit, functions, memory_limit))
        self.services = dict(services or {})

    def validate(self, expression: str) -> None:
        # DMN uses validate() to probe whether a cell parses; keep plain ast semantics.
        ast.parse(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as exc:
            raise script_error(task, exc, f"expression {expression.strip()!r}") from None
        except SpiffWorkflowException as exc:
            exc.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}'", task=task, exception=exc
            ) from exc

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptError as exc:
            raise script_error(task, exc, "script") from None
        except Exception as exc:
            raise self.create_task_exec_exception(task, script, exc) from exc

    def call_service(
        self, task: Any, operation_name: str = "", operation_params: dict | None = None, **_: Any
    ) -> str:
        """Dispatch a service task to a registered Python callable; the result must be JSON."""
        spec = task.task_spec
        handler = self.services.get(operation_name)
        if handler is None:
            raise element_error(
                spec,
                f"service task {spec.bpmn_id} calls unknown service {operation_name!r}",
            )
        params = {name: p.get("value") for name, p in (operation_params or {}).items()}
        try:
            result = handler(params)
        except BpmnError as exc:
            exc.task_id = task.id  # the engine routes it to the error boundary event on this task
            raise
        except EngineError:
            raise
        except Exception as exc:  # an unexpected failure stays an error, located on the task
            raise element_error(spec, f"{spec.bpmn_id}: service {operation_name!r} failed: {exc}") from exc
        try:
            return json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise element_error(
                spec,
                f"service {operation_name!r} returned a value that is not JSON: {exc}",
            ) from exc


def element_error(spec: Any, message: str) -> EngineError:
    """An EngineError located on a task spec's BPMN element."""
    return EngineError(message, element_id=spec.bpmn_id, element_name=getattr(spec, "bpmn_name", None))


def script_error(task: Any, exc: ScriptError, what: str) -> EngineError:
    """A failed script or expression as the designer and the caseworker read it."""
    spec = task.task_spec
    where = spec.bpmn_id or spec.name
    if exc.kind == "timeout":
        return element_error(spec, f"{where}: script or expression {exc} ".rstrip())
    line = f" (line {exc.line})" if exc.line else ""
    return element_error(spec, f"{where}: {what} failed{line}: {exc}")
