"""Restricted execution of BPMN scripts and expressions (ENGINE-NOTES trap 4).

SpiffWorkflow runs scripts with plain `exec`/`eval` and full builtins. Everything a
process designer writes (scripts, gateway conditions, timer/due/priority expressions,
DMN cells, service parameters) goes through `RestrictedScriptEngine` instead:

- compiled with RestrictedPython, which rejects `_`-prefixed names and attributes
  statically and routes attribute/item access through guards at run time;
- a small explicit set of builtins, with no `__import__`, `open`, `getattr`, `type`...;
- a wall-clock limit per script/expression, enforced with `sys.settrace` in the running
  thread (no `signal.alarm`, so it works in Celery and web worker threads).

`check_source` is the static half, used at deploy time so most bad scripts never run.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
import math
import operator
import sys
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache, partial
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from workflows.api import BpmnError, EngineError

# Names that are never legitimate in a process script; rejected statically so a designer
# hears about them at deploy time instead of as a NameError at run time.
FORBIDDEN_NAMES = frozenset(
    {
        "getattr",
        "setattr",
        "delattr",
        "eval",
        "exec",
        "compile",
        "open",
        "globals",
        "locals",
        "vars",
        "breakpoint",
        "input",
        "memoryview",
        "help",
        "exit",
        "quit",
    }
)

SCRIPT_FILENAME = "<lexflow-script>"  # marks restricted code frames for the tracer
MAX_RANGE = 1_000_000  # a C-level loop cannot be interrupted by the tracer, so bound it


class ScriptTimeout(BaseException):
    """Raised from the tracer; a BaseException so `except Exception:` in a script can't swallow it."""


def _safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ValueError(f"range() larger than {MAX_RANGE} items is not allowed in scripts")
    return r


def _safe_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    # 10 ** 10 ** 10 runs in C and would ignore the time limit.
    if isinstance(exp, int) and abs(exp) > 10_000 and not (isinstance(base, int) and abs(base) <= 1):
        raise ValueError("exponent too large")
    return pow(base, exp, mod)


MAX_SEQUENCE = 10_000_000  # items/characters a `*` may produce


def _safe_mul(a: Any, b: Any) -> Any:
    # "x" * 10 ** 10 allocates in C, beyond the tracer's reach.
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
            raise ValueError(f"result longer than {MAX_SEQUENCE} items is not allowed in scripts")
    return a * b


def _safe_lshift(a: Any, b: Any) -> Any:
    if isinstance(b, int) and b > 10_000:
        raise ValueError("shift too large")
    return a << b


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    fn = _INPLACE_OPS.get(op)
    if fn is None:
        raise SyntaxError(f"in-place operator {op} is not allowed")
    return fn(x, y)


_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": _safe_mul,
    "**=": lambda x, y: _safe_pow(x, y),
    "<<=": _safe_lshift,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "|=": operator.ior,
    "&=": operator.iand,
}


_MISSING = object()


def _guarded_getattr(obj: Any, name: str, default: Any = _MISSING) -> Any:
    """safer_getattr, but a missing attribute raises instead of silently giving None."""
    value = safer_getattr(obj, name, _MISSING)
    if value is _MISSING:
        if default is not _MISSING:
            return default
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
    return value


def _apply(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return f(*args, **kwargs)


_SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "dict": dict,
    "divmod": divmod,
    "enumerate": enumerate,
    "filter": filter,
    "float": float,
    "int": int,
    "isinstance": isinstance,
    "len": len,
    "list": list,
    "map": map,
    "max": max,
    "min": min,
    "pow": _safe_pow,
    "range": _safe_range,
    "reversed": reversed,
    "round": round,
    "set": set,
    "sorted": sorted,
    "str": str,
    "sum": sum,
    "tuple": tuple,
    "zip": zip,
}

