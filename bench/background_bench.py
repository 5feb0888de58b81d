"""Part (d): background work on PostgreSQL — official notices rendered, and timers fired in a burst.

1. Render time per notice template: the demo's own cases (`seed_demo_cases`) issue the
   notices; each template's PDFs are rendered in one process (the first render of a process
   loads the fonts and is reported apart).
2. Timer burst: N instances whose timers all fall due at one moment, fired by one and then two
   timer workers (`run_worker --kind timers`), with the jobs worker (`--kind jobs`) busy on a backlog of
   notices waiting to render, and once without it for comparison. Reports timers fired per
   second and each timer's lateness (fired_at - due_at), p50 and p99.

Runs real `manage.py` processes against a throw-away database; asserts nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from http_bench import fresh_database

DB_NAME = "lexflow_bench_background"
JOBS = Path(__file__).resolve().parent / "django_jobs.py"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEXFLOW_")}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        DJANGO_SETTINGS_MODULE="server.config.settings.production",
        DJANGO_SECRET_KEY="bench-only-secret",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(repo: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=repo,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=900,
    )


def _job(repo: Path, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(JOBS), *args], cwd=repo, env=_env(), capture_output=True, text=True, timeout=900
    )
    if done.returncode:
        raise RuntimeError(f"bench job {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _burst(repo: Path, *, timers: int, workers: int, backlog: int) -> dict:
    """One burst: `timers` timers due at one moment, `workers` timer workers, and a document
    worker on `backlog` notices waiting (none when 0)."""
    setup = _job(repo, "burst", str(timers), str(backlog))
    started: list[subprocess.Popen] = []
    try:
        if backlog:
            started.append(_worker(repo, "jobs"))  # renders the documents
        started += [_worker(repo, "timers") for _ in range(workers)]
        deadline = time.monotonic() + setup["seconds_until_due"] + 600
        while time.monotonic() < deadline:
            time.sleep(1.0)
            for process in started:
                if process.poll() is not None:  # a worker that died would make the figures a lie
                    process.stderr.seek(0)
                    tail = process.stderr.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"{' '.join(process.args[-3:])} exited {process.returncode}:\n{tail}")
            progress = _job(repo, "burst-progress", setup["process"])
            if progress["waiting"] == 0:
                break
        else:
            raise RuntimeError(f"timers still waiting after 10 minutes: {progress}")
        report = _job(repo, "burst-result", setup["process"])
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"timers": timers, "workers": workers, "backlog_at_start": setup["pending_documents"], **report}


def _worker(repo: Path, kind: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--kind", kind],
        cwd=repo,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=tempfile.TemporaryFile(),  # read back should the worker die
    )


def run(repo: Path, *, timers: int = 1000, backlog: int = 300, demo_per_line: int = 80) -> dict:
    version = fresh_database(DB_NAME)  # raises http_bench.Skip without PostgreSQL
    t0 = time.perf_counter()
    _manage(repo, "migrate", "--noinput")
    _manage(repo, "seed_demo")
    _manage(repo, "deploy_processes", "bpmn", "--public")
    _manage(repo, "seed_demo_cases", "--per-line", str(demo_per_line))
    setup_s = time.perf_counter() - t0
    renders = _job(repo, "render")
    bursts = [
        _burst(repo, timers=timers, workers=1, backlog=0),
        _burst(repo, timers=timers, workers=1, backlog=backlog),
        _burst(repo, timers=timers, workers=2, backlog=backlog),
    ]
    return {"postgres_version": version, "setup_s": round(setup_s, 1), "renders": renders, "bursts": bursts}


def print_report(report: dict) -> None:
    renders = report["renders"]
    subsetting = "HarfBuzz subsetting" if renders["fast_subsetting"] else "NO HarfBuzz subsetting: fontTools"
    print(
        f"(d) official notices, rendered in one process ({subsetting}); "
        f"first render of the process (fonts loading) {renders['first_render_ms']:.0f} ms"
    )
    print(f"  {'template':24}{'renders':>8}{'p50 ms':>9}{'max ms':>9}{'pages':>7}{'KiB':>7}")
    for row in renders["templates"]:
        if row["renders"]:
            print(
                f"  {row['template']:24}{row['renders']:>8}{row['p50_ms']:>9.0f}{row['max_ms']:>9.0f}"
                f"{row['pages']:>7}{row['kib']:>7.0f}"
            )
        else:
            print(f"  {row['template']:24}{'-':>8}   (not issued by the demo cases)")
    print("(d) timer burst: all timers due at one moment; lateness = fired_at - due_at")
    print(
        f"  {'timer workers':>14}{'document worker, backlog':>26}{'timers':>8}{'fired/s':>9}"
        f"{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'docs rendered':>15}"
    )
    for burst in report["bursts"]:
        backlog = f"yes, {burst['backlog_at_start']} waiting" if burst["backlog_at_start"] else "none"
        print(
            f"  {burst['workers']:>14}{backlog:>26}{burst['timers']:>8}{burst['fired_per_s']:>9.1f}"
            f"{burst['lateness_p50_s']:>8.2f}{burst['lateness_p99_s']:>8.2f}{burst['lateness_max_s']:>8.2f}"
            f"{burst['documents_rendered']:>15}"
        )
