"""`make faults`: deliver email through real Celery workers and a real Redis while things break,
and count what was lost and what was sent twice.

1. Worker processes killed: 150 emails while a pool process is SIGKILLed at least 20 times.
2. Redis stopped for 60 s mid-run (more emails fall due meanwhile): every due email must be sent
   within 5 minutes of Redis returning.
3. An SMTP server that answers every fifth message with 451: all delivered, none twice.

It starts its own redis-server on a free port, its own SMTP server and workers, and a database
of its own (FAULTS_DATABASE_URL, default `rapport_faults` on the local PostgreSQL), plays beat by
running the dispatcher every 2 seconds, and stops everything it started by PID. Exit status 1
when an email is lost, when one is sent twice in phase 3, or when recovery takes too long.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.smtp import SmtpServer, free_port  # noqa: E402

BIN = Path(sys.executable).parent
TICK_S = 2.0
KILLS = 25
OUTAGE_S = 60
RECOVERY_LIMIT_S = 300


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 (a command-line report)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group it leads; SIGKILL whatever of the group is left after 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=(folder / "redis.log").open("a"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
        if ping.stdout.strip() == "PONG":
            return process
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def recreate_database(url: str, *, create: bool = True) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def pool_children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Run:
    def __init__(self, folder: Path, smtp: SmtpServer) -> None:
        self.folder = folder
        self.smtp = smtp
        self.week = 0

    def queue(self, count: int) -> list[int]:
        """`count` due emails: one weekly report to `count` opted-in contacts."""
        from django.utils import timezone

        from crm import services as crm
        from outbox.models import OutboundEmail
        from portal import reports
        from projects import services as projects
        from tests.factories import UserFactory

        manager = UserFactory()
        self.week += 1
        client = crm.client_create(name=f"Faults {self.week}", account_manager=manager)
        for index in range(count):
            crm.contact_create(
                client=client, name=f"Contact {index}", email=f"c{index}@faults{self.week}.test", receives_reports=True
            )
        project = projects.project_create(client=client, name=f"Project {self.week}", manager=manager, status="active")
        report = reports.status_report_create(project=project, due_at=timezone.now() - timedelta(minutes=1))
        return list(OutboundEmail.objects.filter(status_report=report).values_list("pk", flat=True))

    def tick(self) -> None:
        from outbox.services import email_enqueue_due

        email_enqueue_due()

    def wait(self, ids: list[int], *, timeout: float, each: Callable[[], None] = lambda: None) -> float:
        """Play beat until every row in `ids` is sent (or failed for good); return the seconds."""
        from outbox.models import OutboundEmail

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            each()
            self.tick()
            open_rows = OutboundEmail.objects.filter(pk__in=ids).exclude(status__in=["sent", "failed"]).count()
            if not open_rows:
                return time.monotonic() - start
            time.sleep(TICK_S)
        return float("inf")

    def count(self, ids: list[int]) -> tuple[int, int, Counter[str]]:
        """Lost (never received) and duplicated (received more than once) among `ids`."""
        from outbox.models import OutboundEmail

        received = Counter(r.message["Message-ID"] for r in self.smtp.received)
        expected = set(OutboundEmail.objects.filter(pk__in=ids).values_list("message_id", flat=True))
        lost = sum(1 for message_id in expected if received[message_id] == 0)
        duplicated = sum(received[message_id] - 1 for message_id in expected if received[message_id] > 1)
        statuses = Counter(OutboundEmail.objects.filter(pk__in=ids).values_list("status", flat=True))
        return lost, duplicated, statuses


def main() -> int:
    database_url = os.environ.get("FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_faults")
    folder = Path(tempfile.mkdtemp(prefix="rapport-faults-"))
    redis_port = free_port()
    smtp = SmtpServer().start()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_LEASE_SECONDS="30",  # a killed worker's email is retaken after 30 s, not 5 min
        RAPPORT_VAR_DIR=str(folder),
    )
    recreate_database(database_url)
    redis = start_redis(redis_port, folder)
    worker = None
    failures: list[str] = []
    try:
        import django
        from django.core.management import call_command

        django.setup()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        logging.getLogger("outbox.services").setLevel(logging.ERROR)  # one line per refused publish
        call_command("migrate", verbosity=0)
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=4",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=REPO, env=os.environ.copy(), stdout=(folder / "worker.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        run = Run(folder, smtp)

        say("phase 1: 150 emails while worker processes are killed")
        smtp.handler.delay = 0.05  # a send takes a moment, so kills land mid-send too
        ids = run.queue(150)
        kills = 0
        rng = random.Random(7)  # noqa: S311 (which process to kill, not security)

        def kill_one() -> None:
            nonlocal kills
            if worker.poll() is not None:
                raise RuntimeError(f"the worker stopped; see {folder / 'worker.log'}")
            if kills >= KILLS or len(smtp.received) < 5:  # only once the worker is up and sending
                return
            children = pool_children(worker.pid)
            if children:
                os.kill(rng.choice(children), signal.SIGKILL)
                kills += 1

        def kill_often() -> None:
            for _ in range(3):
                kill_one()
                time.sleep(0.3)

        took = run.wait(ids, timeout=300, each=kill_often)
        while kills < KILLS:  # all sent before enough kills: keep killing idle processes too
            kill_one()
            time.sleep(0.3)
        lost, duplicated, statuses = run.count(ids)
        say(f"  {len(ids)} emails, {kills} worker processes killed, all done in {took:.0f} s")
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost:
            failures.append(f"phase 1 lost {lost}")

        say(f"phase 2: Redis stopped for {OUTAGE_S} s mid-run")
        smtp.handler.delay = 0.1
        ids = run.queue(100)
        run.tick()
        baseline = len(smtp.received)
        while len(smtp.received) < baseline + 20:
            time.sleep(0.1)
        stop(redis)
        outage_start = time.monotonic()
        ids += run.queue(50)  # these fall due while the broker is down
        while time.monotonic() - outage_start < OUTAGE_S:
            run.tick()  # publishing fails fast; the rows stay pending
            time.sleep(TICK_S)
        redis = start_redis(redis_port, folder)
        took = run.wait(ids, timeout=RECOVERY_LIMIT_S + 60)
        lost, duplicated, statuses = run.count(ids)
        say(f"  {len(ids)} emails (50 fell due during the outage); all sent {took:.0f} s after Redis returned")
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost or took > RECOVERY_LIMIT_S:
            failures.append(f"phase 2 lost {lost}, recovery {took:.0f} s")

        say("phase 3: the SMTP server answers every fifth message with 451")
        smtp.handler.delay = 0.0
        refused_before = smtp.handler.seen - len(smtp.received)
        smtp.handler.reply = lambda n: "451 4.3.0 Try again later" if n % 5 == 0 else None
        ids = run.queue(100)
        took = run.wait(ids, timeout=600)
        refused = smtp.handler.seen - len(smtp.received) - refused_before
        lost, duplicated, statuses = run.count(ids)
        say(f"  {len(ids)} emails, {refused} answers of 451, all delivered in {took:.0f} s")
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost or duplicated:
            failures.append(f"phase 3 lost {lost}, duplicated {duplicated}")
    finally:
        if worker is not None:
            stop(worker)
        stop(redis)
        smtp.stop()
        from django.db import connections

        connections.close_all()
        recreate_database(database_url, create=False)
    say("faults: " + ("FAILED: " + "; ".join(failures) if failures else "no email lost"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