# Exceptions a script may raise or catch: all Exception subclasses, never BaseException,
# so the time limit's ScriptTimeout cannot be caught.
_EXCEPTIONS: dict[str, type[Exception]] = {
    e.__name__: e
    for e in (
        Exception,
        ArithmeticError,
        AttributeError,
        IndexError,
        KeyError,
        LookupError,
        NameError,
        TypeError,
        ValueError,
        ZeroDivisionError,
    )
}
_SAFE_BUILTINS.update(_EXCEPTIONS)

# Helpers exposed as globals (the script sees them as names, like builtins).
SAFE_GLOBALS: dict[str, Any] = {
    "datetime": _dt.datetime,
    "date": _dt.date,
    "timedelta": _dt.timedelta,
    "timezone": _dt.timezone,
    "Decimal": Decimal,
    "floor": math.floor,
    "ceil": math.ceil,
}

_GUARDS: dict[str, Any] = {
    "__builtins__": _SAFE_BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_print_": PrintCollector,
    "_pow_": _safe_pow,
    "_mul_": _safe_mul,
    "_lshift_": _safe_lshift,
    **_EXCEPTIONS,  # as globals too, so task data named `Exception` cannot shadow them
}


class _Transformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus `**`, `*` and `<<` routed through size-checking helpers."""

    _HELPERS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_"}

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = self.node_contents_visit(node)
        helper = self._HELPERS.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


def _restricted(source: str, mode: str) -> Any:
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    return compiler(source, SCRIPT_FILENAME, policy=_Transformer)


def _catchable(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Name):
        return node.id in _EXCEPTIONS
    if isinstance(node, ast.Tuple):
        return bool(node.elts) and all(isinstance(e, ast.Name) and e.id in _EXCEPTIONS for e in node.elts)
    return False


class _StaticChecker(ast.NodeVisitor):
    """What RestrictedPython lets through but we still refuse, with a designer-friendly reason."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        self.problems.append(f"line {node.lineno}: import statements are not allowed in scripts")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.problems.append(f"line {node.lineno}: import statements are not allowed in scripts")

    def visit_Try(self, node: ast.Try) -> None:
        # The time limit raises from a trace function, which switches tracing off; code
        # that could catch that exception (bare except, BaseException) or run after it
        # (finally) would then run unbounded. Only named Exception subclasses may be caught.
        if node.finalbody:
            self.problems.append(f"line {node.lineno}: try/finally is not allowed in scripts")
        for handler in node.handlers:
            if not _catchable(handler.type):
                self.problems.append(
                    f"line {handler.lineno}: catch specific exceptions only, "
                    "e.g. except (ValueError, KeyError):"
                )
        self.generic_visit(node)

    def visit_TryStar(self, node: ast.AST) -> None:
        self.problems.append(f"line {getattr(node, 'lineno', 0)}: except* is not allowed in scripts")

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("__"):
            self.problems.append(f"line {node.lineno}: the name {node.id} is not allowed")
        elif node.id in FORBIDDEN_NAMES and isinstance(node.ctx, ast.Load):
            self.problems.append(f"line {node.lineno}: {node.id}() is not available in scripts")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.problems.append(f"line {node.lineno}: the attribute {node.attr} is not allowed")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # getattr(x, "__cl" + "ass__") is caught at run time; a literal dunder string is a
        # strong enough smell to refuse up front.
        value = node.value
        dunder = isinstance(value, str) and len(value) > 4 and value.startswith("__") and value.endswith("__")
        if dunder and value.strip("_").isidentifier():
            self.problems.append(f"line {node.lineno}: the string {node.value!r} is not allowed")


