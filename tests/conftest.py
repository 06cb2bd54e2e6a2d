"""Shared personas and fixtures. Playwright runs an event loop in the test thread, so Django's
async-safety check is relaxed for the test process (RECIPES.md)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from tests.factories import PASSWORD, UserFactory  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings
    from kombu.utils.url import maybe_sanitize_url

    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'local'}:{db.get('PORT') or ''}/{db['NAME']}" if db.get("HOST") else db["NAME"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({where}; tests use a throwaway copy)",
        f"broker: {maybe_sanitize_url(settings.CELERY_BROKER_URL)}",
    ]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(role="admin", email="ada@rapport.test", full_name="Ada Admin")


@pytest.fixture
def pm(db: Any) -> Any:
    """The project manager whose clients most tests are about."""
    return UserFactory(email="alice@rapport.test", full_name="Alice Manager")


@pytest.fixture
def other_pm(db: Any) -> Any:
    """A manager with no part in `pm`'s clients: everything of theirs is a 404 to him."""
    return UserFactory(email="bob@rapport.test", full_name="Bob Otherteam")


@pytest.fixture
def teammate(db: Any) -> Any:
    """A manager on the team of `pm`'s client, without being its account manager."""
    return UserFactory(email="carol@rapport.test", full_name="Carol Teammate")


@pytest.fixture
def acme(pm: Any, teammate: Any) -> Any:
    """`pm`'s client, with `teammate` on its team and one primary contact."""
    from crm import services

    client = services.client_create(
        name="Acme Corp", account_manager=pm, team=[teammate], time_zone="Europe/London", checkin_cadence_days=14
    )
    services.contact_create(client=client, name="Jane Client", email="jane@acme.test")
    return client


@pytest.fixture
def client_contact(acme: Any) -> Any:
    """A portal user: a contact at `acme` with a client-contact login."""
    user = UserFactory(role="client", email="jane@acme.test", full_name="Jane Client")
    contact = acme.contacts.get(email="jane@acme.test")
    contact.user = user
    contact.save(update_fields=["user"])
    return user


# Browser tests: Debian's Chromium through Playwright, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="rapport-chromium-")
    return {
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
        "env": {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home},
    }


@pytest.fixture
def axe_check() -> Iterator[Any]:
    """Run axe-core (from node_modules, installed by npm) on a page; return serious and
    critical violations."""

    def check(page: Any) -> list[dict[str, Any]]:
        page.add_script_tag(path=str(REPO / "node_modules" / "axe-core" / "axe.min.js"))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    yield check


@pytest.fixture
def sign_in_browser(live_server: Any) -> Any:
    def sign_in(page: Any, user: Any) -> None:
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return sign_in


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1, with Django's SMTP backend pointed at it."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: the worst kind of dead server."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()
