"""Business hours without I/O: parsing untrusted schedules, open or closed, next opening."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from appliance.domain.errors import Invalid
from appliance.domain.hours import (
    clean_business_hours,
    is_open,
    next_opening,
    schedule_json,
)

WORKDAYS = {day: [["09:00", "12:00"], ["13:00", "18:00"]]
            for day in ("mon", "tue", "wed", "thu", "fri")}
SHANGHAI = {"timezone": "Asia/Shanghai", "week": WORKDAYS, "holidays": ["2026-10-01"],
            "extra_open": [{"date": "2026-10-10", "hours": [["10:00", "16:00"]]}]}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def schedule():
    return clean_business_hours(SHANGHAI)


def test_null_means_always_open() -> None:
    assert clean_business_hours(None) is None
    assert is_open(None, utc("2026-01-01T03:00")) is True
    assert next_opening(None, utc("2026-01-01T03:00")) == utc("2026-01-01T03:00")


@pytest.mark.parametrize(("when_utc", "expected"), [
    ("2026-09-28T01:00", True),    # Mon 09:00 Shanghai: opening minute is open
    ("2026-09-28T00:59", False),   # Mon 08:59
    ("2026-09-28T03:59", True),    # Mon 11:59
    ("2026-09-28T04:00", False),   # Mon 12:00: lunch, the end is exclusive
    ("2026-09-28T05:00", True),    # Mon 13:00
    ("2026-09-28T10:00", False),   # Mon 18:00
    ("2026-09-26T03:00", False),   # Sat 11:00: no hours on Saturdays
    ("2026-10-01T03:00", False),   # Thu 11:00 but a holiday
    ("2026-10-10T03:00", True),    # Sat 11:00, a special working day (调休)
    ("2026-10-10T08:00", False),   # Sat 16:00 on that day: its own hours end at 16:00
    ("2026-09-27T17:30", False),   # Sun 17:30 UTC is already Mon 01:30 in Shanghai
    ("2026-09-27T02:00", False),   # Sun 10:00 Shanghai
])
def test_is_open_in_the_sites_time_zone(schedule, when_utc: str, expected: bool) -> None:
    assert is_open(schedule, utc(when_utc)) is expected


def test_aware_datetimes_are_accepted(schedule) -> None:
    assert is_open(schedule, datetime(2026, 9, 28, 2, 0, tzinfo=UTC)) is True


def test_time_zone_with_daylight_saving() -> None:
    berlin = clean_business_hours({"timezone": "Europe/Berlin",
                                   "week": {"mon": [["09:00", "17:00"]]}})
    assert is_open(berlin, utc("2026-01-05T08:00"))       # winter: UTC+1, 09:00 local
    assert not is_open(berlin, utc("2026-07-06T06:30"))   # summer: UTC+2, 08:30 local
    assert is_open(berlin, utc("2026-07-06T07:00"))       # 09:00 local


def test_whole_day_with_24_00() -> None:
    always = clean_business_hours({"timezone": "UTC", "week": {
        d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    assert is_open(always, utc("2026-03-01T23:59"))
    assert is_open(always, utc("2026-03-01T00:00"))


def test_next_opening(schedule) -> None:
    # Friday 18:30 Shanghai -> Monday 09:00 Shanghai (01:00 UTC).
    assert next_opening(schedule, utc("2026-09-25T10:30")) == utc("2026-09-28T01:00")
    # Lunch break -> 13:00 the same day.
    assert next_opening(schedule, utc("2026-09-28T04:30")) == utc("2026-09-28T05:00")
    # Before the holiday: Wed 18:30 -> skips Thu 1 Oct -> Fri 2 Oct 09:00.
    assert next_opening(schedule, utc("2026-09-30T10:30")) == utc("2026-10-02T01:00")
    # Friday 9 Oct evening -> the special Saturday at 10:00.
    assert next_opening(schedule, utc("2026-10-09T11:00")) == utc("2026-10-10T02:00")
    # Open now: now.
    assert next_opening(schedule, utc("2026-09-28T02:00")) == utc("2026-09-28T02:00")


def test_never_opening_gives_none() -> None:
    closed = clean_business_hours({"timezone": "UTC", "week": {}})
    assert not is_open(closed, utc("2026-03-02T10:00"))
    assert next_opening(closed, utc("2026-03-02T10:00")) is None


def test_json_round_trip(schedule) -> None:
    shape = schedule_json(schedule)
    assert shape["week"]["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert shape["week"]["sat"] == []
    assert shape["holidays"] == ["2026-10-01"]
    assert clean_business_hours(shape) == schedule
    assert schedule_json(None) is None


def test_ranges_are_sorted() -> None:
    parsed = clean_business_hours({"timezone": "UTC", "week": {
        "mon": [["13:00", "14:00"], ["08:00", "09:00"]]}})
    assert parsed.week[0] == ((480, 540), (780, 840))


@pytest.mark.parametrize("bad", [
    "Asia/Shanghai",
    [],
    {"week": WORKDAYS},                                                   # no zone
    {"timezone": "Mars/Olympus", "week": {}},                             # unknown zone
    {"timezone": "../../etc/passwd", "week": {}},                         # path in a zone
    {"timezone": "", "week": {}},
    {"timezone": 8, "week": {}},
    {"timezone": "UTC", "week": {"monday": [["09:00", "10:00"]]}},        # unknown day
    {"timezone": "UTC", "week": []},
    {"timezone": "UTC", "week": {"mon": [["18:00", "09:00"]]}},           # end before start
    {"timezone": "UTC", "week": {"mon": [["09:00", "09:00"]]}},           # empty range
    {"timezone": "UTC", "week": {"mon": [["25:00", "26:00"]]}},           # hour 25
    {"timezone": "UTC", "week": {"mon": [["09:60", "10:00"]]}},           # minute 60
    {"timezone": "UTC", "week": {"mon": [["24:00", "24:00"]]}},           # 24:00 only ends
    {"timezone": "UTC", "week": {"mon": [["00:00", "24:01"]]}},
    {"timezone": "UTC", "week": {"mon": [["9:00", "10:00"]]}},            # not HH:MM
    {"timezone": "UTC", "week": {"mon": [["09:00\n", "10:00"]]}},
    {"timezone": "UTC", "week": {"mon": [[900, 1000]]}},
    {"timezone": "UTC", "week": {"mon": [["09:00"]]}},
    {"timezone": "UTC", "week": {"mon": ["09:00-10:00"]}},
    {"timezone": "UTC", "week": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}},  # overlap
    {"timezone": "UTC", "week": {"mon": [["09:00", "10:00"]] * 7}},       # too many
    {"timezone": "UTC", "week": {}, "holidays": ["2026-13-01"]},
    {"timezone": "UTC", "week": {}, "holidays": ["2026-1-1"]},
    {"timezone": "UTC", "week": {}, "holidays": "2026-10-01"},
    {"timezone": "UTC", "week": {}, "holidays": ["2026-10-01"] * 400},
    {"timezone": "UTC", "week": {}, "extra_open": ["2026-10-10"]},
    {"timezone": "UTC", "week": {}, "extra_open": [{"date": "2026-10-10"}]},
    {"timezone": "UTC", "week": {}, "extra_open": [{"date": "x", "hours": []}]},
    {"timezone": "UTC", "week": {}, "extra_open": [
        {"date": "2026-10-10", "hours": [["16:00", "10:00"]]}]},
    {"timezone": "UTC", "week": {}, "surprise": 1},                       # unknown field
])
def test_malformed_schedules_are_refused_with_the_field(bad) -> None:
    with pytest.raises(Invalid) as refused:
        clean_business_hours(bad)
    assert refused.value.field == "business_hours"
