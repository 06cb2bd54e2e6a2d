"""gunicorn's settings for the Procfile's web process (`gunicorn -c config/gunicorn.py`). They
come from the Django settings, which read the environment and `.env`, so the web process is
configured by the same file as every other process instead of by the shell that started it."""

from __future__ import annotations

import os

from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

wsgi_app = "config.wsgi"
bind = settings.WEB_BIND
workers = settings.WEB_CONCURRENCY
timeout = 30
