"""docker-compose.yml must stay valid although no Docker engine runs here."""

import os
import re
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
    assert {"postgres", "redis", "web", "timer-worker", "jobs-worker", "celery-worker"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
    assert (ROOT / "Dockerfile").exists()
    # Timers and documents in processes of their own: a slow render never delays a timer.
    assert services["timer-worker"]["command"][-2:] == ["--kind", "timers"]
    assert services["jobs-worker"]["command"][-2:] == ["--kind", "jobs"]
    assert services["celery-worker"]["command"][:3] == ["celery", "-A", "server.config"]
    assert config["x-lexflow-env"]["LEXFLOW_JOBS"] == "celery"  # jobs go to Celery through Redis
    for name in ("timer-worker", "jobs-worker", "celery-worker"):
        assert "worker_status" in services[name]["healthcheck"]["test"], name


def test_the_image_carries_the_built_web_app_and_uploads_outlive_containers():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm ci" in dockerfile and "npm run build" in dockerfile
    assert "COPY --from=frontend /frontend/dist ./frontend/dist" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "frontend/node_modules" in ignored  # never sent to the build (436 MB)
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    # The web serves uploads and the jobs worker deletes those that reached no case.
    for name in ("web", "jobs-worker", "celery-worker"):
        assert "media:/app/var/media" in [v.split("  ")[0] for v in services[name]["volumes"]], name


def test_make_run_and_the_image_install_what_fast_chinese_pdfs_need():
    """Not through the browser tests' chromium: `make run` alone, and the image, name them."""
    makefile = (ROOT / "Makefile").read_text()
    system_deps = re.search(r"^SYSTEM_PACKAGES := (.*)$", makefile, re.MULTILINE).group(1).split()
    assert {"fonts-noto-cjk", "libharfbuzz-subset0"} <= set(system_deps)
    assert re.search(r"^run: install ", makefile, re.MULTILINE) and re.search(
        r"^install: .*system-deps", makefile, re.MULTILINE
    )
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "libharfbuzz-subset0" in dockerfile and "fonts-noto-cjk" in dockerfile


def test_compose_migrates_as_the_owner_and_serves_as_the_application_role():
    """Least privilege: only `migrate` logs in as the table owner; it grants the application's role,
    which the web server and workers use, and PostgreSQL's first start creates both roles."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    migrate = services["migrate"]
    assert "//lexflow_owner:" in migrate["environment"]["DATABASE_URL"]
    assert "db_grant_app_role lexflow_app" in " ".join(migrate["command"])
    for name in ("web", "timer-worker", "celery-worker", "jobs-worker"):
        assert "//lexflow_app:" in services[name]["environment"]["DATABASE_URL"], name
    mounts = services["postgres"]["volumes"]
    assert any(
        mount.startswith("./deploy/postgres/init-roles.sh:/docker-entrypoint-initdb.d/") for mount in mounts
    )
    script = (ROOT / "deploy" / "postgres" / "init-roles.sh").read_text()
    assert "CREATE ROLE lexflow_owner" in script and "CREATE ROLE lexflow_app" in script
    assert "NOSUPERUSER" in script and "SUPERUSER " not in script.replace("NOSUPERUSER", "")
