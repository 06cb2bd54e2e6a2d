"""Real Celery processes for the tests whose subject is a job: a worker (and a one-shot
dispatcher) in their own process groups, on the database and broker the test run uses, sending
to a real SMTP server on 127.0.0.1. They are stopped by process group, never by name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from tests.conftest import REPO

BIN = Path(sys.executable).parent


def database_url() -> str:
    """The URL of the database this test run writes to (the throwaway test copy)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def broker_url() -> str:
    """The run's broker; on Redis a database index of its own, so these tasks meet no others."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("redis"):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/14"))
    return url


def process_env(var_dir: Path, *, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker_url(),
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        RAPPORT_VAR_DIR=str(var_dir),  # the filesystem broker's folders, when that is the broker
        RAPPORT_ENV_FILE=os.devnull,  # the dev settings would read a developer's .env
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        **extra,
    )
    return env


def start_worker(env: dict[str, str], log: Path, *, concurrency: int = 2) -> subprocess.Popen:
    command = [
        str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def run_dispatcher(env: dict[str, str]) -> None:
    """Publish one dispatcher tick through the broker, as beat does."""
    code = "from ops.tasks import dispatch; dispatch.apply_async(retry=False)"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=env, check=True, timeout=60)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM the process group, wait for every member (not only the leader: a shell that runs
    the Procfile line exits before the worker it started), then SIGKILL whatever is left."""
    pgid = process.pid  # started with start_new_session, so it leads its own group
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _group_alive(pgid):
        if process.poll() is None:
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
        else:
            time.sleep(0.2)
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
    process.wait()
