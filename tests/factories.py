from __future__ import annotations

import factory

from accounts.models import User

PASSWORD = "correct-horse-battery-42"  # noqa: S105 (test persona password)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@rapport.test")
    full_name = factory.Faker("name")
    role = User.Role.MANAGER
    password = factory.django.Password(PASSWORD)
