"""Local development: DEBUG on, a throwaway secret key, Django's plain static storage."""

from __future__ import annotations

from config.env import env_bool

from .base import *  # noqa: F403
from .base import SECRET_KEY, STORAGES

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-key-never-used-in-production-0b7e6d1c9a"
# Static files come from the finders here; there is no collectstatic output to serve.
STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
