"""`make run`: start every process of the Procfile, show their output with a prefix, and stop
them all together.

The processes stay in this process group (no new sessions, unlike honcho), so whoever stops the
group that `make run` started stops every one of them, Celery's pool processes included, even if
this runner is killed first; on Linux each also gets SIGTERM if the runner dies. Ctrl-C or
SIGTERM sends SIGTERM to each process (gunicorn and Celery stop their own children); what is
still running after GRACE_S seconds is SIGKILLed with its descendants. When one process exits,
the others are stopped too. This runner reads no `.env`: the processes' settings do
(config.env.read_env_file), as every other command does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

GRACE_S = 10


def read_procfile(path: Path) -> list[tuple[str, str]]:
    entries = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            entries.append((name.strip(), command.strip()))
    return entries


def _die_with_parent() -> None:
    """Linux: ask the kernel to send SIGTERM to this child when the runner dies."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def descendants(pid: int) -> list[int]:
    """The process's children, grandchildren and so on (Linux /proc; elsewhere none)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def pump(process: subprocess.Popen, prefix: str, lock: threading.Lock) -> None:
    for line in process.stdout:
        with lock:
            sys.stdout.write(f"{time.strftime('%H:%M:%S')} {prefix} | {line}")
            sys.stdout.flush()


def main() -> int:
    entries = read_procfile(Path(sys.argv[1] if len(sys.argv) > 1 else "Procfile"))
    env = dict(os.environ)
    width = max(len(name) for name, _ in entries)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lock = threading.Lock()
    processes = []

    def say(text: str) -> None:
        with lock:
            print(f"{time.strftime('%H:%M:%S')} {'system'.ljust(width)} | {text}", flush=True)  # noqa: T201

    for name, command in entries:
        # The Procfile's own command lines, run by a shell as any Procfile runner does (they expand
        # ${WEB_BIND:-…}); a developer's tool, never part of the deployed app.
        process = subprocess.Popen(  # noqa: S602 (our Procfile, see above)  # nosec B602
            f"exec {command}", shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1, preexec_fn=_die_with_parent,
        )  # fmt: skip
        processes.append((name, process))
        say(f"{name} started (pid {process.pid})")

    for name, process in processes:  # after every fork: preexec_fn and threads do not mix
        threading.Thread(target=pump, args=(process, name.ljust(width), lock), daemon=True).start()

    while not stop.is_set() and all(process.poll() is None for _, process in processes):
        stop.wait(0.5)
    for name, process in processes:
        if process.poll() is not None:
            say(f"{name} exited ({process.returncode})")

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for _, process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and any(process.poll() is None for _, process in processes):
        time.sleep(0.2)
    for name, process in processes:
        if process.poll() is None:
            say(f"{name} did not stop: SIGKILL")
            for pid in [*descendants(process.pid), process.pid]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
