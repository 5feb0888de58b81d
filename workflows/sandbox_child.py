"""The sandbox process: runs process scripts one at a time, under operating-system limits.

`workflows.sandbox` starts it as `python -I -B sandbox_child.py MEMORY_MIB`. It loads the
policy from `restricted.py` beside this file, by path (not the `workflows` package: no
SpiffWorkflow, lxml or Django in here), then limits itself before it runs anything:

- address space: what it has after start-up plus MEMORY_MIB, so any allocation past that
  fails with MemoryError, whatever single operation asks for it;
- CPU time: each request's time limit is CPU time, counted by the tracer for Python code and
  by the parent (from /proc) for one long C call; RLIMIT_CPU, moved before each request to
  what it has used plus the limit and a margin, ends it if the parent's kill ever fails to;
- no file writes, no core dumps; SIGKILL when the parent dies.

The parent kills it outright when a request outlives its time limit: a C-level operation
(`(10**1000)**10000`) holds this process, never the server's.

Protocol on stdin/stdout: a 4-byte big-endian length, then JSON. Requests are
`{"mode", "source", "context", "external", "functions", "time_limit"}`; while a script
runs, the child may ask the parent to call one of the engine's functions
(`{"call", "args", "kwargs"}` -> `{"return"}` or `{"raise"}`); the answer is
`{"ok": true, "value"}` (eval), `{"ok": true, "changes", "deleted"}` (exec) or
`{"ok": false, "kind", "message", "line"}`, with `"retire": true` when the child is
about to exit (after a MemoryError, or when it has served enough requests).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import signal
import struct
import sys
import time
from typing import Any

RETIRE_AFTER = 5000  # requests; a fresh process now and then keeps fragmentation in check
CPU_MARGIN_S = 2


def _load_policy() -> Any:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "restricted.py")
    spec = importlib.util.spec_from_file_location("lexflow_restricted", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's atexit and EOF still end us
        pass


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 512 * 1024 * 1024


def _limit(memory_mib: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    limit = _address_space() + memory_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds) + CPU_MARGIN_S
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


class _Channel:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def _read_exact(self, n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            chunk = os.read(self.read_fd, n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def receive(self) -> Any:
        header = self._read_exact(4)
        if header is None:
            return None
        body = self._read_exact(struct.unpack(">I", header)[0])
        return None if body is None else json.loads(body)

    def send(self, message: Any) -> None:
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
        data = memoryview(struct.pack(">I", len(body)) + body)
        while data:
            data = data[os.write(self.write_fd, data) :]


def _function_proxy(policy: Any, channel: _Channel, name: str) -> Any:
    """A stand-in for one of the engine's functions: the parent runs it, with the case's data."""

    def call(*args: Any, **kwargs: Any) -> Any:
        channel.send({"call": name, "args": policy.to_wire(list(args)), "kwargs": policy.to_wire(kwargs)})
        reply = channel.receive()  # waiting uses no CPU time: the script's limit is not touched
        if reply is None:
            os._exit(0)  # the parent is gone
        if "raise" in reply:
            error = reply["raise"]
            raise policy.EXCEPTIONS.get(error.get("type"), Exception)(error.get("message", ""))
        return policy.from_wire(reply["return"])

    call.__name__ = name
    return call


def _serve(policy: Any, channel: _Channel, request: dict[str, Any]) -> dict[str, Any]:
    mode = request["mode"]
    limit = float(request["time_limit"])
    _limit_cpu(limit)
    functions = {name: _function_proxy(policy, channel, name) for name in request.get("functions", ())}
    line = None
    try:
        context = policy.from_wire(request.get("context") or {})
        external = policy.from_wire(request.get("external") or {})
        code = policy.compile_source(request["source"], mode)
        g = policy.script_globals(context, external, functions)
        if mode == "eval":
            value = policy.run_limited(limit, lambda: eval(code, g))  # noqa: S307 - restricted code
            return {"ok": True, "value": policy.to_wire(value)}
        policy.run_limited(limit, lambda: exec(code, g))  # noqa: S102 - restricted code
        changes, deleted = policy.collect_changes(g, set(context), context, external, functions)
        return {"ok": True, "changes": policy.to_wire(changes), "deleted": deleted}
    except policy.ScriptError as exc:
        return {"ok": False, "kind": exc.kind, "message": str(exc), "line": exc.line}
    except MemoryError:
        # The limit may leave this process short of memory in odd places: answer and go.
        return {"ok": False, "kind": "memory", "message": "", "line": None, "retire": True}
    except BaseException as exc:  # noqa: BLE001 - whatever a script raises becomes an answer
        line = policy.error_line(exc)
        if isinstance(exc, Exception):
            return {"ok": False, "kind": "error", "message": policy.describe(exc), "line": line}
        # SystemExit, KeyboardInterrupt, GeneratorExit, BaseException itself: scripts may not
        # raise these, and in here they are only words in an answer.
        message = (
            f"the script raised {type(exc).__name__}, which scripts may not raise; "
            "raise an ordinary error such as ValueError"
        )
        return {"ok": False, "kind": "refused", "message": message, "line": line}


def main() -> None:
    memory_mib = int(sys.argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it stops us
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # nothing a script triggers can write into the protocol
        os.dup2(devnull, fd)
    policy = _load_policy()
    import _strptime  # noqa: F401 - datetime.strptime imports it on first use; do it before the limits

    _die_with_parent()
    _limit(memory_mib)
    channel = _Channel(read_fd, write_fd)
    channel.send({"ready": True, "cpu": time.process_time()})
    served = 0
    while True:
        request = channel.receive()
        if request is None:
            return
        try:
            reply = _serve(policy, channel, request)
        except MemoryError:
            reply = {"ok": False, "kind": "memory", "message": "", "line": None, "retire": True}
        served += 1
        if served >= RETIRE_AFTER:
            reply["retire"] = True
        reply["cpu"] = time.process_time()  # the parent's kill counts CPU time from here
        try:
            channel.send(reply)
        except MemoryError:
            channel.send({"ok": False, "kind": "memory", "message": "", "line": None, "retire": True})
        except (TypeError, ValueError) as exc:  # a value json cannot write (e.g. a huge int)
            channel.send({"ok": False, "kind": "error", "message": policy.describe(exc), "line": None})
        if reply.get("retire"):
            return


if __name__ == "__main__":
    main()
