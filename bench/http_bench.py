"""Part (b): the real server (gunicorn + Django + PostgreSQL) driven over loopback HTTP.

Sets up a throw-away database, deploys the bench process, starts gunicorn, and runs an
aiohttp client with N concurrent virtual users. Every loop is bounded by time and count,
and the only target is 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = "lexflow_bench"
PASSWORD = "lexflow-demo"
PROCESS_ID = "bench_approval"
HOST = "127.0.0.1"  # never anything else: load goes to loopback only
MAX_STARTS = 20_000  # count bound on top of the time bound
WARMUP_SECONDS = 3.0
WARMUP_MAX_CYCLES = 300
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


class Skip(Exception):
    """The HTTP part cannot run here; the message says why."""


# ---------------------------------------------------------------------------- setup


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="server.config.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def _fresh_database() -> str:
    return fresh_database(DB_NAME)


def fresh_database(name: str) -> str:
    """Drop and create database `name` on the local PostgreSQL; its server version."""
    try:
        import psycopg
    except ImportError as exc:
        raise Skip(f"psycopg is not installed: {exc}") from exc
    try:
        conn = psycopg.connect(ADMIN_URL, connect_timeout=3, autocommit=True)
    except psycopg.Error as exc:
        raise Skip(f"PostgreSQL not reachable at 127.0.0.1:5432 ({str(exc).strip()})") from exc
    with conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        # FORCE: a gunicorn left over from an interrupted run must not block the drop.
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return version


def _manage(repo: Path, env: dict[str, str], *args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-3000:]
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({proc.returncode}):\n{tail}")
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn in its own process group, so stopping it also stops its workers."""

    def __init__(self, repo: Path, env: dict[str, str], workers: int):
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        # Open for the server's lifetime, closed and removed in stop().
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="lexflow-bench-gunicorn-", suffix=".log", delete=False
        )
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.proc = subprocess.Popen(
            [
                str(gunicorn),
                "server.config.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{self.port}",
            ],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,  # no access log: gunicorn's default, as in docker-compose.yml
            stderr=self.log,
            start_new_session=True,
        )

    def log_tail(self, n: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-n:]

    def worker_pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


async def _wait_healthy(session: aiohttp.ClientSession, server: Gunicorn, timeout: float = 60.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if server.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            async with session.get(
                f"{server.base}/api/v1/health", timeout=aiohttp.ClientTimeout(total=2)
            ) as r:
                await r.read()
                if r.status == 200:
                    return time.perf_counter() - t0
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"/api/v1/health did not answer 200 within {timeout:.0f} s:\n{server.log_tail()}")


# ---------------------------------------------------------------------------- CPU accounting


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, user+system CPU seconds) of one process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    # Fields after comm, 0-based from state: ppid 1, utime 11, stime 12, cutime 13, cstime 14.
    # The reaped-children times matter: a PostgreSQL backend that exits (a connection closed)
    # lands in the postmaster's cutime, and would otherwise vanish from the split.
    return comm, int(rest[1]), sum(int(x) for x in rest[11:15]) / _CLK_TCK


