"""docker-compose.yml must stay valid although no Docker engine runs here."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose_cli() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_file_is_valid_and_runs_web_worker_postgres_and_redis():
    cli = compose_cli()
    if cli:  # the real parser, when a compose CLI is installed
        result = subprocess.run(
            [*cli, "config"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "DJANGO_SECRET_KEY": "compose-config-check"},
        )
        assert result.returncode == 0, result.stderr
    config = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = config["services"]
    assert {"postgres", "redis", "web", "timer-worker"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
    assert (ROOT / "Dockerfile").exists()
    assert "run_worker" in services["timer-worker"]["command"]


def test_the_image_carries_the_built_web_app_and_uploads_outlive_containers():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm ci" in dockerfile and "npm run build" in dockerfile
    assert "COPY --from=frontend /frontend/dist ./frontend/dist" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "frontend/node_modules" in ignored  # never sent to the build (436 MB)
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    # The worker renders notices and the web serves uploads: both see the same media volume.
    for name in ("web", "timer-worker"):
        assert "media:/app/var/media" in [v.split("  ")[0] for v in services[name]["volumes"]], name
