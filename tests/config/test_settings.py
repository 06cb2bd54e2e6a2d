from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env
from tests.conftest import REPO

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "k3y-" + "x7Q9" * 16,
    "ALLOWED_HOSTS": "rapport.example.com",
    "SITE_URL": "https://rapport.example.com",
    "DATABASE_URL": "postgres://rapport@db.internal:5432/rapport",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.com:587?tls=1",
}


def run_manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = ("EMAIL_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith(inherited)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, "RAPPORT_VAR_DIR": "/tmp/rapport-settings-test", "RAPPORT_ENV_FILE": os.devnull, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", extra_env={**PRODUCTION_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "variable, value",
    [
        ("DEBUG", "perhaps"),
        ("DATABASE_URL", "mysql://root@localhost/rapport"),
        ("CELERY_BROKER_URL", "localhost:6379"),
        ("EMAIL_URL", "smtp://mail.example.com:notaport"),
        ("EMAIL_TIMEOUT", "ten"),
        ("SITE_URL", "rapport.example.com"),
    ],
)
def test_a_malformed_variable_stops_start_up_and_is_named(variable, value):
    result = run_manage("check", extra_env={variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_database_url_for_postgres_keeps_connections_open(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://rapport:pw@db:5432/rapport")
    config = env.env_database("DATABASE_URL", default_sqlite=REPO / "var" / "x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["CONN_MAX_AGE"] > 0
    assert config["CONN_HEALTH_CHECKS"] is True


def test_without_database_url_sqlite_runs_in_wal_mode_with_immediate_transactions(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.env_database("DATABASE_URL", default_sqlite=tmp_path / "db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["timeout"] >= 5


@pytest.mark.parametrize(
    "url, expected",
    [
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        (
            "smtp://u%40x:p%2Fw@smtp.example.com:587?tls=1",
            {"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": 587, "EMAIL_HOST_USER": "u@x", "EMAIL_USE_TLS": True},
        ),
        ("smtps://mail.example.com", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("file:///var/mail/rapport", {"EMAIL_FILE_PATH": "/var/mail/rapport"}),
    ],
)
def test_email_urls_become_django_settings(monkeypatch, url, expected):
    monkeypatch.setenv("EMAIL_URL", url)
    config = env.env_email("EMAIL_URL", "console://")
    assert {key: config[key] for key in expected} == expected


def test_env_int_refuses_values_out_of_range(monkeypatch):
    monkeypatch.setenv("EMAIL_TIMEOUT", "0")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_TIMEOUT"):
        env.env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
