"""Schedule arithmetic in a recipient's own time zone. Stored times are UTC; "08:00 on the
due-soon day" and "Friday 09:00" are turned into UTC instants here, and only here."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta


def local_moment(*, day: date, hour: int, time_zone: str) -> datetime:
    """`hour`:00 on `day` in `time_zone`, as a UTC instant.

    Across a daylight-saving change the wall clock decides: on a spring-forward day an hour that
    does not exist (02:00 in New York) becomes the first instant after the gap (03:00 EDT); on
    a fall-back day an hour that happens twice is its first occurrence (fold=0). Either way each
    day has exactly one such instant, so a weekly job is neither skipped nor doubled."""
    # zoneinfo reads a wall time in the gap with the offset from before the change (fold=0),
    # which lands on the first real instant after it.
    return datetime.combine(day, time(hour), tzinfo=zoneinfo.ZoneInfo(time_zone)).astimezone(UTC)


def weekly_moment_after(*, weekday: int, hour: int, time_zone: str, after: datetime) -> datetime:
    """The first `weekday` (Monday 0) at `hour`:00 local strictly after `after`."""
    today = after.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    moment = local_moment(day=day, hour=hour, time_zone=time_zone)
    while moment <= after:
        day += timedelta(days=7)
        moment = local_moment(day=day, hour=hour, time_zone=time_zone)
    return moment


def weekly_moment_at_or_before(*, weekday: int, hour: int, time_zone: str, now: datetime) -> datetime:
    """The latest `weekday` at `hour`:00 local that is not after `now`."""
    moment = weekly_moment_after(weekday=weekday, hour=hour, time_zone=time_zone, after=now)
    return local_moment(
        day=moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date() - timedelta(days=7),
        hour=hour,
        time_zone=time_zone,
    )
