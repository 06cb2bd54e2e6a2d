"""Weekly reports across daylight-saving changes. Beat is simulated ticking every 30 minutes
through three weeks around each 2026 transition in New York, Berlin and Sydney, for reports due
on Sundays (the day clocks change) at 01:00, 02:00 and 09:00 local: hours before, inside and
after the missing or repeated hour. Each report must be built once per week, at its local hour,
on the first tick after it is due, and no week may be skipped."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.reports import status_reports_create_due
from projects import services
from projects.models import Project, StatusReport
from tests.factories import ClientFactory, UserFactory

TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 4, 5)),
    ("Australia/Sydney", date(2026, 10, 4)),
]
HOURS = (1, 2, 9)
TICK = timedelta(minutes=30)


def expected_local_hour(zone: ZoneInfo, day: date, hour: int) -> int:
    """The wall-clock hour a report due at `hour` actually goes out: an hour that does not
    exist that day (the spring gap) becomes the first one after it."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return moment.astimezone(ZoneInfo("UTC")).astimezone(zone).hour


@pytest.mark.parametrize(("zone_name", "change_day"), TRANSITIONS, ids=lambda v: str(v))
def test_each_weekly_report_goes_out_once_at_the_local_hour_across_a_dst_change(db, zone_name, change_day):
    zone = ZoneInfo(zone_name)
    start = datetime.combine(change_day - timedelta(days=10), datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=21)
    manager = UserFactory()
    client = ClientFactory(account_manager=manager, time_zone=zone_name)
    with time_machine.travel(start, tick=False):
        projects = {
            hour: services.project_create(
                client=client, name=f"Report at {hour:02d}:00", manager=manager, status="active",
                reports_enabled=True, report_weekday=Project.Weekday.SUNDAY, report_hour=hour,
            )
            for hour in HOURS
        }  # fmt: skip

    built_at: dict[int, datetime] = {}
    tick = start
    while tick <= end:
        before = set(StatusReport.objects.values_list("pk", flat=True))
        status_reports_create_due(now=tick)
        for pk in set(StatusReport.objects.values_list("pk", flat=True)) - before:
            built_at[pk] = tick
        tick += TICK

    sundays = [change_day - timedelta(days=7), change_day, change_day + timedelta(days=7)]
    for hour, project in projects.items():
        built = list(StatusReport.objects.filter(project=project).order_by("due_at"))
        assert [r.due_at.astimezone(zone).date() for r in built] == sundays, (hour, built)
        assert len({(r.iso_year, r.iso_week) for r in built}) == 3
        for report in built:
            local = report.due_at.astimezone(zone)
            assert local.hour == expected_local_hour(zone, local.date(), hour)
            assert local.weekday() == Project.Weekday.SUNDAY
            assert timedelta(0) <= built_at[report.pk] - report.due_at < TICK
