"""The restricted-Python policy for process scripts and expressions, with nothing else attached.

This module needs only the standard library and RestrictedPython: the sandbox process
(`workflows/sandbox_child.py`) loads it from its file, without the rest of `workflows` (no
SpiffWorkflow, no lxml), and the server process imports it for the static checks and for
the expressions it evaluates itself (see `plain_expression`).

- Sources compile with RestrictedPython, which rejects `_`-prefixed names and attributes
  statically and routes attribute/item access through guards at run time.
- A small explicit set of builtins: no `__import__`, `open`, `getattr`, `type`...; the only
  exceptions a script can name are ordinary ones (`Exception` subclasses).
- `**`, `*` and `<<` go through size checks, so an oversized number or sequence is refused
  with a clear message before it is computed. These are for the designer's benefit: what
  bounds a script's memory and CPU is the operating system, in the sandbox process.
- `check_source` is the static half, used at deploy time so most bad scripts never run.
"""

from __future__ import annotations

import ast
import base64
import datetime as _dt
import json
import math
import operator
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
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

# What a deploy also refuses (`check_source(..., strict=True)`): the ways to reach an exception
# that is not an ordinary error. Only new deploys are held to these, so that packages deployed
# before them keep loading; at run time such a script still fails with an ordinary error.
BASE_EXCEPTION_NAMES = frozenset(
    {"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit", "StopAsyncIteration"}
)
INTROSPECTION_ATTRIBUTES = frozenset({"mro", "with_traceback", "throw"})

SCRIPT_FILENAME = "<lexflow-script>"  # marks restricted code frames for the tracer
MAX_RANGE = 1_000_000  # a C-level loop cannot be interrupted by the tracer, so bound it
MAX_SEQUENCE = 10_000_000  # items/characters a `*` may produce
MAX_INT_BITS = 100_000  # about 30,000 decimal digits: far past any case figure, cheap to divide
MAX_WIRE_DEPTH = 200  # nesting of values passed to and from the sandbox process


class ScriptError(Exception):
    """A script or expression failed. `kind` says how: error, timeout, memory, refused."""

    def __init__(self, message: str, *, kind: str = "error", line: int | None = None) -> None:
        self.kind = kind
        self.line = line
        super().__init__(message)


class ScriptTimeout(BaseException):
    """Raised from the tracer; a BaseException so `except Exception:` in a script can't swallow it.

    It never leaves the code that runs the script: `run_limited` turns it into a ScriptError.
    """


# ---------------------------------------------------------------------------- guards


def _safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ValueError(f"range() larger than {MAX_RANGE} items is not allowed in scripts")
    return r


def _int_too_big(bits: int) -> ValueError:
    return ValueError(f"the result would have about {bits:,} bits; numbers are limited to {MAX_INT_BITS:,}")


def _safe_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    # (10 ** 1000) ** 10000 runs in C for seconds and would ignore the time limit.
    if mod is None:
        _check_pow_size(base, exp)
    return pow(base, exp, mod)


def _check_pow_size(base: Any, exp: Any) -> None:
    if isinstance(base, int) and isinstance(exp, int) and exp > 0 and abs(base) > 1:
        bits = math.log2(abs(base)) * exp
        if bits > MAX_INT_BITS:
            raise _int_too_big(int(bits))


def _safe_mul(a: Any, b: Any) -> Any:
    # "x" * 10 ** 10 allocates in C, beyond the tracer's reach.
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_SEQUENCE:
            raise ValueError(f"result longer than {MAX_SEQUENCE} items is not allowed in scripts")
    if isinstance(a, int) and isinstance(b, int):
        bits = a.bit_length() + b.bit_length()
        if bits > MAX_INT_BITS:
            raise _int_too_big(bits)
    return a * b


