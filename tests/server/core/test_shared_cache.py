"""Scaled out (docker-compose), every web process must see the same throttle counts: with
LEXFLOW_CACHE_URL set, Django's cache is Redis, and what one process counts another reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import yaml

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own: nothing else of ours uses 15


def running_redis() -> redis.Redis:
    """Redis on 127.0.0.1:6379, started as CI starts it if it is down."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
        return client
    except redis.ConnectionError:
        pass
    if shutil.which("redis-server"):
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"]
            + ["--save", "", "--appendonly", "no"],
            check=False,
            capture_output=True,
        )
        for _ in range(50):
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                time.sleep(0.1)
    reason = "Redis is not running on 127.0.0.1:6379 and redis-server could not start it"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def in_a_server_process(code: str) -> str:
    """Run `code` in a fresh Django process configured with the shared cache; its stdout."""
    env = {**os.environ, "LEXFLOW_CACHE_URL": REDIS_URL}
    env["DJANGO_SETTINGS_MODULE"] = "server.config.settings.test"
    script = "import django; django.setup(); from django.core.cache import cache; " + code
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_server_processes_share_one_count_through_redis():
    client = running_redis()
    key = f"lexflow-test-{uuid.uuid4().hex}"
    try:
        in_a_server_process(f"cache.set({key!r}, 1, 60); cache.incr({key!r})")
        assert in_a_server_process(f"print(cache.get({key!r}))") == "2"
        assert any(key in name.decode() for name in client.keys(f"*{key}*"))
    finally:
        for name in client.keys(f"*{key}*"):
            client.delete(name)


def test_docker_compose_points_every_lexflow_process_at_the_shared_cache():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "timer-worker"):
        environment = compose["services"][name]["environment"]
        assert environment["LEXFLOW_CACHE_URL"].startswith("redis://redis:6379/"), name
