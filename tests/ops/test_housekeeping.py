"""Housekeeping: the nightly prune of throttle hits, spent sign-in links and expired sessions.
Each prune removes only rows that nothing reads any more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import ThrottleHit
from accounts.services import session_prune_expired, throttle_prune
from config.celery import app as celery_app
from ops import services as ops_services
from ops.tasks import housekeeping
from portal.models import SignInToken
from portal.services import sign_in_token_prune
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def hit(key: str, *, hours_ago: float) -> ThrottleHit:
    return ThrottleHit.objects.create(scope="sign-in-account", key=key, at=timezone.now() - timedelta(hours=hours_ago))


def token(name: str, *, expires_in: timedelta, used_ago: timedelta | None = None) -> SignInToken:
    now = timezone.now()
    return SignInToken.objects.create(
        user=UserFactory(role="client"),
        purpose=SignInToken.Purpose.SIGN_IN,
        token_hash=name.ljust(64, "0"),
        expires_at=now + expires_in,
        used_at=now - used_ago if used_ago is not None else None,
    )


def session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["who"] = "someone"
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    return store.session_key


def test_throttle_prune_removes_only_hits_older_than_a_day():
    hit("old", hours_ago=25)
    kept = [hit("yesterday", hours_ago=23).pk, hit("now", hours_ago=0).pk]

    assert throttle_prune() == 1

    assert sorted(ThrottleHit.objects.values_list("pk", flat=True)) == sorted(kept)


def test_sign_in_token_prune_removes_links_used_or_expired_over_a_day_ago_only():
    token("used-long-ago", expires_in=timedelta(minutes=5), used_ago=timedelta(days=2))
    token("expired-long-ago", expires_in=-timedelta(days=2))
    kept = {
        token("used-just-now", expires_in=timedelta(minutes=5), used_ago=timedelta(minutes=1)).pk,
        token("expired-lately", expires_in=-timedelta(hours=2)).pk,  # a late click still hears "expired"
        token("still-working", expires_in=timedelta(hours=70)).pk,  # an invitation not yet opened
    }

    assert sign_in_token_prune() == 2

    assert set(SignInToken.objects.values_list("pk", flat=True)) == kept


def test_session_prune_removes_expired_sessions_only():
    session(expires_in=-timedelta(seconds=1))
    session(expires_in=-timedelta(days=3))
    live = session(expires_in=timedelta(hours=1))

    assert session_prune_expired() == 2

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert SessionStore(session_key=live).load()["who"] == "someone"


def test_the_housekeeping_task_runs_every_prune_and_beat_wakes_it_nightly():
    hit("old", hours_ago=30)
    token("used-long-ago", expires_in=timedelta(minutes=5), used_ago=timedelta(days=2))
    session(expires_in=-timedelta(hours=1))

    assert housekeeping.delay().get() == {"throttle_hits": 1, "sign_in_tokens": 1, "sessions": 1, "import_uploads": 0}

    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping"]
    assert entry["task"] == housekeeping.name
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"].hour == {3}  # once a night


def test_one_failing_prune_does_not_stop_the_others(monkeypatch):
    def broken(**_: object) -> int:
        raise RuntimeError("table locked")

    monkeypatch.setattr(ops_services, "throttle_prune", broken)
    hit("old", hours_ago=30)
    session(expires_in=-timedelta(hours=1))

    pruned = ops_services.housekeeping_run()

    assert (pruned.throttle_hits, pruned.sessions) == (0, 1)
    assert ThrottleHit.objects.count() == 1


def test_import_uploads_past_their_24_hours_are_pruned_with_their_rows():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.models import ImportRow, ImportUpload
    from exchange.services import import_upload_create

    owner = UserFactory()
    csv = b"Client\nAcme\nGlobex\n"
    stale = import_upload_create(owner=owner, file=SimpleUploadedFile("old.csv", csv))
    fresh = import_upload_create(owner=owner, file=SimpleUploadedFile("new.csv", csv))
    ImportUpload.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert ops_services.housekeeping_run().import_uploads == 1
    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ImportRow.objects.filter(upload_id=stale.pk).exists()
