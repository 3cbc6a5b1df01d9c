"""docker-compose.yml is validated by Debian's docker-compose, which needs no Docker engine."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


def _compose(*args, **env):
    compose = shutil.which("docker-compose")
    require_service(
        compose is not None, "docker-compose is not installed (apt-get install -y docker-compose)"
    )
    # The arguments are this test's own.
    return subprocess.run(  # noqa: S603
        [compose, "--project-directory", str(ROOT), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_compose_file_is_valid_and_runs_the_five_services():
    result = _compose("config", "--services", DJANGO_SECRET_KEY="compose-validation")  # noqa: S106
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split()) == ["beat", "db", "redis", "web", "worker"]


def test_the_compose_file_refuses_to_start_without_a_secret_key():
    env = {"DJANGO_SECRET_KEY": ""}
    result = _compose("config", "-q", **env)
    assert result.returncode != 0
    assert "set DJANGO_SECRET_KEY in .env" in result.stderr


def test_beat_keeps_its_schedule_on_a_volume_that_outlives_its_container():
    result = _compose("config", DJANGO_SECRET_KEY="compose-validation")  # noqa: S106
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    beat = config["services"]["beat"]
    [volume] = beat["volumes"]
    target = volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
    source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
    assert source in config["volumes"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    assert schedule.startswith(target + "/")
