"""Lexflow benchmark: the bare engine in process (a), the real server over HTTP (b), and b/a (c).

Usage: .venv/bin/python bench/run.py [--only inprocess|http|background] [--duration S] [--users N]

(d) background work: render time per official-notice template, and a burst of timers all
due at one moment fired by one and two timer workers beside a document worker's backlog.

Prints a table and writes bench/results/latest.json. It reports against the targets
(>= 300 task completions/s over HTTP, >= 25% of the in-process rate) but asserts nothing:
the exit code is 0 unless the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import sys
import traceback
from importlib.metadata import version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))  # run as a script: the sibling modules are not a package

import background_bench  # noqa: E402
import http_bench  # noqa: E402
import inprocess  # noqa: E402

BPMN_DIR = BENCH / "processes" / "approval"
RESULTS = BENCH / "results" / "latest.json"
TARGET_HTTP_COMPLETIONS = 300.0
TARGET_RATIO = 0.25
DEFAULT_INPROCESS_S = 3.0
DEFAULT_HTTP_S = 10.0
BUSY_WARN_PCT = 15.0


def _fmt(x, unit: str = "", digits: int = 0) -> str:
    return "-" if x is None else f"{x:,.{digits}f}{unit}"


def _previous_inprocess() -> dict | None:
    """With --only http, compare against the last in-process figures from this machine."""
    try:
        prev = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return None
    ref = prev.get("inprocess") or prev.get("inprocess_reference")
    if ref and "completions_per_s" in ref and prev.get("machine", {}).get("cpu_count") == os.cpu_count():
        return {**ref, "from_run_at": ref.get("from_run_at", prev.get("timestamp"))}
    return None


def _print_report(report: dict) -> None:
    m = report["machine"]
    print()
    print(
        f"Lexflow benchmark  {report['timestamp']}  {m['cpu_count']} CPUs  Python {m['python']}  "
        f"SpiffWorkflow {m['spiffworkflow']}  (machine {m['background_busy_pct']:.0f}% busy before the run)"
    )
    if m["background_busy_pct"] > BUSY_WARN_PCT:
        print(
            f"WARNING: the machine was {m['background_busy_pct']:.0f}% busy before the run "
            "(other processes): the figures below are low by about that much"
        )
    header = (
        f"{'':28}{'starts/s':>10}{'completions/s':>15}"
        f"{'start p50/p99 ms':>20}{'complete p50/p99 ms':>22}{'errors':>8}"
    )
    print(header)
    print("-" * len(header))

    a = report.get("inprocess") or report.get("inprocess_reference")
    if a:
        label = "(a) in-process" if report.get("inprocess") else "(a) in-process (prev run)"
        print(
            f"{label:28}{_fmt(a['starts_per_s']):>10}{_fmt(a['completions_per_s']):>15}"
            f"{_fmt(a['start_p50_ms'], digits=2) + ' / ' + _fmt(a['start_p99_ms'], digits=2):>20}"
            f"{_fmt(a['complete_p50_ms'], digits=2) + ' / ' + _fmt(a['complete_p99_ms'], digits=2):>22}"
            f"{'0':>8}"
        )
    else:
        print(f"{'(a) in-process':28}  not run")

    b = report.get("http")
    if b and "starts" in b:
        s, c = b["starts"], b["completions"]
        errors = s["errors"] + c["errors"] + b["protocol_errors"]
        print(
            f"{'(b) HTTP + PostgreSQL':28}{_fmt(s['per_s']):>10}{_fmt(c['per_s']):>15}"
            f"{_fmt(s['p50_ms'], digits=1) + ' / ' + _fmt(s['p99_ms'], digits=1):>20}"
            f"{_fmt(c['p50_ms'], digits=1) + ' / ' + _fmt(c['p99_ms'], digits=1):>22}{errors:>8}"
        )
    elif b:
        # The first line only: a failure's full text was printed above as it happened.
        reason = (b.get("skipped") or b.get("failed")).splitlines()[0]
        print(f"{'(b) HTTP + PostgreSQL':28}  {'skipped' if 'skipped' in b else 'FAILED'}: {reason}")
    else:
        print(f"{'(b) HTTP + PostgreSQL':28}  not run")

    r = report.get("ratio")
    if r:
        print(
            f"{'(c) ratio b/a':28}{_fmt(r['starts'] * 100, '%', 1):>10}"
            f"{_fmt(r['completions'] * 100, '%', 1):>15}"
        )
    print()

    if b and "starts" in b:
        print(
            f"HTTP: {b['users']} concurrent users, gunicorn -w {b['gunicorn_workers']} (sync), "
            f"PostgreSQL {b['postgres_version']}, {b['phase_duration_s']:g} s per phase; "
            f"{b['starts']['ok']} starts, {b['completions']['ok']} completions, "
            f"{b['instances_finished']} instances finished (spot check: {b['final_instance_status']})"
        )
        if b["ran_out_of_instances"]:
            print("  note: the completion phase ran out of started instances before its time was up")
        print("CPU seconds per phase (2 cores = 2 CPU-s per wall second):")
        print(
            f"  {'phase':12}{'wall':>7}{'gunicorn':>10}{'postgres':>10}"
            f"{'client':>8}{'other':>8}{'machine busy':>14}"
        )
        for name, cpu in b["cpu"].items():
            print(
                f"  {name:12}{cpu['wall_s']:>7.1f}{cpu['server_cpu_s']:>10.1f}{cpu['postgres_cpu_s']:>10.1f}"
                f"{cpu['client_cpu_s']:>8.1f}{cpu['other_cpu_s']:>8.1f}{cpu['machine_busy_pct']:>13.0f}%"
            )
        capacity = m["cpu_count"] * max(cpu["wall_s"] for cpu in b["cpu"].values())
        if any(cpu["other_cpu_s"] > capacity * BUSY_WARN_PCT / 100 for cpu in b["cpu"].values()):
            print("  note: other processes on this machine used a large share of the CPU ('other'):")
            print("        the HTTP figures are low by about that share; rerun on a quiet machine")
        samples = (
            b["starts"]["error_samples"] + b["completions"]["error_samples"] + b["protocol_error_samples"]
        )
        for sample in samples[:5]:
            print(f"  error: {sample}")
        if b.get("server_log_tail"):
            print("  gunicorn log tail:\n" + b["server_log_tail"])
        print()

    d = report.get("background")
    if d and "renders" in d:
        background_bench.print_report(d)
        print()
    elif d:
        reason = (d.get("skipped") or d.get("failed")).splitlines()[0]
        print(f"(d) background: {'skipped' if 'skipped' in d else 'FAILED'}: {reason}")

    print("Targets (reported, not asserted):")
    for t in report["targets"]:
        state = "n/a" if t["met"] is None else ("met" if t["met"] else "NOT met")
        print(f"  {t['name']:52} {t['value']:>14}  -> {state}")
    print(f"\nwritten: {RESULTS.relative_to(REPO)}")


def _targets(report: dict) -> list[dict]:
    b = report.get("http") or {}
    http_c = b["completions"]["per_s"] if "completions" in b else None
    ratio = (report.get("ratio") or {}).get("completions")
    return [
        {
            "name": f"HTTP task completions/s >= {TARGET_HTTP_COMPLETIONS:g}",
            "value": _fmt(http_c, "/s"),
            "met": None if http_c is None else http_c >= TARGET_HTTP_COMPLETIONS,
        },
        {
            "name": f"HTTP completions >= {TARGET_RATIO:.0%} of in-process rate",
            "value": _fmt(None if ratio is None else ratio * 100, "%", 1),
            "met": None if ratio is None else ratio >= TARGET_RATIO,
        },
    ]


def _interrupt(signum, frame):
    # `kill` (SIGTERM) must still run the finally blocks that stop gunicorn.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["inprocess", "http", "background"], help="run one part only")
    ap.add_argument("--timers", type=int, default=1000, help="timers in each burst (default 1000)")
    ap.add_argument(
        "--duration",
        type=float,
        help=(
            f"seconds per measured phase (default {DEFAULT_INPROCESS_S:g} in process, "
            f"{DEFAULT_HTTP_S:g} over HTTP)"
        ),
    )
    ap.add_argument("--users", type=int, default=16, help="concurrent HTTP users (default 16)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = ap.parse_args(argv)

    report: dict = {
        "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "spiffworkflow": version("SpiffWorkflow"),
            "django": version("Django"),
        },
        "args": {"only": args.only, "duration": args.duration, "users": args.users, "workers": args.workers},
    }

    # Sampled before anything of ours runs: a busy machine (tests, builds) halves the figures.
    report["machine"]["background_busy_pct"] = http_bench.background_busy_pct()
    if args.only in (None, "inprocess"):
        print(f"(a) in-process: {args.duration or DEFAULT_INPROCESS_S:g} s per phase ...", flush=True)
        report["inprocess"] = inprocess.run(BPMN_DIR / "approval.bpmn", args.duration or DEFAULT_INPROCESS_S)
    elif ref := _previous_inprocess():
        report["inprocess_reference"] = ref

    if args.only in (None, "http"):
        print(
            f"(b) HTTP: fresh database, migrate, seed, deploy, gunicorn; {args.users} users, "
            f"{args.duration or DEFAULT_HTTP_S:g} s per phase ...",
            flush=True,
        )
        try:
            report["http"] = http_bench.run(
                REPO, BPMN_DIR, args.users, args.duration or DEFAULT_HTTP_S, args.workers
            )
        except http_bench.Skip as exc:
            print(f"(b) skipped: {exc}")
            report["http"] = {"skipped": str(exc)}
        except Exception as exc:  # report the failure, keep the in-process figures
            traceback.print_exc()
            report["http"] = {"failed": f"{type(exc).__name__}: {str(exc)[:2000]}"}

    if args.only in (None, "background"):
        print(
            f"(d) background: fresh database, demo cases, notices rendered per template; "
            f"bursts of {args.timers} timers with 1 and 2 timer workers ...",
            flush=True,
        )
        try:
            report["background"] = background_bench.run(REPO, timers=args.timers)
        except http_bench.Skip as exc:
            print(f"(d) skipped: {exc}")
            report["background"] = {"skipped": str(exc)}
        except Exception as exc:  # report the failure, keep the other figures
            traceback.print_exc()
            report["background"] = {"failed": f"{type(exc).__name__}: {str(exc)[:2000]}"}

    a = report.get("inprocess") or report.get("inprocess_reference")
    b = report.get("http") or {}
    if a and "completions" in b:
        report["ratio"] = {
            "starts": round(b["starts"]["per_s"] / a["starts_per_s"], 4),
            "completions": round(b["completions"]["per_s"] / a["completions_per_s"], 4),
        }
    report["targets"] = _targets(report)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    _print_report(report)
    return 1 if "failed" in b or "failed" in report.get("background", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
