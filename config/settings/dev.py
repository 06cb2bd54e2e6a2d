"""Local development: DEBUG on, a throwaway secret key, Django's plain static storage. Reads
`.env` first (config.env.read_env_file): the environment still wins over the file."""

from __future__ import annotations

from config.env import env_bool, read_env_file

read_env_file()  # before base.py reads a single variable

from .base import *  # noqa: E402, F403
from .base import SECRET_KEY, STORAGES  # noqa: E402

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-key-never-used-in-production-0b7e6d1c9a"
# Static files come from the finders here; there is no collectstatic output to serve.
STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
