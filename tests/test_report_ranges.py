"""The dates every report, export, leads list and portal route accepts: both ends of the
documented calendar (1970-01-01..9998-12-31) answer in every zone and grain, and anything past
them is `400 invalid` naming the field — never a 500 from date arithmetic (the day after `to`,
week and month buckets, local midnights shifted to UTC east and west of Greenwich)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS as PASSWORD

REPORT_KINDS = ("traffic", "chats", "agents", "conversion")
PORTAL_KINDS = ("traffic", "chats", "conversion")
# The far ends of the world's zones: UTC+14, UTC-12, and a half-hour zone.
ZONES = ("Pacific/Kiritimati", "Etc/GMT+12", "Asia/Tehran")
GOOD = [
    {"from": "9998-12-01", "to": "9998-12-31"},
    {"from": "9998-12-31", "to": "9998-12-31"},
    {"from": "9997-01-01", "to": "9998-12-31"},  # 730 days, across a year end
    {"from": "1970-01-01", "to": "1970-01-01"},
    {"from": "1970-01-01", "to": "1971-12-31"},
    {"to": "1970-01-05"},  # the default 30 days start at 1970-01-01
]
BAD = [
    ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ({"from": "9998-12-31", "to": "9999-01-01"}, "to"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ({"to": "0001-01-05"}, "to"),
    ({"from": "1969-12-31", "to": "1970-01-01"}, "from"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "from"),
    # `from` is judged first, whatever is wrong with `to`
    ({"from": "abc", "to": "abc"}, "from"),
    ({"from": "1969-01-01", "to": "x"}, "from"),
    # dates are written YYYY-MM-DD only
    ({"from": "2026-W49-1", "to": "2026-12-07"}, "from"),
    ({"from": "2026-12-01", "to": "20261207"}, "to"),
]


def _routes(a: int) -> tuple[list[str], list[str]]:
    """(staff routes of company `a`, the portal's), each with the query its export needs."""
    staff = [f"/api/companies/{a}/leads", f"/api/companies/{a}/reports",
             f"/api/companies/{a}/reports/export?format=xlsx",
             f"/api/companies/{a}/reports/export?format=csv"]
    portal = ["/api/portal/leads", "/api/portal/reports", "/api/portal/reports/export",
              "/api/portal/reports/export?format=csv"]
    for kind in REPORT_KINDS:
        base = f"/api/companies/{a}/reports/{kind}"
        staff += [base, base + "/export?format=xlsx"]
    for kind in PORTAL_KINDS:
        portal += [f"/api/portal/reports/{kind}", f"/api/portal/reports/{kind}/export"]
    staff.append(f"/api/companies/{a}/reports/chats/export?format=csv&table=series")
    portal.append("/api/portal/reports/chats/export?format=csv&table=series")
    return staff, portal


@pytest.fixture
def callers(two_companies: dict[str, Any]) -> list[tuple[Any, list[str]]]:
    w = two_companies
    owner, a = w["owner"], w["a"]
    r = owner.post("/api/users", json={"login": "client-a", "display_name": "client-a",
                                       "role": "client", "password": PASSWORD, "company_id": a})
    assert r.status_code == 201, r.text
    staff, portal = _routes(a)
    return [(owner, staff), (w["appliance"].login("client-a", PASSWORD), portal),
            (w["agent-a"], [p for p in staff if "traffic" not in p and "conversion" not in p])]


def _set_zone(two_companies: dict[str, Any], name: str) -> None:
    r = two_companies["owner"].patch(f"/api/companies/{two_companies['a']}",
                                     json={"settings": {"timezone": name}})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("timezone", ZONES)
def test_the_ends_of_the_calendar_answer_on_every_route(two_companies, callers,
                                                        timezone) -> None:
    _set_zone(two_companies, timezone)
    for client, paths in callers:
        for path in paths:
            for query in GOOD:
                for grain in ("day", "week", "month"):
                    r = client.get(path, params={**query, "grain": grain})
                    assert r.status_code == 200, (path, query, grain, r.text)


@pytest.mark.parametrize("timezone", ZONES)
def test_dates_past_the_ends_are_refused_with_their_field(two_companies, callers,
                                                          timezone) -> None:
    _set_zone(two_companies, timezone)
    for client, paths in callers:
        for path in paths:
            for query, field in BAD:
                for grain in ("day", "week", "month"):
                    r = client.get(path, params={**query, "grain": grain})
                    assert r.status_code == 400, (path, query, grain, r.text)
                    error = r.json()["error"]
                    assert (error["code"], error["field"]) == ("invalid", field), (path, query)


def test_the_json_range_of_the_last_day_allowed(two_companies) -> None:
    owner, a = two_companies["owner"], two_companies["a"]
    _set_zone(two_companies, "Etc/GMT+12")
    report = owner.get(f"/api/companies/{a}/reports/chats",
                       params={"from": "9998-12-27", "to": "9998-12-31", "grain": "week"}).json()
    assert [p["period"] for p in report["report"]["series"]] == ["9998-W52", "9998-W53"]
    leads = owner.get(f"/api/companies/{a}/reports",
                      params={"from": "9998-12-01", "to": "9998-12-31", "grain": "month"}).json()
    assert leads["report"]["from"] == "9998-12-01" and leads["report"]["to"] == "9999-01-01"