def _safe_lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _int_too_big(a.bit_length() + b)
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
    """safer_getattr, but a missing attribute raises instead of silently giving None.

    Type introspection (`Exception.mro()`) is refused too: it is the way from an ordinary
    exception class to BaseException and the other classes a script must not reach.
    """
    if name in INTROSPECTION_ATTRIBUTES:
        raise AttributeError(f"{name!r} is not available in scripts")
    value = safer_getattr(obj, name, _MISSING)
    if value is _MISSING:
        if default is not _MISSING:
            return default
        raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
    return value


def _apply(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return f(*args, **kwargs)


SAFE_BUILTINS: dict[str, Any] = {
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
EXCEPTIONS: dict[str, type[Exception]] = {
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
SAFE_BUILTINS.update(EXCEPTIONS)

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

GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
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
    **EXCEPTIONS,  # as globals too, so task data named `Exception` cannot shadow them
}


# ---------------------------------------------------------------------------- compile


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
        return node.id in EXCEPTIONS
    if isinstance(node, ast.Tuple):
        return bool(node.elts) and all(isinstance(e, ast.Name) and e.id in EXCEPTIONS for e in node.elts)
    return False


class _StaticChecker(ast.NodeVisitor):
    """What RestrictedPython lets through but we still refuse, with a designer-friendly reason."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
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
        elif self.strict and node.id in BASE_EXCEPTION_NAMES:
            self.problems.append(
                f"line {node.lineno}: {node.id} is not available in scripts; raise and catch "
                "ordinary errors such as ValueError"
            )
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.problems.append(f"line {node.lineno}: the attribute {node.attr} is not allowed")
        elif self.strict and node.attr in INTROSPECTION_ATTRIBUTES:
            self.problems.append(f"line {node.lineno}: .{node.attr} is not available in scripts")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # getattr(x, "__cl" + "ass__") is caught at run time; a literal dunder string is a
        # strong enough smell to refuse up front.
        value = node.value
        dunder = isinstance(value, str) and len(value) > 4 and value.startswith("__") and value.endswith("__")
        if dunder and value.strip("_").isidentifier():
            self.problems.append(f"line {node.lineno}: the string {node.value!r} is not allowed")


@lru_cache(maxsize=4096)
def parse(source: str, mode: str) -> ast.AST:
    """The source's syntax tree (cached; callers must not change it)."""
    return ast.parse(source, mode=mode)


@lru_cache(maxsize=4096)
def check_source(source: str, mode: str = "exec", strict: bool = False) -> tuple[str, ...]:
    """Static problems of a script (`exec`) or expression (`eval`); empty when it is acceptable.

    `strict` adds what only a new deploy refuses (see BASE_EXCEPTION_NAMES).
    """
    try:
        tree = parse(source, mode)
    except SyntaxError as exc:
        return (f"syntax error on line {exc.lineno}: {exc.msg}",)
    except (ValueError, MemoryError, RecursionError) as exc:  # NUL bytes, absurd nesting
        return (f"the source cannot be read: {type(exc).__name__}",)
    checker = _StaticChecker(strict)
    checker.visit(tree)
    if strict:
        checker.problems.extend(size_problems(tree))
    if checker.problems:
        return tuple(dict.fromkeys(checker.problems))
    result = _restricted(source, mode)
    if result.errors:
        return tuple(result.errors)
    return ()


@lru_cache(maxsize=4096)
def compile_source(source: str, mode: str) -> CodeType:
    """Restricted code for a source; a ScriptError (kind `refused`) names what is not allowed."""
    problems = check_source(source, mode)
    if problems:
        raise ScriptError("; ".join(problems), kind="refused")
    return _restricted(source, mode).code


def referenced_names(source: str, mode: str) -> frozenset[str]:
    """Every global a source can read or write: without getattr/globals/vars it can reach no other."""
    return _referenced_names(source, mode)


@lru_cache(maxsize=4096)
def _referenced_names(source: str, mode: str) -> frozenset[str]:
    return frozenset(node.id for node in ast.walk(parse(source, mode)) if isinstance(node, ast.Name))


# ---------------------------------------------------------------------------- constant sizes


def size_problems(tree: ast.AST) -> list[str]:
    """Literal arithmetic a deploy can see would be refused at run time: `'a' * 10**10`, `(10**1000)**10000`.

    Folds constant `**`, `*`, `<<` and `+` through the same size checks the run time uses (so
    nothing large is ever computed here), and checks the widths of format specs and of
    padding methods called with literal numbers.
    """
    problems: list[str] = []
    folder = _ConstantFolder()
    for node in ast.walk(tree):
        try:
            if isinstance(node, ast.BinOp):
                folder.fold(node)
            elif isinstance(node, ast.Call):
                _check_call_sizes(node, folder)
            elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
                spec = folder.fold(node.format_spec)
                if isinstance(spec, str):
                    _check_format_spec(spec)
        except ValueError as exc:
            problems.append(f"line {getattr(node, 'lineno', 0)}: {exc}")
    return problems


_UNKNOWN = object()
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class _ConstantFolder:
    def fold(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bytes):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.fold(node.operand)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return -value if isinstance(node.op, ast.USub) else value
            return _UNKNOWN
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                value = self.fold(part.value if isinstance(part, ast.FormattedValue) else part)
                if value is _UNKNOWN:
                    return _UNKNOWN
                parts.append(str(value))
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            left, right = self.fold(node.left), self.fold(node.right)
            if left is _UNKNOWN or right is _UNKNOWN:
                return _UNKNOWN
            op = {ast.Pow: _safe_pow, ast.Mult: _safe_mul, ast.LShift: _safe_lshift}.get(type(node.op))
            try:
                if op is not None:
                    return op(left, right)
                if isinstance(node.op, ast.Add):
                    strings = isinstance(left, str | bytes) and isinstance(right, str | bytes)
                    if strings and len(left) + len(right) > MAX_SEQUENCE:
                        raise ValueError(f"result longer than {MAX_SEQUENCE} items is not allowed in scripts")
                    return left + right
            except (TypeError, OverflowError, ZeroDivisionError):
                return _UNKNOWN
        return _UNKNOWN


def _check_call_sizes(node: ast.Call, folder: _ConstantFolder) -> None:
    args = [folder.fold(a) for a in node.args]
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _WIDTH_METHODS and args:
        width = args[0]
        if isinstance(width, int) and width > MAX_SEQUENCE:
            raise ValueError(f".{func.attr}({width}) makes a string longer than {MAX_SEQUENCE} characters")
    elif isinstance(func, ast.Name) and func.id == "pow" and len(args) == 2:
        _check_pow_size(*args)
    elif isinstance(func, ast.Name) and func.id == "range" and args and all(isinstance(a, int) for a in args):
        _safe_range(*args)


def _check_format_spec(spec: str) -> None:
    digits = ""
    widths = []
    for char in spec + " ":
        if char in "0123456789":  # str.isdigit() also takes '¹', which int() refuses
            digits += char
        elif digits:
            widths.append(int(digits[:12]) if len(digits) <= 12 else 10**12)
            digits = ""
    if any(width > MAX_SEQUENCE for width in widths):
        raise ValueError(f"format spec {spec[:40]!r} asks for more than {MAX_SEQUENCE} characters")


# ---------------------------------------------------------------------------- plain expressions

# Calls an in-process expression may make: each costs at most linear time in its argument and
# returns something no bigger than it (the engine's own functions are trusted server code).
_PLAIN_CALLS = frozenset({"bool", "len", "int", "float", "abs"})
_PLAIN_METHODS = frozenset({"get", "fromisoformat", "isoformat"})
_PLAIN_NODES = 64
_PLAIN_CHARS = 1000
_PLAIN_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn)


def plain_expression(source: str, functions: frozenset[str] = frozenset()) -> bool:
    """Whether an expression can only look values up, compare them and call the engine's functions.

    Such an expression has no loop, no comprehension, no function of its own and no operation
    whose result is larger than its inputs (no `*`, `**`, `<<`, `%`, formatting or padding; a
    slice is a copy of part of a value), and it builds no list or dict of its own values,
    so it finishes in time linear in the data it reads and allocates next to nothing: the
    engine evaluates it in process. Gateway conditions, DMN cells, timer and queue
    expressions are almost all of this kind. Everything else runs in the sandbox process.
    """
    return _plain(source, functions)


@lru_cache(maxsize=8192)
def _plain(source: str, functions: frozenset[str]) -> bool:
    if len(source) > _PLAIN_CHARS:
        return False
    try:
        tree = parse(source, "eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    nodes = list(ast.walk(tree))
    if len(nodes) > _PLAIN_NODES * 2:  # operator and context nodes count too
        return False
    return _plain_node(tree.body, functions)


_PLAIN_STATEMENTS = 40
_PLAIN_SCRIPT_CHARS = 4000


def plain_script(source: str, functions: frozenset[str] = frozenset()) -> bool:
    """Whether a script is only assignments of plain expressions, with `if`, `del` and `try`.

    Like a plain expression it cannot loop or grow anything: no loop, no function, no store
    into a list or dict (which could build shared structures that explode when saved), at most
    a few dozen statements. `accepted_at = now()` and `due = deadline("x", since=accepted_at)`
    are plain scripts: the engine runs them in process. Everything else runs in the sandbox.
    """
    return _plain_script(source, functions)


@lru_cache(maxsize=8192)
def _plain_script(source: str, functions: frozenset[str]) -> bool:
    if len(source) > _PLAIN_SCRIPT_CHARS:
        return False
    try:
        tree = parse(source, "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    return len(statements) <= _PLAIN_STATEMENTS and all(_plain_statement(n, functions) for n in tree.body)


def _plain_statement(node: ast.stmt, functions: frozenset[str]) -> bool:  # noqa: PLR0911
    def expression(child: ast.AST) -> bool:
        return _plain_node(child, functions)

    def block(body: list[ast.stmt]) -> bool:
        return all(_plain_statement(n, functions) for n in body)

    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) for t in node.targets) and expression(node.value)
    if isinstance(node, ast.AugAssign):
        return (
            isinstance(node.target, ast.Name)
            and isinstance(node.op, ast.Add | ast.Sub)
            and (_numeric_constant(node.value))
        )
    if isinstance(node, ast.Expr):
        return expression(node.value)
    if isinstance(node, ast.If):
        return expression(node.test) and block(node.body) and block(node.orelse)
    if isinstance(node, ast.Delete):
        return all(isinstance(t, ast.Name) for t in node.targets)
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Try):
        handlers_plain = all(h.name is None and _catchable(h.type) and block(h.body) for h in node.handlers)
        return not node.finalbody and handlers_plain and block(node.body) and block(node.orelse)
    return False


