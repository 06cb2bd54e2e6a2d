from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """When a periodic task last ran, by name: /healthz reports its age."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