@lru_cache(maxsize=4096)
def check_source(source: str, mode: str = "exec") -> tuple[str, ...]:
    """Static problems of a script (`exec`) or expression (`eval`); empty when it is acceptable."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return (f"syntax error on line {exc.lineno}: {exc.msg}",)
    checker = _StaticChecker()
    checker.visit(tree)
    if checker.problems:
        return tuple(dict.fromkeys(checker.problems))
    result = _restricted(source, mode)
    if result.errors:
        return tuple(result.errors)
    return ()


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> CodeType:
    problems = check_source(source, mode)
    if problems:
        raise SyntaxError("; ".join(problems))
    return _restricted(source, mode).code


class _Deadline:
    """A sys.settrace tracer that aborts the traced code once the deadline has passed.

    Python 3.11 emits no line event for a one-line `while True: pass`, so frames of
    restricted code get per-opcode events; our own helper functions only line events.
    It keeps raising after the first timeout, so a script that catches ScriptTimeout
    with a bare `except:` still cannot keep running.
    """

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.expired = False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename == SCRIPT_FILENAME:
            frame.f_trace_opcodes = True
        if self.expired or time.monotonic() > self.deadline:
            self.expired = True
            raise ScriptTimeout()
        return self


def _run_limited(seconds: float, fn: Callable[[], Any]) -> Any:
    tracer = _Deadline(seconds)
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn()
    except Exception:
        if tracer.expired:  # the script caught the timeout and failed on something else
            raise ScriptTimeout() from None
        raise
    finally:
        sys.settrace(previous)


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that compiles with RestrictedPython and bounds run time."""

    def __init__(
        self, time_limit: float = 1.0, functions: Mapping[str, Callable[..., Any]] | None = None
    ) -> None:
        super().__init__(dict(SAFE_GLOBALS))
        self.time_limit = time_limit
        self.functions = dict(functions or {})

    def _globals(self, context: Mapping[str, Any], external_context: Mapping[str, Any] | None) -> dict:
        # Task data may shadow a helper (a form field called `date`); guards always win.
        g: dict[str, Any] = dict(SAFE_GLOBALS)
        g.update(context)
        g.update(external_context or {})
        for name, function in self.functions.items():
            g[name] = partial(function, dict(context))
        g.update(_GUARDS)
        return g

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = _compile(expression.strip(), "eval")
        g = self._globals(context, external_context)
        return _run_limited(self.time_limit, lambda: eval(code, g))  # noqa: S307 - restricted code

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = _compile(script, "exec")
        g = self._globals(context, external_context)
        before = set(g)
        _run_limited(self.time_limit, lambda: exec(code, g))  # noqa: S102 - restricted code
        # Copy back only plain data the script assigned; drop helpers, functions, printers.
        for key, value in g.items():
            if key in _GUARDS or (key in SAFE_GLOBALS and value is SAFE_GLOBALS[key]):
                continue
            if key in self.functions and isinstance(value, partial):
                continue
            if key.startswith("_") or callable(value):
                continue
            if external_context and key in external_context and key not in context:
                continue
            try:
                json.dumps(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"variable {key!r} holds a {type(value).__name__}, which cannot be saved as task "
                    "data; store plain values (use .isoformat() for dates)"
                ) from exc
            context[key] = value
        for key in list(context):
            if key not in g and key in before:
                context.pop(key)  # `del x` in the script
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every Lexflow workflow runs with."""

    def __init__(
        self,
        *,
        services: Mapping[str, Callable[[dict], Any]] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        time_limit: float = 1.0,
    ) -> None:
        super().__init__(environment=RestrictedEnvironment(time_limit, functions))
        self.services = dict(services or {})

    def validate(self, expression: str) -> None:
        # DMN uses validate() to probe whether a cell parses; keep plain ast semantics.
        ast.parse(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except ScriptTimeout:
            raise _timeout_error(task, self.environment.time_limit) from None

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        try:
            return super().execute(task, script, external_context)
        except ScriptTimeout:
            raise _timeout_error(task, self.environment.time_limit) from None

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


def _timeout_error(task: Any, limit: float) -> EngineError:
    spec = task.task_spec
    return element_error(
        spec, f"{spec.bpmn_id or spec.name}: script or expression ran longer than {limit:g} s and was stopped"
    )