def _constant_collection(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_constant_collection(e) for e in node.elts)
    return False


def _numeric_constant(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
        and abs(node.value) < 2**63
    )


def _plain_node(node: ast.AST, functions: frozenset[str]) -> bool:  # noqa: PLR0911 - one case per node type
    def plain(child: ast.AST) -> bool:
        return _plain_node(child, functions)

    if isinstance(node, ast.Constant | ast.Name):
        return True
    if isinstance(node, ast.Attribute):
        return not node.attr.startswith("_") and plain(node.value)
    if isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, ast.Slice):  # a copy of part of the value: never longer than it
            parts = [part for part in (index.lower, index.upper, index.step) if part is not None]
            return plain(node.value) and all(plain(part) for part in parts)
        return plain(node.value) and plain(index)
    if isinstance(node, ast.Compare):
        return all(isinstance(op, _PLAIN_OPS) for op in node.ops) and all(
            plain(n) for n in (node.left, *node.comparators)
        )
    if isinstance(node, ast.BoolOp):
        return all(plain(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not | ast.USub | ast.UAdd) and plain(node.operand)
    if isinstance(node, ast.IfExp):
        return plain(node.test) and plain(node.body) and plain(node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return _constant_collection(node)
    if isinstance(node, ast.BinOp):
        # x + 1, days - 3, amount / 12: with a number on one side the result is a number too
        # (or a TypeError), never a longer string or list.
        if isinstance(node.op, ast.Add | ast.Sub):
            return (_numeric_constant(node.left) and plain(node.right)) or (
                _numeric_constant(node.right) and plain(node.left)
            )
        if isinstance(node.op, ast.Div | ast.FloorDiv):
            return _numeric_constant(node.right) and plain(node.left)
        return False
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            allowed = func.id in _PLAIN_CALLS or func.id in functions
        elif isinstance(func, ast.Attribute):
            allowed = func.attr in _PLAIN_METHODS and plain(func.value)
        else:
            allowed = False
        return (
            allowed
            and all(not isinstance(a, ast.Starred) and plain(a) for a in node.args)
            and all(k.arg is not None and plain(k.value) for k in node.keywords)
        )
    return False


# ---------------------------------------------------------------------------- running


class _Deadline:
    """A sys.settrace tracer that aborts the traced code once it has used its CPU time.

    CPU time, not wall time: on a busy machine a script waiting for a core must not fail for
    it. Reading the process's CPU clock costs a system call, so the tracer first compares the
    (cheap) wall clock with the moment the CPU time could at the earliest run out.

    Python 3.11 emits no line event for a one-line `while True: pass`, so frames of
    restricted code get per-opcode events; our own helper functions only line events.
    It keeps raising after the first timeout, so a script that catches ScriptTimeout
    with a bare `except:` still cannot keep running.
    """

    def __init__(self, seconds: float) -> None:
        self.cpu_deadline = time.process_time() + seconds
        self.next_look = time.monotonic() + seconds
        self.expired = False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and frame.f_code.co_filename == SCRIPT_FILENAME:
            frame.f_trace_opcodes = True
        if self.expired:
            raise ScriptTimeout()
        now = time.monotonic()
        if now > self.next_look:
            left = self.cpu_deadline - time.process_time()
            if left <= 0:
                self.expired = True
                raise ScriptTimeout()
            self.next_look = now + left
        return self


def timeout_message(seconds: float) -> str:
    return f"ran longer than {seconds:g} s of CPU time and was stopped"


def run_limited(seconds: float, fn: Callable[[], Any]) -> Any:
    """Run `fn` with a CPU-time limit on the restricted code it runs; a ScriptError past it."""
    tracer = _Deadline(seconds)
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return fn()
    except ScriptTimeout:
        raise ScriptError(timeout_message(seconds), kind="timeout") from None
    except Exception:
        if tracer.expired:  # the script caught the timeout and failed on something else
            raise ScriptError(timeout_message(seconds), kind="timeout") from None
        raise
    finally:
        sys.settrace(previous)


def script_globals(
    context: Mapping[str, Any],
    external_context: Mapping[str, Any] | None,
    functions: Mapping[str, Callable[..., Any]],
    names: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The globals a source runs with: helpers, then task data, then the engine's functions, then guards.

    Task data may shadow a helper (a form field called `date`); guards always win. With `names`,
    only those task-data names are copied (a source can reach no others).
    """
    g: dict[str, Any] = dict(SAFE_GLOBALS)
    if names is None:
        g.update(context)
        g.update(external_context or {})
    else:
        for name in names:  # external context (DMN's input value, data objects) wins, as above
            if external_context and name in external_context:
                g[name] = external_context[name]
            elif name in context:
                g[name] = context[name]
    g.update(functions)
    g.update(GUARDS)
    return g


def collect_changes(
    g: Mapping[str, Any],
    before: Iterator[str] | set[str],
    context: Mapping[str, Any],
    external_context: Mapping[str, Any] | None,
    functions: Mapping[str, Any],
) -> tuple[dict[str, Any], list[str]]:
    """What a script left in its globals that is task data, and the task-data names it deleted.

    Only plain data is copied back: helpers, functions and printers stay behind, and every
    value must be one JSON can store (task data is saved as JSON).
    """
    changes: dict[str, Any] = {}
    for key, value in g.items():
        if key in GUARDS or (key in SAFE_GLOBALS and value is SAFE_GLOBALS[key]):
            continue
        if key in functions and value is functions[key]:
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
        changes[key] = value
    deleted = [key for key in before if key in context and key not in g]  # `del x` in the script
    return changes, deleted


def error_line(exc: BaseException) -> int | None:
    """The line of the restricted source an exception was raised on, if it was raised there."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe(exc: BaseException) -> str:
    """`TypeName: message`, the way a designer reads an error."""
    message = str(exc)
    name = type(exc).__name__
    if isinstance(exc, KeyError) and exc.args:
        message = f"{exc.args[0]!r} is not in the data"
    return f"{name}: {message}" if message else name


# ---------------------------------------------------------------------------- values on the wire
#
# Values cross the process boundary as JSON, with tagged objects for the few non-JSON types
# scripts use (dates, Decimal, tuples, sets). Never pickle: the sandbox's output is untrusted.


def to_wire(value: Any, depth: int = 0) -> Any:
    if depth > MAX_WIRE_DEPTH:
        raise ValueError(f"the value is nested more than {MAX_WIRE_DEPTH} levels deep")
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if value.bit_length() < 4000 else {"$": "int", "v": hex(value)}
    if isinstance(value, list):
        return [to_wire(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if "$" not in value and all(isinstance(key, str) for key in value):
            return {key: to_wire(item, depth + 1) for key, item in value.items()}
        return {"$": "dict", "v": [[to_wire(k, depth + 1), to_wire(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, tuple | set | frozenset):
        return {"$": type(value).__name__, "v": [to_wire(item, depth + 1) for item in value]}
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return {"$": type(value).__name__, "v": value.isoformat()}
    if isinstance(value, _dt.timedelta):
        return {"$": "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, _dt.timezone):
        offset = value.utcoffset(None)
        return {"$": "timezone", "v": [offset.days, offset.seconds, value.tzname(None)]}
    if isinstance(value, Decimal):
        return {"$": "Decimal", "v": str(value)}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"a {type(value).__name__} value cannot be passed between a script and the engine")


_FROM_TAG: dict[str, Callable[[Any], Any]] = {
    "int": lambda v: int(v, 16),
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
    "datetime": _dt.datetime.fromisoformat,
    "date": _dt.date.fromisoformat,
    "time": _dt.time.fromisoformat,
    "timedelta": lambda v: _dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "timezone": lambda v: _dt.timezone(_dt.timedelta(days=v[0], seconds=v[1]), v[2]),
    "Decimal": Decimal,
    "bytes": base64.b64decode,
}


def from_wire(value: Any, depth: int = 0) -> Any:
    if depth > MAX_WIRE_DEPTH:
        raise ValueError(f"the value is nested more than {MAX_WIRE_DEPTH} levels deep")
    if isinstance(value, list):
        return [from_wire(item, depth + 1) for item in value]
    if isinstance(value, dict):
        tag = value.get("$")
        if tag is None:
            return {key: from_wire(item, depth + 1) for key, item in value.items()}
        items = value["v"]
        if tag == "dict":
            return {from_wire(k, depth + 1): from_wire(v, depth + 1) for k, v in items}
        if tag in ("tuple", "set", "frozenset"):
            items = [from_wire(item, depth + 1) for item in items]
        return _FROM_TAG[tag](items)
    return value