def _all_procs() -> dict[int, tuple[str, int, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _proc_stat(int(entry))) is not None:
            out[int(entry)] = st
    return out


def _children(pid: int) -> list[int]:
    return [p for p, (_, ppid, _) in _all_procs().items() if ppid == pid]


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def background_busy_pct(seconds: float = 1.0) -> float:
    """How busy the machine is before we load it: other work here skews every figure."""
    b0, t0 = _machine_busy()
    time.sleep(seconds)
    b1, t1 = _machine_busy()
    return round(100 * (b1 - b0) / (t1 - t0), 1) if t1 > t0 else 0.0


def _cpu_snapshot(server: Gunicorn) -> dict[str, float]:
    procs = _all_procs()
    gunicorn_pids = {server.proc.pid} | {p for p, (_, ppid, _) in procs.items() if ppid == server.proc.pid}
    busy, total = _machine_busy()
    return {
        "server": sum(procs[p][2] for p in gunicorn_pids if p in procs),
        "postgres": sum(cpu for comm, _, cpu in procs.values() if comm.startswith("postgres")),
        "client": time.process_time(),
        "machine_busy": busy / _CLK_TCK,
        "machine_total": total / _CLK_TCK,
    }


def _cpu_split(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
    """CPU seconds per component over a phase, and the machine's busy share."""
    d = {k: after[k] - before[k] for k in before}
    busy_share = d["machine_busy"] / d["machine_total"] if d["machine_total"] else 0.0
    other = d["machine_busy"] - d["server"] - d["postgres"] - d["client"]
    return {
        "wall_s": round(wall, 3),
        "server_cpu_s": round(d["server"], 2),
        "postgres_cpu_s": round(d["postgres"], 2),
        "client_cpu_s": round(d["client"], 2),
        "other_cpu_s": round(max(other, 0.0), 2),
        "machine_busy_pct": round(100 * busy_share, 1),
    }


# ---------------------------------------------------------------------------- load client


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, msg: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(msg[:300])

    def summary(self, elapsed: float) -> dict:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(p: float) -> float | None:
            # Nearest-rank percentile, in milliseconds.
            return round(lat[min(n - 1, math.ceil(p * n) - 1)] * 1000, 2) if n else None

        return {
            "ok": n,
            "errors": self.errors,
            "seconds": round(elapsed, 3),
            "per_s": round(n / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if n else None,
            "error_samples": self.error_samples,
        }


class Client:
    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session = session
        self.base = base
        self.tokens: dict[str, str] = {}

    async def call(self, method: str, path: str, user: str | None, body: dict | None, stats: Stats | None):
        """One request; returns the decoded JSON on 2xx, else None (and counts an error)."""
        headers = {"Authorization": f"Token {self.tokens[user]}"} if user else {}
        t0 = time.perf_counter()
        try:
            async with self.session.request(
                method, self.base + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT
            ) as r:
                raw = await r.read()
                elapsed = time.perf_counter() - t0
                if 200 <= r.status < 300:
                    if stats is not None:
                        stats.latencies.append(elapsed)
                    return json.loads(raw) if raw else {}
                msg = f"{method} {path} -> {r.status}: {raw[:200]!r}"
        except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError) as exc:
            msg = f"{method} {path} -> {type(exc).__name__}: {exc}"
        if stats is not None:
            stats.error(msg)
        else:
            raise RuntimeError(msg)
        return None

    async def login(self, user: str) -> None:
        data = await self.call(
            "POST", "/api/v1/auth/login", None, {"username": user, "password": PASSWORD}, None
        )
        self.tokens[user] = data["token"]

    async def start(self, stats: Stats, protocol: Stats) -> tuple[int, str] | None:
        data = await self.call(
            "POST", "/api/v1/instances", "applicant", {"process": PROCESS_ID, "data": {"amount": 1}}, stats
        )
        if data is None:
            return None
        task_id = _task_id(data.get("tasks"), "review")
        if task_id is None:
            protocol.error(f"start response has no open 'review' task: {json.dumps(data)[:200]}")
            return None
        return data["id"], task_id

    async def complete_both(self, instance_id, review_id, stats: Stats, protocol: Stats) -> int:
        """Complete review (caseworker) then approve (reviewer); returns completions done."""
        data = await self.call(
            "POST", f"/api/v1/tasks/{review_id}/complete", "caseworker", {"data": {"ok": True}}, stats
        )
        if data is None:
            return 0
        approve_id = _task_id((data.get("instance") or {}).get("tasks"), "approve")
        if approve_id is None:
            # Contract fallback: read the instance; this extra GET is not a completion.
            inst = await self.call("GET", f"/api/v1/instances/{instance_id}", "reviewer", None, protocol)
            approve_id = _task_id((inst or {}).get("tasks"), "approve")
            if approve_id is None:
                protocol.error(f"no open 'approve' task after review of instance {instance_id}")
                return 1
        data = await self.call(
            "POST", f"/api/v1/tasks/{approve_id}/complete", "reviewer", {"data": {"ok": True}}, stats
        )
        return 1 if data is None else 2


def _task_id(tasks, bpmn_id: str):
    for task in tasks or ():
        if task.get("bpmn_id") == bpmn_id:
            return task["id"]
    return None


async def _pool(users: int, duration: float, job) -> float:
    """Run `job()` in `users` concurrent loops until the deadline or until a job returns False."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration

    async def worker():
        while loop.time() < deadline:
            if not await job():
                return

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(users)))
    return time.perf_counter() - t0


async def _drive(server: Gunicorn, users: int, duration: float) -> dict:
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        health_s = await _wait_healthy(session, server)
        client = Client(session, server.base)
        for user in ("applicant", "caseworker", "reviewer"):
            await client.login(user)

        # Warm-up: full cycles so both workers have imported, connected and cached everything.
        warm, protocol = Stats(), Stats()
        cycles = 0

        async def warm_job():
            nonlocal cycles
            if cycles >= WARMUP_MAX_CYCLES:
                return False
            cycles += 1
            started = await client.start(warm, protocol)
            if started:
                await client.complete_both(*started, warm, protocol)
            return True

        warm_s = await _pool(users, WARMUP_SECONDS, warm_job)
        if not warm.latencies:
            raise RuntimeError(
                f"warm-up had no successful request: {warm.error_samples + protocol.error_samples}"
            )

        # Phase 1: starts only, for `duration` seconds (and at most MAX_STARTS).
        start_stats = Stats()
        started: collections.deque = collections.deque()

        async def start_job():
            if len(started) + start_stats.errors >= MAX_STARTS:
                return False
            result = await client.start(start_stats, protocol)
            if result:
                started.append(result)
            return True

        cpu0 = _cpu_snapshot(server)
        start_s = await _pool(users, duration, start_job)
        start_cpu = _cpu_split(cpu0, _cpu_snapshot(server), start_s)

        # Phase 2: complete the started instances, review then approve, until time or work runs out.
        complete_stats = Stats()
        finished: list[int] = []

        async def complete_job():
            if not started:
                return False
            instance_id, review_id = started.popleft()
            if await client.complete_both(instance_id, review_id, complete_stats, protocol) == 2:
                finished.append(instance_id)
            return True

        cpu0 = _cpu_snapshot(server)
        complete_s = await _pool(users, duration, complete_job)
        complete_cpu = _cpu_split(cpu0, _cpu_snapshot(server), complete_s)

        # Spot check outside the timings: a finished instance should say so.
        final_status = None
        if finished:
            inst = await client.call("GET", f"/api/v1/instances/{finished[-1]}", "reviewer", None, protocol)
            final_status = (inst or {}).get("status")

    return {
        "health_wait_s": round(health_s, 2),
        "warmup": {"cycles": cycles, **warm.summary(warm_s)},
        "starts": start_stats.summary(start_s),
        "completions": complete_stats.summary(complete_s),
        "instances_finished": len(finished),
        "instances_left_open": len(started),
        "ran_out_of_instances": not started and complete_s < duration * 0.95,
        "protocol_errors": protocol.errors,
        "protocol_error_samples": protocol.error_samples,
        "final_instance_status": final_status,
        "cpu": {"starts": start_cpu, "completions": complete_cpu},
    }


# ---------------------------------------------------------------------------- entry


def run(repo: Path, bpmn_dir: Path, users: int, duration: float, workers: int = 2) -> dict:
    """Run part (b). Raises Skip when PostgreSQL is not there; other failures raise."""
    pg_version = _fresh_database()
    env = _server_env()
    setup = {
        "migrate_s": round(_manage(repo, env, "migrate", "--noinput"), 2),
        "seed_demo_s": round(_manage(repo, env, "seed_demo"), 2),
        "deploy_s": round(_manage(repo, env, "deploy_processes", str(bpmn_dir), "--public"), 2),
    }
    server = Gunicorn(repo, env, workers)
    try:
        result = asyncio.run(_drive(server, users, duration))
        if server.proc.poll() is not None:
            result["server_exit"] = server.proc.returncode
        had_errors = (
            result["starts"]["errors"] or result["completions"]["errors"] or result["protocol_errors"]
        )
        result["server_log_tail"] = server.log_tail(1500) if had_errors else ""
    finally:
        server.stop()
    return {
        "postgres_version": pg_version,
        "gunicorn_workers": workers,
        "users": users,
        "phase_duration_s": duration,
        "setup": setup,
        **result,
    }
