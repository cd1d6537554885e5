"""Reports of effective consultations per client company: periods in the company's time zone,
counts by day/week/month, site, source, keyword and agent, and when a scheduled report is due."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.domain import validation as v
from appliance.domain.dates import iso_date
from appliance.domain.errors import Invalid
from appliance.domain.leads import Lead

GRAINS = ("day", "week", "month")
SCHEDULES = ("off", "daily", "weekly", "monthly")
RECIPIENTS_MAX = 20
RANGE_DAYS_MAX = 731
REPORT_EMAILS_MAX = 10
# The dates a report, export or lead list may ask for (both inclusive).
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(9998, 12, 31)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in the company's local dates, and its label (2026-W49, 2026-11)."""

    start: date
    end: date
    label: str


@dataclass(frozen=True, slots=True)
class Report:
    company_id: int
    period: Period
    timezone: str
    grain: str
    leads: int
    effective: int
    duplicates: int
    billable: int  # effective and not duplicates: what the client is billed on
    by_period: list[tuple[str, int, int]] = field(default_factory=list)  # label, leads, billable
    by_site: list[tuple[int, int, int]] = field(default_factory=list)
    by_source: list[tuple[str, int, int]] = field(default_factory=list)
    by_keyword: list[tuple[str, int, int]] = field(default_factory=list)
    by_agent: list[tuple[int | None, int, int]] = field(default_factory=list)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid("timezone must be an IANA time zone such as Asia/Shanghai",
                      field="timezone") from exc


def clean_timezone(value: Any) -> str:
    name = v.require_str(value, "timezone").strip()
    if not name or len(name) > 64 or "\x00" in name:
        raise Invalid("timezone must be an IANA time zone such as Asia/Shanghai",
                      field="timezone")
    zone(name)
    return name


def clean_emails(value: Any) -> tuple[str, ...]:
    where = "report_emails"
    if not isinstance(value, list) or len(value) > REPORT_EMAILS_MAX:
        raise Invalid(f"{where}: at most {REPORT_EMAILS_MAX} addresses", field=where)
    return tuple(dict.fromkeys(v.clean_email(item, where) for item in value))


def clean_recipients(value: Any) -> tuple[tuple[str, str], ...]:
    """[{"email", "schedule"}] → ((address, schedule), …), each pair once."""
    where = "report_recipients"
    if not isinstance(value, list) or len(value) > RECIPIENTS_MAX:
        raise Invalid(f"{where}: at most {RECIPIENTS_MAX} recipients", field=where)
    found: dict[tuple[str, str], None] = {}
    for item in value:
        if not isinstance(item, dict) or set(item) != {"email", "schedule"}:
            raise Invalid(f"{where}: each is {{\"email\", \"schedule\"}}", field=where)
        address = v.clean_email(item["email"], where)
        schedule = v.clean_choice(item["schedule"], where, SCHEDULES[1:])
        found[(address, schedule)] = None
    return tuple(found)


def recipients_of(schedule: str, report_schedule: str, emails: tuple[str, ...],
                  recipients: tuple[tuple[str, str], ...]) -> list[str]:
    """Who gets the report of this schedule: the company's list when it is the company's
    schedule, and each recipient who chose it."""
    found = list(emails) if report_schedule == schedule else []
    found += [address for address, chosen in recipients if chosen == schedule]
    return list(dict.fromkeys(found))


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The local date of a naive-UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(tz).date()


def utc_start(day: date, tz: ZoneInfo) -> datetime:
    """Naive UTC of local midnight starting `day` (how times are stored)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC).replace(
        tzinfo=None)


def bucket(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def previous_period(schedule: str, today: date) -> Period:
    """The last complete day, week (Monday to Sunday) or month before `today`."""
    if schedule == "daily":
        start = today - timedelta(days=1)
        return Period(start, today, start.isoformat())
    if schedule == "weekly":
        start = today - timedelta(days=today.weekday() + 7)
        return Period(start, start + timedelta(days=7), bucket(start, "week"))
    first = today.replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    return Period(start, first, bucket(start, "month"))


def _report_day(value: str, field: str) -> date:
    day = iso_date(value)
    if day is None:
        raise Invalid(f"{field} must be a date like 2026-12-01", field=field)
    return day


def _within_calendar(day: date, field: str) -> date:
    if not DATE_MIN <= day <= DATE_MAX:
        # The local midnights of the range and of the day after `to`, shifted to UTC in any
        # zone, and their week and month buckets must stay within datetime's years 1..9999.
        raise Invalid(f"{field} must be between {DATE_MIN.isoformat()} and "
                      f"{DATE_MAX.isoformat()}", field=field)
    return day


def clean_range(start: str | None, end: str | None, today: date) -> Period:
    """From/to dates of a report request (inclusive `to`, both within DATE_MIN..DATE_MAX);
    default: the last 30 days (not before DATE_MIN)."""
    first = _within_calendar(_report_day(start, "from"), "from") if start else None
    last = _report_day(end, "to") if end else min(max(today, DATE_MIN), DATE_MAX)
    _within_calendar(last, "to")
    if first is None:
        first = max(DATE_MIN, last - timedelta(days=29))
    if first > last or (last - first).days > RANGE_DAYS_MAX:
        raise Invalid(f"from must be before to, at most {RANGE_DAYS_MAX} days apart",
                      field="from")
    return Period(first, last + timedelta(days=1), f"{first.isoformat()}..{last.isoformat()}")


def _counted(pairs: list[tuple[Any, bool]]) -> list[tuple[Any, int, int]]:
    leads: Counter[Any] = Counter()
    billable: Counter[Any] = Counter()
    for key, counts in pairs:
        leads[key] += 1
        billable[key] += int(counts)
    return [(key, leads[key], billable[key])
            for key in sorted(leads, key=lambda k: (-billable[k], -leads[k], str(k)))]


def build_report(company_id: int, leads: list[Lead], period: Period, timezone: str,
                 grain: str) -> Report:
    """Counts of the leads whose chat started within `period` (local dates of `timezone`):
    a lead counts on its chat's day, as the chats and conversion reports count it."""
    tz = zone(timezone)
    billed = [(lead, lead.effective and lead.duplicate_of is None) for lead in leads]
    by_period = _counted([(bucket(local_date(lead.chat_started_at, tz), grain), ok)
                          for lead, ok in billed])
    return Report(
        company_id=company_id, period=period, timezone=timezone, grain=grain,
        leads=len(leads), effective=sum(1 for lead in leads if lead.effective),
        duplicates=sum(1 for lead in leads if lead.duplicate_of is not None),
        billable=sum(1 for _, ok in billed if ok),
        by_period=sorted(by_period), by_site=_counted([(lead.site_id, ok) for lead, ok in billed]),
        by_source=_counted([(lead.source or "direct", ok) for lead, ok in billed]),
        by_keyword=_counted([(lead.keyword, ok) for lead, ok in billed if lead.keyword]),
        by_agent=_counted([(lead.agent_id, ok) for lead, ok in billed]))
