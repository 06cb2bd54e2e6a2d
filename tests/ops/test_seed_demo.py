from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from ops.demo import DEFAULT_DEMO_PASSWORD


def test_seed_demo_creates_people_once_and_prints_how_to_sign_in(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = set(User.objects.values_list("email", "role"))
    call_command("seed_demo")
    assert set(User.objects.values_list("email", "role")) == first
    assert {role for _, role in first} >= {"admin", "manager"}
    out = capsys.readouterr().out
    assert "maya@rapport.example" in out
    assert DEFAULT_DEMO_PASSWORD in out
    assert User.objects.get(email="maya@rapport.example").check_password(DEFAULT_DEMO_PASSWORD)


def test_seed_demo_takes_the_password_from_the_environment(db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another long demo password")
    call_command("seed_demo")
    assert User.objects.get(email="leo@rapport.example").check_password("another long demo password")


def test_seed_demo_is_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_if_empty_leaves_an_existing_database_alone(db, settings, pm):
    settings.DEBUG = True
    call_command("seed_demo", "--if-empty")
    assert list(User.objects.all()) == [pm]
