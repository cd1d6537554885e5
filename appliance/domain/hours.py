"""Business hours of a site: a week of time ranges in the site's time zone, holidays, extra days."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.domain.dates import iso_date
from appliance.domain.errors import Invalid

FIELD = "business_hours"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RANGES_MAX = 6
DATES_MAX = 366
_TIME = re.compile(r"(\d{2}):(\d{2})")

Ranges = tuple[tuple[int, int], ...]  # (start, end) in minutes after local midnight


@dataclass(frozen=True, slots=True)
class Schedule:
    """Open during `week[weekday]` ranges, except on holidays; `extra_open` days use their own
    ranges instead of the weekday's (a working Saturday, 调休)."""

    timezone: str
    week: tuple[Ranges, ...]  # seven entries, Monday first
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_open: tuple[tuple[date, Ranges], ...] = ()


def _minutes(value: Any, where: str, *, end: bool) -> int:
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    hours, minutes = (int(match[1]), int(match[2])) if match else (-1, -1)
    total = hours * 60 + minutes
    if not match or minutes > 59 or not (0 <= total < 1440 or (end and total == 1440)):
        raise Invalid(f"{where}: times are HH:MM from 00:00 to 24:00", field=FIELD)
    return total


def _ranges(value: Any, where: str) -> Ranges:
    if not isinstance(value, list) or len(value) > RANGES_MAX:
        raise Invalid(f"{where}: a list of at most {RANGES_MAX} [start, end] ranges",
                      field=FIELD)
    ranges = []
    for item in value:
        if not isinstance(item, list) or len(item) != 2:
            raise Invalid(f"{where}: each range is [\"HH:MM\", \"HH:MM\"]", field=FIELD)
        start, end = _minutes(item[0], where, end=False), _minutes(item[1], where, end=True)
        if end <= start:
            raise Invalid(f"{where}: a range must end after it starts", field=FIELD)
        ranges.append((start, end))
    ranges.sort()
    for (_, first_end), (second_start, _) in pairwise(ranges):
        if second_start < first_end:
            raise Invalid(f"{where}: ranges overlap", field=FIELD)
    return tuple(ranges)


def _date(value: Any, where: str) -> date:
    day = iso_date(value) if isinstance(value, str) else None
    if day is None:
        raise Invalid(f"{where}: dates are YYYY-MM-DD", field=FIELD)
    return day


def _zone(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64 or ".." in value:
        raise Invalid(f"{FIELD}.timezone must be an IANA time zone name", field=FIELD)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"{FIELD}.timezone: unknown time zone {value!r}", field=FIELD) from exc
    return value


def _object(value: Any, allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(f"{where} must be an object", field=FIELD)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise Invalid(f"{where}: unknown field {unknown[0]}", field=FIELD)
    return value


def clean_business_hours(value: Any) -> Schedule | None:
    """The schedule described by untrusted JSON; None means always open."""
    if value is None:
        return None
    body = _object(value, ("timezone", "week", "holidays", "extra_open"), FIELD)
    zone = _zone(body.get("timezone"))
    week = _object(body.get("week", {}), DAYS, f"{FIELD}.week")
    days = tuple(_ranges(week.get(day, []), f"{FIELD}.week.{day}") for day in DAYS)
    holidays = body.get("holidays", [])
    if not isinstance(holidays, list) or len(holidays) > DATES_MAX:
        raise Invalid(f"{FIELD}.holidays: a list of at most {DATES_MAX} dates", field=FIELD)
    extra = body.get("extra_open", [])
    if not isinstance(extra, list) or len(extra) > DATES_MAX:
        raise Invalid(f"{FIELD}.extra_open: a list of at most {DATES_MAX} days", field=FIELD)
    extra_days: dict[date, Ranges] = {}
    for item in extra:
        entry = _object(item, ("date", "hours"), f"{FIELD}.extra_open")
        day = _date(entry.get("date"), f"{FIELD}.extra_open")
        extra_days[day] = _ranges(entry.get("hours"), f"{FIELD}.extra_open.{day}")
    return Schedule(zone, days, frozenset(_date(d, f"{FIELD}.holidays") for d in holidays),
                    tuple(sorted(extra_days.items())))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_json(schedule: Schedule | None) -> dict[str, Any] | None:
    """The JSON form clean_business_hours accepts (stored and returned by the API)."""
    if schedule is None:
        return None
    return {
        "timezone": schedule.timezone,
        "week": {day: [[_hhmm(s), _hhmm(e)] for s, e in ranges]
                 for day, ranges in zip(DAYS, schedule.week, strict=True)},
        "holidays": [d.isoformat() for d in sorted(schedule.holidays)],
        "extra_open": [{"date": d.isoformat(), "hours": [[_hhmm(s), _hhmm(e)] for s, e in r]}
                       for d, r in schedule.extra_open],
    }


def weekly_json(schedule: Schedule | None) -> dict[str, Any] | None:
    """The weekly hours alone (time zone and week, as schedule_json): what a visitor is shown."""
    found = schedule_json(schedule)
    return None if found is None else {"timezone": found["timezone"], "week": found["week"]}


def _ranges_on(schedule: Schedule, day: date) -> Ranges:
    if day in schedule.holidays:
        return ()
    for extra_day, ranges in schedule.extra_open:
        if extra_day == day:
            return ranges
    return schedule.week[day.weekday()]


def _local(schedule: Schedule, now_utc: datetime) -> datetime:
    aware = now_utc if now_utc.tzinfo else now_utc.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(schedule.timezone))


def is_open(schedule: Schedule | None, now_utc: datetime) -> bool:
    """Whether the site is within business hours at `now_utc` (naive values are UTC)."""
    if schedule is None:
        return True
    local = _local(schedule, now_utc)
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _ranges_on(schedule, local.date()))


def next_opening(schedule: Schedule | None, now_utc: datetime,
                 horizon_days: int = 31) -> datetime | None:
    """When the site next opens, as naive UTC (`now_utc` itself if open now); None if it
    does not open within `horizon_days`."""
    if is_open(schedule, now_utc):
        return now_utc
    assert schedule is not None
    local = _local(schedule, now_utc)
    zone = ZoneInfo(schedule.timezone)
    minute = local.hour * 60 + local.minute
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for start, _ in _ranges_on(schedule, day):
            if offset == 0 and start <= minute:
                continue
            opening = datetime(day.year, day.month, day.day, start // 60, start % 60,
                               tzinfo=zone)
            return opening.astimezone(UTC).replace(tzinfo=None)
    return None
