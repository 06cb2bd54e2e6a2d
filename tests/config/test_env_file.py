"""`.env` is read by the settings themselves, so every command started from a checkout sees
the same configuration. Each test copies the project's code to a temporary folder, writes a
`.env` there and runs that copy's manage.py (or Celery app, or gunicorn config) in a child
process with a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workers import database_url

# What the child processes must not inherit from this test run: the variables under test.
UNDER_TEST = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_CONCURRENCY",
    "SITE_URL",
    "WEB_BIND",
    "WEB_CONCURRENCY",
    "RAPPORT_ENV_FILE",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

PRINT_CONFIG = """
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT 1")
print(connection.settings_dict["NAME"])
print(settings.SITE_URL)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's code (no virtualenv, assets, tests or local state)."""
    copy = tmp_path / "project"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "var", "vendor", "tests", "__pycache__", ".*cache", ".env"
        ),
    )
    return copy


def run(project: Path, *args: str, settings: str = "config.settings.dev", **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNDER_TEST and not k.startswith("EMAIL_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings, "RAPPORT_VAR_DIR": str(project / "var"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_migrates_and_connects_to_the_database_named_in_env(db, project):
    """The bug this fixes: `make run` migrated SQLite while the Procfile's processes used the
    PostgreSQL of `.env`. Now manage.py itself reads `.env`: `migrate --check` passes because it
    looks at this run's (migrated) test database, not at an empty SQLite file."""
    (project / ".env").write_text(f"DATABASE_URL={database_url()}\nSITE_URL=https://from-dotenv.example\n")

    checked = run(project, "manage.py", "migrate", "--check")
    shown = run(project, "manage.py", "shell", "-c", PRINT_CONFIG)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert shown.returncode == 0, shown.stderr
    from django.db import connection

    assert shown.stdout.split()[-2:] == [connection.settings_dict["NAME"], "https://from-dotenv.example"]
    assert not (project / "var" / "rapport.sqlite3").exists()


def test_a_variable_in_the_environment_wins_over_env(db, project):
    (project / ".env").write_text(
        "DATABASE_URL=postgres://nobody@127.0.0.1:1/nowhere\nSITE_URL=https://from-dotenv.example\n"
    )

    shown = run(project, "manage.py", "shell", "-c", PRINT_CONFIG, DATABASE_URL=database_url())

    assert shown.returncode == 0, shown.stderr
    from django.db import connection

    # DATABASE_URL from the environment, SITE_URL (not in the environment) from the file.
    assert shown.stdout.split()[-2:] == [connection.settings_dict["NAME"], "https://from-dotenv.example"]


def test_worker_beat_and_gunicorn_read_the_same_env(project):
    (project / ".env").write_text(
        "CELERY_BROKER_URL=redis://127.0.0.1:6379/13\nCELERY_CONCURRENCY=3\n"
        "WEB_BIND=127.0.0.1:8765\nWEB_CONCURRENCY=5\n"
    )
    celery = "from config.celery import app; print(app.conf.broker_url, app.conf.worker_concurrency)"
    gunicorn = "import runpy; c = runpy.run_path('config/gunicorn.py'); print(c['bind'], c['workers'])"

    celery_result = run(project, "-c", celery)
    gunicorn_result = run(project, "-c", gunicorn)

    assert celery_result.stdout.split() == ["redis://127.0.0.1:6379/13", "3"], celery_result.stderr
    assert gunicorn_result.stdout.split() == ["127.0.0.1:8765", "5"], gunicorn_result.stderr


def test_the_test_settings_read_no_env_file(project):
    """A developer's `.env` must not change what the tests see: config.settings.test ignores it
    (the test run takes DATABASE_URL and the rest from its own environment only)."""
    (project / ".env").write_text("SITE_URL=https://from-dotenv.example\nDATABASE_URL=postgres://nobody@x:1/n\n")
    code = "from django.conf import settings; print(settings.SITE_URL, settings.DATABASES['default']['ENGINE'])"

    result = run(project, "-c", f"import django; django.setup(); {code}", settings="config.settings.test")

    assert result.stdout.split() == ["http://127.0.0.1:8000", "django.db.backends.sqlite3"], result.stderr


def test_rapport_env_file_names_another_file_and_dev_null_reads_none(project, tmp_path):
    other = tmp_path / "staging.env"
    other.write_text("SITE_URL=https://staging.example\n")
    (project / ".env").write_text("SITE_URL=https://from-dotenv.example\n")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"

    assert run(project, "-c", code, RAPPORT_ENV_FILE=str(other)).stdout.split() == ["https://staging.example"]
    assert run(project, "-c", code, RAPPORT_ENV_FILE=os.devnull).stdout.split() == ["http://127.0.0.1:8000"]
    missing = run(project, "-c", code, RAPPORT_ENV_FILE=str(tmp_path / "typo.env"))
    assert missing.returncode != 0
    assert "RAPPORT_ENV_FILE" in missing.stderr


def test_the_procfile_runner_passes_the_environment_through_without_reading_env(tmp_path):
    """Configuration is read once, by the settings: the runner only starts the processes, so a
    `.env` beside the Procfile does not reach them through the runner's environment."""
    (tmp_path / ".env").write_text("SITE_URL=https://from-dotenv.example\n")
    show = "import os; print('site', os.environ.get('SITE_URL'), os.environ.get('FROM_SHELL'))"
    (tmp_path / "Procfile").write_text(f'show: {sys.executable} -c "{show}"\n')
    clean = {k: v for k, v in os.environ.items() if k != "SITE_URL"}

    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "run_procfile.py"), "Procfile"],
        cwd=tmp_path,
        env={**clean, "FROM_SHELL": "yes"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "site None yes" in result.stdout, result.stdout + result.stderr
