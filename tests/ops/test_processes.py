"""`make run` starts web, worker and beat on the embedded default. This starts the same worker
and beat commands as the Procfile, with no server at all, and waits for beat's heartbeat task
to be run by the worker and land in SQLite."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workers import stop

PROCFILE = {
    name.strip(): command.strip()
    for name, command in (line.split(":", 1) for line in (REPO / "Procfile").read_text().splitlines() if line)
}


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"}}
    env.update(
        RAPPORT_VAR_DIR=str(var_dir),
        RAPPORT_ENV_FILE=os.devnull,  # the dev settings would read a developer's .env
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def heartbeat_at(database: Path) -> str | None:
    if not database.exists():
        return None
    with sqlite3.connect(database, timeout=5) as conn:
        try:
            row = conn.execute("SELECT at FROM ops_heartbeat WHERE name = 'beat'").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


@pytest.mark.worker
def test_worker_and_beat_from_the_procfile_run_the_heartbeat_with_no_servers(tmp_path):
    env = embedded_env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    processes = [
        subprocess.Popen(  # noqa: S602 (the Procfile's own command line, run by a shell as make run does)
            PROCFILE[name],
            shell=True,
            cwd=REPO,
            env=env,
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name in ("worker", "beat")
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and heartbeat_at(tmp_path / "rapport.sqlite3") is None:
            assert all(p.poll() is None for p in processes), (tmp_path / "worker.log").read_text()[-2000:]
            time.sleep(0.5)
        assert heartbeat_at(tmp_path / "rapport.sqlite3") is not None, (tmp_path / "beat.log").read_text()[-2000:]
    finally:
        for process in processes:
            stop(process)
