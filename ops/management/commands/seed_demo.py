from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from ops.demo import DEFAULT_DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create demo users and data (idempotent). Refused when DEBUG is off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any account exists already.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("The database has accounts already; demo data not added.")
            return
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a known password; it runs only with DEBUG on.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        people = seed_demo(password=password, progress=lambda step: self.stdout.write(f"  … {step}"))
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at the staff sign-in page with:"))
        for user in [people.admin, *people.managers]:
            self.stdout.write(f"  {user.email:<28} {user.get_role_display()}")
        self.stdout.write(f"  password: {password}")
        if people.portal_contact is not None:
            self.stdout.write(
                f"Client portal (/portal/sign-in/, 'Sign in with a password instead'): {people.portal_contact.email}"
            )
