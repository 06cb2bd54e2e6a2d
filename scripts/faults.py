"""`make faults`: deliver email through real Celery workers and a real Redis while things break,
and count what was lost and what was sent twice.

1. Worker processes killed: 150 emails while pool processes are SIGKILLed 25 times, each kill
   aimed at a process that has an SMTP connection open (a send under way) when there is one;
   the report says how many kills landed during a send and how many emails had to be retaken.
2. Redis stopped for 30 s mid-run (more emails fall due meanwhile): every due email must be sent
   within 5 minutes of Redis returning.
3. An SMTP server that refuses the first try of every fifth email with 451: all delivered, none
   twice.

It starts its own redis-server on a free port, its own SMTP server and workers, and a database
of its own (FAULTS_DATABASE_URL, default `rapport_faults` on the local PostgreSQL), plays beat by
running the dispatcher every 2 seconds, and stops everything it started by PID. Every wait has a
deadline. Exit status 1 when an email is lost, when one is sent twice in phase 3, when a phase
does not finish in time, or when fewer than half the kills landed during a send (then phase 1
tested little).
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
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.smtp import SmtpServer, free_port  # noqa: E402

BIN = Path(sys.executable).parent
TICK_S = 2.0
KILLS = 25
KILL_GAP_S = 0.4  # between kills, so the pool restarts a process and takes new work
SEND_DELAY_S = 0.3  # phase 1: how long the SMTP server takes over each message (a window for kills)
OUTAGE_S = 30
RECOVERY_LIMIT_S = 300
PHASE_LIMIT_S = 300


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
    process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=(folder / "redis.log").open("a"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def answers() -> bool:
        ping = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=5)
        return ping.stdout.strip() == "PONG"

    wait_until(answers, timeout=20, what="redis-server to answer")
    return process


def recreate_database(url: str, *, create: bool = True) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres",
        connect_timeout=10, options="-c statement_timeout=60000",
    )  # fmt: skip
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


def connected_to(pid: int, port: int) -> bool:
    """Whether the process has an established TCP connection to `port` (Linux /proc): for a pool
    process and the SMTP server's port, whether it is in the middle of sending a message."""
    sockets = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                sockets.add(target[len("socket:[") : -1])
        table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    for line in table:
        fields = line.split()  # sl local remote state ... inode (fields[9])
        if fields[9] in sockets and fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
            return True
    return False


class Run:
    def __init__(self, folder: Path, smtp: SmtpServer) -> None:
        self.folder = folder
        self.smtp = smtp
        self.week = 0

    def queue(self, count: int, *, due_in: float = 0) -> list[int]:
        """`count` emails: one weekly report to `count` opted-in contacts, due now or in
        `due_in` seconds (then the workers handed them on commit leave them for a later tick)."""
        from django.db import transaction
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
        with transaction.atomic():
            report = reports.status_report_create(project=project, due_at=timezone.now() - timedelta(minutes=1))
            emails = OutboundEmail.objects.filter(status_report=report)
            if due_in:
                emails.update(send_after=timezone.now() + timedelta(seconds=due_in))
        return list(emails.values_list("pk", flat=True))

    def tick(self) -> None:
        from outbox.services import email_enqueue_due

        email_enqueue_due()

    def wait(self, ids: list[int], *, timeout: float, each: Callable[[], None] | None = None) -> float:
        """Play beat until every row in `ids` is sent (or failed for good); return the seconds
        (infinity when `timeout` passed first)."""
        from outbox.models import OutboundEmail

        start = time.monotonic()
        while time.monotonic() - start < timeout:
            self.tick()
            open_rows = OutboundEmail.objects.filter(pk__in=ids).exclude(status__in=["sent", "failed"]).count()
            if not open_rows:
                return time.monotonic() - start
            if each is None:
                time.sleep(TICK_S)
            else:
                each()  # takes a tick's time itself
        return float("inf")

    def retaken(self, ids: list[int]) -> int:
        """Rows that needed more than one attempt (in phase 1: their worker died mid-send)."""
        from outbox.models import OutboundEmail

        return OutboundEmail.objects.filter(pk__in=ids, attempts__gt=1).count()

    def count(self, ids: list[int]) -> tuple[int, int, Counter[str]]:
        """Lost (never received) and duplicated (received more than once) among `ids`."""
        from outbox.models import OutboundEmail

        received = Counter(r.message["Message-ID"] for r in self.smtp.received)
        expected = set(OutboundEmail.objects.filter(pk__in=ids).values_list("message_id", flat=True))
        lost = sum(1 for message_id in expected if received[message_id] == 0)
        duplicated = sum(received[message_id] - 1 for message_id in expected if received[message_id] > 1)
        statuses = Counter(OutboundEmail.objects.filter(pk__in=ids).values_list("status", flat=True))
        return lost, duplicated, statuses


def on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so that `finally` stops what was started


