"""The test suite: fast password hashing, eager Celery unless a test starts a real worker.

Unlike dev.py and prod.py this reads no `.env`: what a test run uses comes from its command
line's environment alone (as in CI), so a developer's `.env` cannot change what the tests see."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY, STORAGES, VAR_DIR

SECRET_KEY = SECRET_KEY or "test-only-key-never-used-in-production-5d2a8e4f71"
# Tests create many users; argon2 stays first in base.py (asserted by a test).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# live_server cannot serve a manifest that collectstatic never wrote.
# Static files come from the finders here; there is no collectstatic output to serve.
STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# SQLite's test database is a file, not memory, so the worker processes that some tests start
# can open it too.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-rapport.sqlite3")}
