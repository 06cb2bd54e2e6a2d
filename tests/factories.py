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


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Client"

    name = factory.Sequence(lambda n: f"Client {n:04d}")
    account_manager = factory.SubFactory(UserFactory)
    time_zone = "Europe/London"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Contact"

    client = factory.SubFactory(ClientFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.Interaction"

    client = factory.SubFactory(ClientFactory)
    summary = factory.Sequence(lambda n: f"Meeting number {n}")
    sentiment = 4


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.ActionItem"

    client = factory.SubFactory(ClientFactory)
    text = factory.Sequence(lambda n: f"Action {n}")


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.CheckIn"

    client = factory.SubFactory(ClientFactory)
    owner = factory.SelfAttribute("client.account_manager")
    due_on = factory.LazyFunction(lambda: __import__("datetime").date.today())


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Project"

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Project {n:04d}")
    manager = factory.SelfAttribute("client.account_manager")
    status = "active"


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Milestone"

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.localdate())


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.RiskIssue"

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    probability = 3
    impact = 3
