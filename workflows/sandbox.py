"""Running scripts in sandbox processes: the server's side of `workflows/sandbox_child.py`.

A script runs in a separate process whose memory the kernel caps and whose CPU time the
server bounds: when a request has used its limit (read from /proc while it waits), the
process is killed (SIGKILL) and the script fails with an ordinary `ScriptError`. CPU time,
not wall time, so a busy machine does not fail scripts that merely waited for a core; a
request is killed after WALL_FACTOR times its limit in wall time all the same. Whatever one
C-level operation does in there, the server's process only waits on a pipe, with the GIL
free for everyone else.

Processes are kept in a small pool per memory limit and reused; one is started when none is
free (a fresh one takes about 50 ms) and a killed one is simply not returned to the pool.
Values cross as JSON (`restricted.to_wire`), never pickle. The engine's functions
(`deadline(...)` and the like, which read the database) run here, in the server, when a
script in the sandbox calls them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workflows.restricted import ScriptError, describe, from_wire, timeout_message, to_wire

logger = logging.getLogger("lexflow.sandbox")

CHILD = Path(__file__).resolve().with_name("sandbox_child.py")
GRACE_S = 0.25  # past the time limit, before the kill: the child's own timer usually answers first
WALL_FACTOR = 20  # a request is killed after this many times its limit in wall time, CPU or not
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
STARTUP_TIMEOUT_S = 30.0
MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # what a script may hand back at once
MAX_IDLE = 4
MAX_LIVE = 16  # per memory limit; more threads than that wait for a free process


class _Timeout(Exception):
    pass


class _Gone(Exception):
    pass


class SandboxProcess:
    """One child process; used by one thread at a time (the pool sees to that)."""

    def __init__(self, memory_mib: int) -> None:
        self.memory_mib = memory_mib
        self.retired = False
        self._cpu = 0.0  # the child's CPU seconds when it last answered (it uses none while idle)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [sys.executable, "-I", "-B", str(CHILD), str(memory_mib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # a terminal's Ctrl-C goes to the server, which then ends us
            cwd="/",
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        self._to = self.process.stdin.fileno()
        self._from = self.process.stdout.fileno()
        self._poller = select.poll()
        self._poller.register(self._from, select.POLLIN | select.POLLHUP | select.POLLERR)
        try:
            ready = self._receive(time.monotonic() + STARTUP_TIMEOUT_S)
        except (_Timeout, _Gone) as exc:
            self.kill()
            raise ScriptError("the script sandbox could not be started", kind="crash") from exc
        if not isinstance(ready, dict) or ready.get("ready") is not True:
            self.kill()
            raise ScriptError("the script sandbox could not be started", kind="crash")
        self._cpu = float(ready.get("cpu", 0.0))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not self.retired

    # ------------------------------------------------------------------ one request

    def run(
        self,
        mode: str,
        source: str,
        context: Mapping[str, Any],
        external: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        time_limit: float,
    ) -> dict[str, Any]:
        """Send one request and answer the child's calls until it replies; kill it on a timeout."""
        request = {
            "mode": mode,
            "source": source,
            "context": to_wire(dict(context)),
            "external": to_wire(dict(external)),
            "functions": sorted(functions),
            "time_limit": time_limit,
        }
        done = False
        try:
            self._send(request)
            started = time.monotonic()
            look = started + time_limit + GRACE_S  # when the CPU time could first have run out
            hard = started + max(time_limit * WALL_FACTOR, 10.0)
            while True:
                try:
                    message = self._receive(min(look, hard))
                except _Timeout:
                    now = time.monotonic()
                    left = time_limit + GRACE_S - (self._child_cpu() - self._cpu)
                    if left <= 0 or now >= hard:
                        raise
                    look = now + max(left, 0.05)  # it was waiting for a core: give it the rest
                    continue
                if "call" not in message:
                    done = True
                    self.retired = bool(message.get("retire"))
                    self._cpu = float(message.get("cpu", self._cpu))
                    return message
                waited = time.monotonic()
                self._send(_call(functions, message))
                paused = time.monotonic() - waited  # the server's time is not the script's
                look += paused
                hard += paused
        except _Timeout:
            raise ScriptError(timeout_message(time_limit), kind="timeout") from None
        except _Gone:
            raise self._ended() from None
        except BrokenPipeError:
            raise self._ended() from None
        finally:
            if not done:
                self.kill()  # a timeout, a crash, or the server interrupted: never reuse it

    def _child_cpu(self) -> float:
        """The child's CPU seconds so far, from /proc (where there is none: as if it used them all)."""
        try:
            with open(f"/proc/{self.process.pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            return float("inf")

    def _ended(self) -> ScriptError:
        """Why the child went away mid-request."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if code == -signal.SIGXCPU:
            return ScriptError("used more CPU time than it is allowed and was stopped", kind="timeout")
        return ScriptError(
            f"stopped the script sandbox (exit status {code}); it may have used more than "
            f"{self.memory_mib} MiB of memory",
            kind="memory",
        )

    # ------------------------------------------------------------------ framing

    def _send(self, message: Any) -> None:
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
        data = memoryview(struct.pack(">I", len(body)) + body)
        while data:
            data = data[os.write(self._to, data) :]

    def _read(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._poller.poll(max(1, int(remaining * 1000))):
                raise _Timeout()
            chunk = os.read(self._from, min(n - len(buf), 1 << 20))
            if not chunk:
                raise _Gone()
            buf += chunk
        return bytes(buf)

    def _receive(self, deadline: float) -> Any:
        (length,) = struct.unpack(">I", self._read(4, deadline))
        if length > MAX_MESSAGE_BYTES:
            self.kill()
            raise ScriptError(
                f"handed back more than {MAX_MESSAGE_BYTES // (1024 * 1024)} MiB of data", kind="memory"
            )
        return json.loads(self._read(length, deadline))

    # ------------------------------------------------------------------ ending

    def close(self) -> None:
        """Let an idle child end by itself (EOF on its input), or kill it if it does not."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        finally:
            self.process.stdout.close()

    def kill(self) -> None:
        self.retired = True
        try:
            self.process.kill()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            logger.warning("sandbox process %s did not end when killed", self.process.pid)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def _call(functions: Mapping[str, Callable[..., Any]], message: Mapping[str, Any]) -> dict[str, Any]:
    """Run one of the engine's functions for the script; its errors go back as ordinary ones."""
    function = functions.get(message.get("call"))
    if function is None:
        return {"raise": {"type": "NameError", "message": f"{message.get('call')!r} is not defined"}}
    try:
        args = from_wire(message.get("args") or [])
        kwargs = from_wire(message.get("kwargs") or {})
        return {"return": to_wire(function(*args, **kwargs))}
    except Exception as exc:  # a function's failure is the script's ordinary error
        message = describe(exc).partition(": ")[2] or str(exc)
        return {"raise": {"type": type(exc).__name__, "message": message}}


class SandboxPool:
    """Sandbox processes of one memory limit, reused across requests and threads."""

    def __init__(self, memory_mib: int) -> None:
        self.memory_mib = memory_mib
        self._idle: list[SandboxProcess] = []
        self._live = 0
        self._cond = threading.Condition()

    def run(
        self,
        mode: str,
        source: str,
        context: Mapping[str, Any],
        external: Mapping[str, Any],
        functions: Mapping[str, Callable[..., Any]],
        time_limit: float,
    ) -> dict[str, Any]:
        child = self._acquire()
        try:
            return child.run(mode, source, context, external, functions, time_limit)
        finally:
            self._release(child)

    def _acquire(self) -> SandboxProcess:
        with self._cond:
            while True:
                while self._idle:
                    child = self._idle.pop()
                    if child.alive:
                        return child
                    self._live -= 1
                    child.kill()  # ended while idle (killed from outside): just tidy up
                if self._live < MAX_LIVE:
                    self._live += 1
                    break
                self._cond.wait()
        try:
            return SandboxProcess(self.memory_mib)
        except BaseException:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise

    def _release(self, child: SandboxProcess) -> None:
        with self._cond:
            if child.alive and len(self._idle) < MAX_IDLE:
                self._idle.append(child)
                self._cond.notify()
                return
            self._live -= 1
            self._cond.notify()
        if child.process.poll() is None:
            child.close()

    def shutdown(self) -> None:
        with self._cond:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for child in idle:
            child.close()

    def forget(self) -> None:
        """After a fork: the processes belong to the parent; drop them here without a word to them."""
        for child in self._idle:
            for stream in (child.process.stdin, child.process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
        self._idle = []
        self._live = 0
        self._cond = threading.Condition()


_POOLS: dict[int, SandboxPool] = {}
_POOLS_LOCK = threading.Lock()


def pool(memory_mib: int) -> SandboxPool:
    """The pool of sandbox processes for a memory limit (MiB), made on first use."""
    found = _POOLS.get(memory_mib)
    if found is None:
        with _POOLS_LOCK:
            found = _POOLS.setdefault(memory_mib, SandboxPool(memory_mib))
    return found


def _shutdown() -> None:
    for each in list(_POOLS.values()):
        each.shutdown()


def _forget_after_fork() -> None:
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()
    for each in _POOLS.values():
        each.forget()


atexit.register(_shutdown)
os.register_at_fork(after_in_child=_forget_after_fork)