def main() -> int:
    from config.env import read_env_file

    read_env_file()  # FAULTS_DATABASE_URL may come from .env, like every other setting
    signal.signal(signal.SIGTERM, on_sigterm)
    began = time.monotonic()
    database_url = os.environ.get("FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapport_faults")
    folder = Path(tempfile.mkdtemp(prefix="rapport-faults-"))
    redis_port = free_port()
    smtp = SmtpServer().start()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_LEASE_SECONDS="15",  # a killed worker's email is retaken after 15 s (the least allowed), not 5 min
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
        for name in ("outbox.services", "crm.services"):  # one line per refused publish
            logging.getLogger(name).setLevel(logging.ERROR)
        call_command("migrate", verbosity=0)
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=4",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=REPO, env=os.environ.copy(), stdout=(folder / "worker.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        run = Run(folder, smtp)

        say(
            f"phase 1 (at {time.monotonic() - began:.0f} s): 150 emails while worker processes are killed {KILLS} times"
        )
        phase_began = time.monotonic()
        smtp.handler.delay = SEND_DELAY_S  # each send holds its SMTP connection open a while
        ids = run.queue(150)
        kills = {"during a send": 0, "between sends": 0}
        rng = random.Random(7)  # noqa: S311 (which process to kill, not security)
        last_kill = time.monotonic()

        def kill_one(*, idle_after: float) -> None:
            """Kill a pool process that is sending (an SMTP connection open); when none has
            been for `idle_after` seconds, any pool process."""
            nonlocal last_kill
            if worker.poll() is not None:
                raise RuntimeError(f"the worker stopped; see {folder / 'worker.log'}")
            if sum(kills.values()) >= KILLS or time.monotonic() - last_kill < KILL_GAP_S:
                return
            children = pool_children(worker.pid)
            sending = [pid for pid in children if connected_to(pid, smtp.port)]
            if sending:
                target, landed = rng.choice(sending), "during a send"
            elif children and time.monotonic() - last_kill > idle_after:
                target, landed = rng.choice(children), "between sends"
            else:
                return
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                return
            kills[landed] += 1
            last_kill = time.monotonic()

        def kill_often() -> None:
            deadline = time.monotonic() + TICK_S
            while time.monotonic() < deadline:
                kill_one(idle_after=5.0)
                time.sleep(0.02)

        queued = time.monotonic()
        took = run.wait(ids, timeout=PHASE_LIMIT_S, each=kill_often)
        wait_until(
            lambda: kill_one(idle_after=0.0) or sum(kills.values()) >= KILLS,
            timeout=60, what="the remaining kills", every=KILL_GAP_S,
        )  # fmt: skip
        lost, duplicated, statuses = run.count(ids)
        say(
            f"  {sum(kills.values())} kills: {kills['during a send']} landed during a send (SMTP connection open), "
            f"{kills['between sends']} between sends"
        )
        say(
            f"  {len(ids)} emails (queued in {queued - phase_began:.0f} s), {run.retaken(ids)} retaken after their "
            f"worker died; all done {took:.0f} s after queueing"
        )
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost or took == float("inf"):
            failures.append(f"phase 1 lost {lost}, took {took:.0f} s")
        if kills["during a send"] < KILLS // 2:
            failures.append(f"phase 1: only {kills['during a send']} of {KILLS} kills landed during a send")

        say(f"phase 2 (at {time.monotonic() - began:.0f} s): Redis stopped for {OUTAGE_S} s mid-run")
        smtp.handler.delay = 0.1
        ids = run.queue(100)
        run.tick()
        baseline = len(smtp.received)
        wait_until(lambda: len(smtp.received) >= baseline + 20, timeout=120, what="20 emails before the outage")
        ids += run.queue(50, due_in=5)  # these fall due while the broker is down
        stop(redis)
        # No dispatcher ticks meanwhile: beat publishes them through the broker, so none runs.
        time.sleep(OUTAGE_S)
        redis = start_redis(redis_port, folder)
        took = run.wait(ids, timeout=RECOVERY_LIMIT_S + 60)
        lost, duplicated, statuses = run.count(ids)
        say(f"  {len(ids)} emails (50 fell due during the outage); all sent {took:.0f} s after Redis returned")
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost or took > RECOVERY_LIMIT_S:
            failures.append(f"phase 2 lost {lost}, recovery {took:.0f} s")

        say(
            f"phase 3 (at {time.monotonic() - began:.0f} s): the SMTP server refuses the first try of every fifth email with 451"
        )
        smtp.handler.delay = 0.0
        firsts: list[str] = []  # Message-IDs in the order first seen

        def refuse_first_try_of_every_fifth(message: EmailMessage) -> str | None:
            message_id = message["Message-ID"]
            if message_id in firsts:
                return None
            firsts.append(message_id)
            return "451 4.3.0 Try again later" if len(firsts) % 5 == 0 else None

        smtp.handler.refuse = refuse_first_try_of_every_fifth
        ids = run.queue(100)
        took = run.wait(ids, timeout=PHASE_LIMIT_S)
        refused = len(firsts) // 5
        lost, duplicated, statuses = run.count(ids)
        say(f"  {len(ids)} emails, {refused} answered 451 at first and retried, all delivered in {took:.0f} s")
        say(f"  lost: {lost}   sent twice: {duplicated}   rows: {dict(statuses)}")
        if lost or duplicated or took == float("inf"):
            failures.append(f"phase 3 lost {lost}, duplicated {duplicated}, took {took:.0f} s")
    finally:
        if worker is not None:
            stop(worker)
        stop(redis)
        smtp.stop()
        from django.db import connections

        connections.close_all()
        recreate_database(database_url, create=False)
    say(
        f"faults: {'FAILED: ' + '; '.join(failures) if failures else 'no email lost'} ({time.monotonic() - began:.0f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
