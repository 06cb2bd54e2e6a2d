"""Read settings from environment variables, after adding those of a `.env` file.

Every reader raises ImproperlyConfigured naming the variable when its value is malformed, so a
typo stops start-up instead of running with a surprising default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

PROJECT_DIR = Path(__file__).resolve().parent.parent

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


def read_env_file() -> Path | None:
    """Add the variables of the `.env` file beside manage.py to the environment. The settings
    modules call this before reading anything, so every process started from this checkout —
    migrate, seed, web, worker, beat — sees one configuration however it was started.

    A variable already in the environment wins over the file (`DATABASE_URL=… make run`).
    RAPPORT_ENV_FILE names another file; /dev/null reads none. Returns the file read, if any.
    """
    chosen = os.environ.get("RAPPORT_ENV_FILE")
    path = Path(chosen) if chosen else PROJECT_DIR / ".env"
    if chosen and not path.exists():
        raise ImproperlyConfigured(f"RAPPORT_ENV_FILE names a file that does not exist: {chosen!r}")
    if not path.exists():
        return None
    load_dotenv(path, override=False)
    return path


def env_str(name: str, default: str) -> str:
    """An empty value counts as unset, so a blank line in .env means "use the default"."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    raw = os.environ.get(name) or default
    scheme = urlsplit(raw).scheme
    if scheme not in schemes or "://" not in raw:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ImproperlyConfigured(f"{name} must start with one of {allowed}; got {raw!r}")
    return raw


def sqlite_options() -> dict[str, Any]:
    """WAL and IMMEDIATE transactions let web, worker and beat share one SQLite file."""
    return {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


def env_database(name: str, *, default_sqlite: Path) -> dict[str, Any]:
    raw = os.environ.get(name)
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(default_sqlite), "OPTIONS": sqlite_options()}
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a database URL we understand: {error}") from None
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {**sqlite_options(), **config.get("OPTIONS", {})}
    elif not engine.endswith("postgresql"):
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL (postgres://) or SQLite (sqlite://)")
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/rapport")
    return config


def env_email(name: str, default: str) -> dict[str, Any]:
    """Turn an email URL into Django's EMAIL_* settings.

    smtp://user:password@host:587?tls=1, smtps://user:password@host:465, console://,
    file:///absolute/folder, locmem://.
    """
    raw = os.environ.get(name) or default
    parts = urlsplit(raw)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name} must name a folder, e.g. file:///var/mail/rapport")
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parts.path}
    if parts.scheme in {"smtp", "smtps"}:
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a port that is not a number") from None
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} must name a host, e.g. smtp://user:password@host:587?tls=1")
        if options.get("tls", "0") not in TRUE_VALUES | FALSE_VALUES:
            raise ImproperlyConfigured(f"{name}: tls must be 1 or 0")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": options.get("tls", "0") in TRUE_VALUES,
        }
    raise ImproperlyConfigured(
        f"{name} must start with smtp://, smtps://, console://, file:// or locmem://; got {raw!r}"
    )
