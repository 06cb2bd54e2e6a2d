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


# Every browser test fails on a Content-Security-Policy violation on any page it visits. Each
# browser context gets a listener for `securitypolicyviolation` events (an init script, which runs
# before the page's own scripts in every document and frame) that reports them to Python through
# a binding, so a violation is kept even when the page navigates away at once.
CSP_LISTENER = """
window.addEventListener("securitypolicyviolation", (event) => {
  window.__rapportCspViolation({
    page: document.location.href, directive: event.effectiveDirective, blocked: event.blockedURI,
    sample: event.sample, source: `${event.sourceFile}:${event.lineNumber}`,
  });
}, true);
"""
csp_violations: list[dict[str, Any]] = []
_watched_contexts: list[Any] = []


def _flush_csp_reports(context: Any) -> None:
    """A round trip to each page delivers the binding calls the browser has already sent."""
    from playwright.sync_api import Error as PlaywrightError

    for page in context.pages:
        try:
            page.evaluate("0")
        except PlaywrightError:
            pass  # a closed or crashed page has nothing left to deliver


@pytest.fixture(scope="session")
def browser(browser: Any) -> Any:
    """pytest-playwright's browser, whose every new context (the `page` fixture's included)
    listens for CSP violations. A context opened with bypass_csp=True is not watched."""
    new_context = browser.new_context

    def watched_new_context(**kwargs: Any) -> Any:
        context = new_context(**kwargs)
        if kwargs.get("bypass_csp"):
            return context
        context.expose_function("__rapportCspViolation", lambda report: csp_violations.append(report))
        context.add_init_script(CSP_LISTENER)
        close = context.close

        def flush_then_close(*args: Any, **close_kwargs: Any) -> None:
            _flush_csp_reports(context)
            _watched_contexts.remove(context)
            close(*args, **close_kwargs)

        context.close = flush_then_close
        _watched_contexts.append(context)
        return context

    browser.new_context = watched_new_context
    return browser


@pytest.fixture(autouse=True)
def no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a browser test after its last step if any page it visited broke the policy. It
    is torn down after pytest-playwright's contexts are closed (each flushed on closing)."""
    if "browser" not in request.fixturenames:
        yield
        return
    csp_violations.clear()
    yield
    for context in list(_watched_contexts):
        _flush_csp_reports(context)
    if csp_violations:
        found = "\n".join(str(v) for v in csp_violations)
        csp_violations.clear()
        pytest.fail(f"Content-Security-Policy violations:\n{found}")


@pytest.fixture
def axe_check() -> Iterator[Any]:
    """Run axe-core (from node_modules, installed by npm) on a page; return serious and
    critical violations. Evaluated through the DevTools protocol, which the page's CSP does not
    govern: a <script> tag with axe's source would be an inline script, refused (and reported)."""
    axe_source = (REPO / "node_modules" / "axe-core" / "axe.min.js").read_text()

    def check(page: Any) -> list[dict[str, Any]]:
        page.evaluate(axe_source)
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
