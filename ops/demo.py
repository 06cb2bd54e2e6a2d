"""Demo data for trying Rapport out: `manage.py seed_demo`. Idempotent: a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User

DEFAULT_DEMO_PASSWORD = "rapport-demo-2026"  # noqa: S105 (documented demo value, refused without DEBUG)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoPeople:
    admin: User
    managers: list[User]


def _user(*, email: str, full_name: str, role: str, password: str, time_zone: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "role": role, "time_zone": time_zone}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_people(*, password: str) -> DemoPeople:
    admin = _user(
        email="admin@rapport.example", full_name="Ada Admin", role=User.Role.ADMIN, password=password, time_zone="UTC"
    )
    managers = [
        _user(
            email="maya@rapport.example",
            full_name="Maya Patel",
            role=User.Role.MANAGER,
            password=password,
            time_zone="Europe/London",
        ),
        _user(
            email="leo@rapport.example",
            full_name="Leo Fischer",
            role=User.Role.MANAGER,
            password=password,
            time_zone="Europe/Berlin",
        ),
    ]
    return DemoPeople(admin=admin, managers=managers)


def seed_demo(*, password: str, progress: Progress) -> DemoPeople:
    progress("people: an admin and two project managers")
    people = seed_people(password=password)
    return people
