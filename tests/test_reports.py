"""Reports (traffic, chats, agents, conversion) on a small hand-made dataset whose answers are
known: a company in America/New_York, chats and visits across local midnight, a transfer, a
left message, a bot-only chat, invitations and leads; rights per role and across companies;
bad ranges and ids; exports with formula cells escaped."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import report_seed as seed
from conftest import AGENT_PASSWORD_FOR_TESTS as PASSWORD
from conftest import ORIGIN_A, Appliance
from python_calamine import CalamineWorkbook
from test_conversations import agent_socket, next_of
from test_leads import chat
from test_offline import smtp  # noqa: F401

from appliance.services.reports import send_due_reports
from appliance.storage import report_aggregates, report_rebuild

T = datetime  # naive UTC, as stored
RANGE = {"from": "2026-11-02", "to": "2026-11-03"}  # local dates, inclusive


def run(app: Appliance, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, app.server.loop).result(60)


def write(app: Appliance, fn: Any, *args: Any) -> Any:
    return run(app, app.runtime.db.write(fn, *args))


def _user(owner: Any, login: str, role: str, **extra: Any) -> int:
    r = owner.post("/api/users", json={"login": login, "display_name": login, "role": role,
                                       "password": PASSWORD, **extra})
    assert r.status_code == 201, r.text
    return int(r.json()["user"]["id"])


@pytest.fixture
def world(two_companies: dict[str, Any]) -> dict[str, Any]:
    w = two_companies
    app, owner = w["appliance"], w["owner"]
    site, a = w["site_a"]["id"], w["a"]
    r = owner.patch(f"/api/companies/{a}", json={"settings": {"timezone": "America/New_York"}})
    assert r.status_code == 200, r.text
    agent1 = w["agent-a"].get("/api/me").json()["user"]["id"]
    agent2 = _user(owner, "agent-a2", "agent", site_ids=[site])
    _user(owner, "lead-a", "supervisor", site_ids=[w["site_a2"]["id"]])
    _user(owner, "client-a", "client", company_id=a)
    w.update(agent1=agent1, agent2=agent2)
    for login in ("agent-a2", "lead-a", "client-a"):
        w[login] = app.login(login, PASSWORD)

    w.update(write(app, seed_world, site, a, agent1, agent2, w["site_b"]["id"]))
    settle(app)
    return w


def settle(app: Appliance) -> None:
    """Rows written behind the services' back (no events): the aggregates take them in."""
    run(app, app.runtime.aggregator.catch_up(compare_every=0))


def get(client: Any, path: str, **query: Any) -> dict[str, Any]:
    r = client.get(path, params={**RANGE, **query})
    assert r.status_code == 200, r.text
    return r.json()


def close_to(value: int | None, exact: float) -> bool:
    return value is not None and abs(value - exact) <= 0.06 * exact


def test_traffic_counts_visits_on_the_local_day_they_started(world) -> None:
    body = get(world["owner"], f"/api/companies/{world['a']}/reports/traffic")
    report = body["report"]
    assert (report["from"], report["to"], report["timezone"]) == (
        "2026-11-02", "2026-11-04", "America/New_York")
    assert report["totals"] == {"visits": 4, "new_visitors": 3, "returning_visits": 1,
                                "page_views": 6, "chats": 4, "chat_rate": 1.0}
    assert report["series"] == [
        {"period": "2026-11-02", "visits": 1, "new_visitors": 1, "page_views": 2, "chats": 1},
        {"period": "2026-11-03", "visits": 3, "new_visitors": 2, "page_views": 4, "chats": 3}]
    assert report["sources"] == [{"kind": "direct", "source": "direct", "visits": 2},
                                 {"kind": "search", "source": "百度", "visits": 1},
                                 {"kind": "website", "source": "example.org", "visits": 1}]
    assert report["keywords"] == [{"keyword": "牙齿矫正", "visits": 1}]
    assert report["entry_pages"] == [{"page": "https://www.example.com/", "visits": 2},
                                     {"page": "https://www.example.com/ortho", "visits": 1},
                                     {"page": "https://www.example.com/price", "visits": 1}]
    assert report["devices"] == [{"device": "desktop", "visits": 3},
                                 {"device": "phone", "visits": 1}]
    assert {(r["province"], r["visits"]) for r in report["regions"]} == {
        ("", 2), ("广东", 1), ("北京", 1)}
    assert body["labels"]["sites"] == {str(world["site_a"]["id"]): world["site_a"]["name"],
                                       str(world["site_a2"]["id"]): "A2"}
    week = get(world["owner"], f"/api/companies/{world['a']}/reports/traffic", grain="week")
    assert week["report"]["series"] == [
        {"period": "2026-W45", "visits": 4, "new_visitors": 3, "page_views": 6, "chats": 4}]


def test_chats_count_on_the_day_they_started_with_timings(world) -> None:
    report = get(world["owner"], f"/api/companies/{world['a']}/reports/chats")["report"]
    assert report["totals"] == {
        "chats": 4, "answered": 3, "missed": 1, "unanswered": 1, "left_messages": 1,
        "left_messages_answered": 1, "transfers": 1, "bot_only": 0, "queued": 1,
        "human": 3, "rated": 2}
    first = report["first_response"]
    # C4 came as a left message: timed by left_message_answer, not as a first response.
    assert (first["count"], first["average"]) == (2, round((20 + 90) / 2))
    assert close_to(first["median"], 20) and close_to(first["p90"], 90)
    duration = report["duration"]
    assert (duration["count"], duration["average"]) == (3, round((2400 + 1860 + 1800) / 3))
    assert close_to(duration["median"], 1860)
    assert report["queue_wait"] == {"median": 0, "p90": 2, "average": 1, "count": 2}
    answer = report["left_message_answer"]
    assert answer["count"] == 1 and close_to(answer["median"], 43200)
    heat = report["heatmap"]
    assert heat[0][23] == 1 and heat[1][10] == 1 and heat[1][11] == 1 and heat[1][21] == 1
    assert sum(map(sum, heat)) == 4
    assert [(s["period"], s["chats"], s["missed"]) for s in report["series"]] == [
        ("2026-11-02", 1, 0), ("2026-11-03", 3, 1)]
    # The bot-only chat is the next day's.
    wednesday = get(world["owner"], f"/api/companies/{world['a']}/reports/chats",
                    **{"from": "2026-11-04", "to": "2026-11-04"})["report"]["totals"]
    assert (wednesday["chats"], wednesday["bot_only"], wednesday["unanswered"]) == (1, 1, 1)


def test_agents_figures(world) -> None:
    report = get(world["owner"], f"/api/companies/{world['a']}/reports/agents")["report"]
    rows = {row["agent_id"]: row for row in report["agents"]}
    one, two = rows[world["agent1"]], rows[world["agent2"]]
    assert (one["chats"], one["answered"], two["chats"], two["answered"]) == (3, 2, 1, 1)
    assert one["first_response"]["count"] == 1 and one["first_response"]["average"] == 20
    assert two["first_response"]["median"] == 94 or close_to(two["first_response"]["median"],
                                                              90)
    assert one["rating"] == {"average": 5.0, "count": 1,
                             "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    assert two["rating"]["average"] == 3.0
    assert (one["chat_seconds"], two["chat_seconds"]) == (2400 + 58, 1800)
    assert (one["online_seconds"], one["busy_seconds"], one["away_seconds"]) == (7200, 1800,
                                                                                1800)
    assert one["average_load"] == round(2458 / 9000, 2)
    assert report["totals"]["rated"] == 2 and report["totals"]["rating_average"] == 4.0
    # The load series: per period and agent, adding up to the table's figures.
    points = [p for p in report["load_series"] if p["agent_id"] == world["agent1"]]
    assert sum(p["chat_seconds"] for p in points) == 2458
    assert [p["period"] for p in report["load_series"]] == sorted(
        p["period"] for p in report["load_series"])
    monthly = get(world["owner"], f"/api/companies/{world['a']}/reports/agents",
                  grain="month")["report"]["load_series"]
    mine = [p for p in monthly if p["agent_id"] == world["agent1"]]
    assert sum(p["chat_seconds"] for p in mine) == 2458
    assert [(p["chat_seconds"], p["average_load"]) for p in mine] == [
        (2458, round(2458 / 9000, 2))]  # the chats and the presence spans in one month


def test_conversion_funnel_per_rule_source_and_page(world) -> None:
    report = get(world["owner"], f"/api/companies/{world['a']}/reports/conversion")["report"]
    assert report["funnel"] == {"invitations": 3, "accepted": 1, "chats": 1, "leads": 1,
                                "effective": 1}
    rules = {r["rule_id"]: r for r in report["by_rule"]}
    assert rules[77] == {"rule_id": 77, "invitations": 2, "accepted": 1, "chats": 1,
                         "leads": 1, "effective": 1}
    assert rules[None]["invitations"] == 1 and rules[None]["chats"] == 0
    sources = {r["source"]: r for r in report["by_source"]}
    assert sources["百度"] == {"source": "百度", "visits": 1, "invitations": 1, "accepted": 1,
                              "chats": 1, "leads": 1, "effective": 1}
    assert sources["direct"] == {"source": "direct", "visits": 2, "invitations": 1,
                                 "accepted": 0, "chats": 2, "leads": 1, "effective": 0}
    assert sources["example.org"]["chats"] == 1 and sources["example.org"]["leads"] == 0
    assert {r["keyword"] for r in report["by_keyword"]} == {"牙齿矫正"}
    pages = {r["page"]: r for r in report["by_page"]}
    assert pages["https://www.example.com/ortho"]["effective"] == 1


def test_the_chats_report_of_an_agent_counts_every_chat_they_served(world) -> None:
    """`agent_id` on the chats report: every chat the agent served (given or replied in;
    a transferred chat counts for each agent), the first response for whoever replied first,
    answered/missed by their own replies, the rating as the agents report credits it. Each
    agent's figures equal their row of the agents report, also as the agent's own view."""
    owner, a = world["owner"], world["a"]
    one = get(owner, f"/api/companies/{a}/reports/chats", agent_id=world["agent1"])["report"]
    two = get(owner, f"/api/companies/{a}/reports/chats", agent_id=world["agent2"])["report"]
    # Agent 1: C1 (answered at 20 s, rated 5), C2 (joined, transferred before replying), C4
    # (the left message, answered after 12 h: no first response, it came offline).
    assert {k: one["totals"][k] for k in ("chats", "answered", "unanswered", "missed",
                                          "transfers", "left_messages",
                                          "left_messages_answered", "rated")} == {
        "chats": 3, "answered": 2, "unanswered": 1, "missed": 0, "transfers": 1,
        "left_messages": 1, "left_messages_answered": 1, "rated": 1}
    assert one["first_response"]["count"] == 1 and close_to(one["first_response"]["median"], 20)
    assert one["queue_wait"]["count"] == 2 and one["duration"]["count"] == 2
    # Agent 2: only C2, whose first reply (90 s) and rating (3) are theirs.
    assert {k: two["totals"][k] for k in ("chats", "answered", "unanswered", "transfers",
                                          "rated")} == {
        "chats": 1, "answered": 1, "unanswered": 0, "transfers": 1, "rated": 1}
    assert two["first_response"]["count"] == 1 and close_to(two["first_response"]["median"], 90)
    agents = get(owner, f"/api/companies/{a}/reports/agents")["report"]["agents"]
    company = get(owner, f"/api/companies/{a}/reports/chats")["report"]
    responses = 0
    for row in agents:
        for client in (owner, world["agent-a"]) if row["agent_id"] == world["agent1"] else (
                owner,):
            mine = get(client, f"/api/companies/{a}/reports/chats",
                       agent_id=row["agent_id"])["report"]
            assert (mine["totals"]["chats"], mine["totals"]["answered"],
                    mine["first_response"]["count"], mine["totals"]["rated"]) == (
                row["chats"], row["answered"], row["first_response"]["count"],
                row["rating"]["count"]), row
            assert sum(p["chats"] for p in mine["series"]) == mine["totals"]["chats"]
            assert sum(map(sum, mine["heatmap"])) == mine["totals"]["chats"]
        responses += row["first_response"]["count"]
    # Every chat's first response belongs to exactly one agent.
    assert responses == company["first_response"]["count"]
    # The whole company still counts each chat once.
    assert company["totals"]["chats"] == 4 and company["totals"]["transfers"] == 1


def test_who_sees_what(world) -> None:
    a, site_a, site_a2 = world["a"], world["site_a"]["id"], world["site_a2"]["id"]
    agent = get(world["agent-a"], f"/api/companies/{a}/reports/chats")["report"]
    assert agent["scope"] == "self" and agent["filters"]["agent_id"] == world["agent1"]
    assert agent["totals"]["chats"] == 3  # C1, C2 (theirs until its transfer) and C4
    r = world["agent-a"].get(f"/api/companies/{a}/reports/chats",
                             params={**RANGE, "agent_id": world["agent2"]})
    assert r.status_code == 403
    for kind in ("traffic", "conversion"):
        assert world["agent-a"].get(f"/api/companies/{a}/reports/{kind}").status_code == 403
    assert world["agent-a"].get(f"/api/companies/{a}/board").status_code == 403
    # The supervisor serves only site A2, where nothing happened.
    lead = get(world["lead-a"], f"/api/companies/{a}/reports/chats")["report"]
    assert lead["scope"] == "sites" and lead["totals"]["chats"] == 0
    r = world["lead-a"].get(f"/api/companies/{a}/reports/chats",
                            params={**RANGE, "site_id": site_a})
    assert r.status_code == 403
    assert world["lead-a"].get(f"/api/companies/{a}/board").status_code == 200
    # Presence is per agent, not per site: an agent of the company's other site (agent 2
    # serves only site A; an hour online here) is not in a report of site A2, the
    # supervisor's or the owner's narrowed to it; they are in the one narrowed to site A.
    app = world["appliance"]
    write(app, seed.span, world["agent2"], "online", T(2026, 11, 3, 18, 0), T(2026, 11, 3, 19, 0))
    settle(app)
    for client, query in ((world["lead-a"], {}), (world["owner"], {"site_id": site_a2})):
        report = get(client, f"/api/companies/{a}/reports/agents", **query)["report"]
        assert world["agent2"] not in {row["agent_id"] for row in report["agents"]}, query
        assert world["agent2"] not in {p["agent_id"] for p in report["load_series"]}, query
        assert world["agent1"] in {row["agent_id"] for row in report["agents"]}, query
    report = get(world["owner"], f"/api/companies/{a}/reports/agents", site_id=site_a)["report"]
    mine = {row["agent_id"]: row for row in report["agents"]}
    assert mine[world["agent2"]]["online_seconds"] == 3600
    # Owners and admins serve every site: their time at the workbench counts too (it counted
    # for no company: presence went to the companies of the sites someone is assigned to).
    boss = world["owner"].get("/api/me").json()["user"]["id"]
    write(app, seed.span, boss, "online", T(2026, 11, 3, 18, 0), T(2026, 11, 3, 18, 30))
    settle(app)
    for query in ({}, {"site_id": site_a2}):
        report = get(world["owner"], f"/api/companies/{a}/reports/agents", **query)["report"]
        rows = {row["agent_id"]: row for row in report["agents"]}
        assert rows[boss]["online_seconds"] == 1800, query
    # The client account: its company in the portal, nothing on the staff routes.
    portal = get(world["client-a"], "/api/portal/reports/chats")["report"]
    assert portal["totals"]["chats"] == 4 and portal["company_id"] == a
    assert world["client-a"].get("/api/portal/reports/agents").status_code == 404
    assert world["client-a"].get(f"/api/companies/{a}/reports/chats").status_code == 403
    # Company B's people and ids.
    b = world["b"]
    for path in (f"/api/companies/{a}/reports/chats", f"/api/companies/{a}/board"):
        assert world["agent-b"].get(path).status_code in (403, 404)
    for field, value in (("site_id", site_a), ("team_id", 999999), ("agent_id", world["agent1"])):
        r = world["owner"].get(f"/api/companies/{b}/reports/chats", params={field: value})
        assert r.status_code == 404 and r.json()["error"]["field"] == field, r.text
    del site_a2


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-11-05", "to": "2026-11-01"}, "from"),
    ({"from": "2020-01-01", "to": "2026-11-01"}, "from"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "from"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"),
    ({"grain": "hour"}, "grain"),
    ({"site_id": "-1"}, "site_id"),
    ({"site_id": "1e3"}, "site_id"),
    ({"agent_id": "x"}, "agent_id"),
])
def test_bad_input_is_refused_with_its_field(world, query, field) -> None:
    r = world["owner"].get(f"/api/companies/{world['a']}/reports/chats", params=query)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field


def test_traffic_is_not_per_agent(world) -> None:
    r = world["owner"].get(f"/api/companies/{world['a']}/reports/traffic",
                           params={"agent_id": world["agent1"]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "agent_id"


@pytest.mark.parametrize("kind", ["traffic", "conversion"])
@pytest.mark.parametrize("field", ["agent_id", "team_id"])
def test_reports_not_per_agent_refuse_agent_and_team_filters(world, kind, field) -> None:
    """Traffic and conversion are not counted per agent or team: the filter is refused on the
    report, its export and the portal's copies, never answered with empty tables."""
    a, value = world["a"], world["agent1"] if field == "agent_id" else 999999
    paths = [(world["owner"], f"/api/companies/{a}/reports/{kind}"),
             (world["owner"], f"/api/companies/{a}/reports/{kind}/export"),
             (world["lead-a"], f"/api/companies/{a}/reports/{kind}"),
             (world["client-a"], f"/api/portal/reports/{kind}"),
             (world["client-a"], f"/api/portal/reports/{kind}/export")]
    for client, path in paths:
        r = client.get(path, params={**RANGE, field: value})
        assert r.status_code == 400, (path, r.text)
        assert (r.json()["error"]["code"], r.json()["error"]["field"]) == ("invalid", field)
    for client, path in paths:  # the same without the filter answers
        assert client.get(path, params=RANGE).status_code == 200, path


def test_exports_match_the_report_and_escape_formulas(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]

    write(app, seed_hostile_keywords, world["site_a"]["id"])
    settle(app)
    report = get(owner, f"/api/companies/{a}/reports/traffic")["report"]
    r = owner.get(f"/api/companies/{a}/reports/traffic/export",
                  params={**RANGE, "format": "csv", "table": "keywords"})
    assert r.status_code == 200, r.text
    assert r.headers["content-length"] == str(len(r.content))
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["keyword", "visits"]
    cells = {row[0] for row in rows[1:]}
    assert {"'=cmd|' /C calc'!A0", "'+1+1", "'-2", "'@SUM(A1)", "牙齿矫正"} == cells
    assert len(rows) - 1 == len(report["keywords"])
    r = owner.get(f"/api/companies/{a}/reports/chats/export",
                  params={**RANGE, "format": "xlsx"})
    assert r.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert book.sheet_names == ["summary", "series", "heatmap"]
    summary = dict(row[:2] for row in book.get_sheet_by_name("summary").to_python()[1:])
    assert summary["chats"] == 4 and summary["missed"] == 1
    for query, field in (({"format": "pdf"}, "format"), ({"format": "csv"}, "table"),
                         ({"format": "csv", "table": "nope"}, "table")):
        r = owner.get(f"/api/companies/{a}/reports/chats/export", params={**RANGE, **query})
        assert r.status_code == 400 and r.json()["error"]["field"] == field


TABLES = {"traffic": ("summary", "series", "sources", "keywords", "entry_pages", "devices",
                      "regions"),
          "chats": ("summary", "series", "heatmap"), "agents": ("agents", "load_series"),
          "conversion": ("funnel", "by_rule", "by_source", "by_keyword", "by_page")}
EMPTY = {"from": "2025-01-01", "to": "2025-01-02"}


def _csv(client: Any, path: str, **query: Any) -> list[list[str]]:
    r = client.get(path, params={**query, "format": "csv"})
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_every_export_table_has_its_header_also_when_empty(world) -> None:
    """Each table of each report, CSV and XLSX: the header of a range without data is the
    header the same table has with data (the JSON fields, ids followed by names)."""
    owner, a = world["owner"], world["a"]
    for kind, tables in TABLES.items():
        path = f"/api/companies/{a}/reports/{kind}/export"
        for table in tables:
            full = _csv(owner, path, **RANGE, table=table)
            empty = _csv(owner, path, **EMPTY, table=table)
            assert len(full) > 1, (kind, table)  # the dataset fills every table
            assert empty and empty[0] == full[0], (kind, table, empty, full[0])
        r = owner.get(path, params={**EMPTY, "format": "xlsx"})
        book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
        for table in tables:
            rows = book.get_sheet_by_name(table).to_python()
            assert rows and rows[0] == _csv(owner, path, **RANGE, table=table)[0], table


def test_export_names_and_summary_use_the_inclusive_end(world) -> None:
    owner, a = world["owner"], world["a"]
    for kind in TABLES:
        r = owner.get(f"/api/companies/{a}/reports/{kind}/export",
                      params={**RANGE, "format": "xlsx"})
        assert f'filename="{kind}-{a}-2026-11-02_2026-11-03.xlsx"' in (
            r.headers["content-disposition"]), r.headers["content-disposition"]
    # The leads export names its file the same way.
    r = owner.get(f"/api/companies/{a}/reports/export", params={**RANGE, "format": "csv"})
    assert 'filename="report-' + str(a) + '-2026-11-02_2026-11-03.csv"' in (
        r.headers["content-disposition"])
    for kind in ("traffic", "chats"):
        summary = dict(_csv(owner, f"/api/companies/{a}/reports/{kind}/export", **RANGE,
                            table="summary")[1:])
        assert (summary["from"], summary["to"]) == ("2026-11-02", "2026-11-03")


def test_xlsx_numbers_equal_the_json_ones(world) -> None:
    """Every number of every table reads back from the XLSX as the JSON/CSV value (XlsxWriter
    alone writes 0.81 as 0.8100000000000001)."""
    owner, a = world["owner"], world["a"]
    for kind, tables in TABLES.items():
        path = f"/api/companies/{a}/reports/{kind}/export"
        r = owner.get(path, params={**RANGE, "format": "xlsx"})
        book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
        for table in tables:
            rows = book.get_sheet_by_name(table).to_python()
            for got, text in zip(rows, _csv(owner, path, **RANGE, table=table), strict=True):
                for cell, want in zip(got, text, strict=True):
                    if isinstance(cell, float):
                        assert cell == float(want), (kind, table, cell, want)


def test_xlsx_cells_hold_the_shortest_decimal_of_a_number() -> None:
    """A float is written as the digits JSON and CSV show (0.81, not XlsxWriter's own
    0.8100000000000001), for every value those digits round-trip."""
    import re
    import zipfile
    from decimal import Decimal

    from appliance.services.spreadsheets import write_xlsx

    values = [n / 100 for n in range(-20000, 20001)] + [0.9 * 0.9, 1e20, 1.5e-7, 123456.78]
    values = [round(x, 2) if x > 1e-3 else x for x in values]
    data = write_xlsx([("n", ("n",), [[x] for x in values])])
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    cells = re.findall(r"<v>([^<]*)</v>", sheet)[1:]  # after the header's shared string
    assert len(cells) == len(values)
    for text, value in zip(cells, values, strict=True):
        assert Decimal(text) == Decimal(repr(value)), (text, value)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == values


def test_aggregates_equal_a_rebuild_and_follow_a_time_zone_change(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    get(owner, f"/api/companies/{a}/reports/chats")  # caught up
    stored = run(app, app.runtime.db.read(report_aggregates.all_rows))
    assert stored == write(app, report_rebuild.rebuilt_rows)
    r = owner.patch(f"/api/companies/{a}", json={"settings": {"timezone": "Asia/Shanghai"}})
    assert r.status_code == 200
    report = get(owner, f"/api/companies/{a}/reports/chats",
                 **{"from": "2026-11-03", "to": "2026-11-04"})["report"]
    # In Shanghai C1 starts on Tuesday 12:30, C2 at 23:00, C3 on Wednesday 00:00.
    assert report["heatmap"][1][12] == 1 and report["heatmap"][1][23] == 1
    assert report["heatmap"][2][0] == 1
    stored = run(app, app.runtime.db.read(report_aggregates.all_rows))
    assert stored == write(app, report_rebuild.rebuilt_rows)


def test_the_board_shows_agents_queue_and_today(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    today = app.runtime.services.now()

    write(app, seed_waiting_chat, world["site_a"]["id"], today)
    board = owner.get(f"/api/companies/{a}/board").json()["board"]
    # The bot-only chat C5 (open since 4 Nov) and the one queued 90 s ago wait.
    assert board["queue"]["waiting"] == 2
    assert board["queue"]["oldest_queued_at"] == "2026-11-04T05:30:00Z"
    assert board["chatting"] == 0
    # Everyone who can take the company's chats: its sites' agents and supervisor, and the
    # owner and an admin who serve every site without being assigned to one; not a client,
    # not another company's agent, not someone deactivated.
    owner_id = owner.get("/api/me").json()["user"]["id"]
    admin = _user(owner, "admin-x", "admin")
    other = _user(owner, "agent-b9", "agent", site_ids=[world["site_b"]["id"]])
    gone = _user(owner, "agent-a9", "agent", site_ids=[world["site_a"]["id"]])
    assert owner.post(f"/api/users/{gone}/deactivate").status_code == 200
    board = owner.get(f"/api/companies/{a}/board").json()["board"]
    shown = {x["id"] for x in board["agents"]}
    lead = next(u["id"] for u in owner.get("/api/users").json()["users"]
                if u["login"] == "lead-a")
    client = next(u["id"] for u in owner.get("/api/users").json()["users"]
                  if u["login"] == "client-a")
    assert shown >= {world["agent1"], world["agent2"], lead, owner_id, admin}
    assert not shown & {other, gone, client}
    one_site = owner.get(f"/api/companies/{a}/board",
                         params={"site_id": world["site_a"]["id"]}).json()["board"]
    assert {x["id"] for x in one_site["agents"]} >= {world["agent1"], owner_id, admin}
    assert lead not in {x["id"] for x in one_site["agents"]}  # lead-a serves site A2 only
    assert len(board["today"]["chats_by_hour"]) == 24


def test_scheduled_mail_per_recipient_with_summary_and_xlsx(world, smtp) -> None:  # noqa: F811
    app, owner, a = world["appliance"], world["owner"], world["a"]
    r = owner.put("/api/settings/smtp", json={"host": "127.0.0.1", "port": smtp.port,
                                              "security": "none", "username": "",
                                              "from_address": "kefu@example.com"})
    assert r.status_code == 200, r.text
    r = owner.patch(f"/api/companies/{a}", json={"settings": {
        "report_schedule": "weekly", "report_emails": ["boss@client-a.example"],
        "report_recipients": [{"email": "desk@client-a.example", "schedule": "daily"}]}})
    assert r.status_code == 200, r.text
    assert r.json()["company"]["settings"]["report_recipients"] == [
        {"email": "desk@client-a.example", "schedule": "daily"}]
    for bad in ([{"email": "x@y.example", "schedule": "hourly"}], [{"email": "nope"}], "x"):
        r = owner.patch(f"/api/companies/{a}", json={"settings": {"report_recipients": bad}})
        assert r.status_code == 400 and r.json()["error"]["field"] == "settings.report_recipients"
    svc = app.runtime.services
    wednesday = T(2026, 11, 4, 17, 0)  # 12:00 in New York: the last day is Tuesday 3 Nov
    queued = run(app, send_due_reports(svc, wednesday))
    assert sorted(queued) == sorted([f"{a}:2026-11-03", f"{a}:2026-W44"])
    assert run(app, send_due_reports(svc, wednesday)) == []  # once per schedule and period
    mails = {m["To"]: m for m in smtp.inbox.wait(2, timeout=30)}
    daily = mails["desk@client-a.example"]
    text = daily.get_body(("plain",)).get_content()
    assert "Chats: 3" in text and "Missed: 1" in text and "Visits: 3" in text, text
    assert "2026-11-03" in daily["Subject"]
    assert "(2026-11-03 – 2026-11-03, America/New_York)" in text, text  # its days, inclusive
    [attachment] = list(daily.iter_attachments())
    book = CalamineWorkbook.from_filelike(io.BytesIO(attachment.get_content()))
    # In Chinese (no company or site setting names a language for its readers): the
    # effective-consultation sheets, then chats, traffic and agents.
    assert book.sheet_names == ["汇总", "按日", "按站点", "按来源", "按搜索关键词", "按客服",
                                "线索明细", "对话汇总", "流量汇总", "客服工作量"]
    chats = dict(row[:2] for row in book.get_sheet_by_name("对话汇总").to_python()[1:])
    assert chats["对话数"] == 3 and chats["留言"] == 1 and "首次响应中位数（秒）" in chats
    assert book.get_sheet_by_name("客服工作量").to_python()[0][:3] == ["客服编号", "客服",
                                                                     "对话数"]
    assert book.get_sheet_by_name("线索明细").to_python()[0][-1] == "对话开始时间"
    weekly = mails["boss@client-a.example"]
    assert "W44" in weekly["Subject"]
    assert "(2026-10-26 – 2026-11-01, " in weekly.get_body(("plain",)).get_content()


def test_the_board_is_pushed_when_a_chat_starts_and_ends(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    site = world["site_a"]

    async def scenario() -> None:
        ws = await agent_socket(app, owner, workbench=False)
        await ws.send(json.dumps({"type": "board_watch", "company_id": a}))
        first = (await next_of(ws, "board", timeout=10))["board"]
        open_before = first["chatting"] + first["queue"]["waiting"]
        assert first["company_id"] == a and open_before == 1  # the bot-only chat C5
        # Refusals come back as error frames and leave the socket open.
        await ws.send(json.dumps({"type": "board_watch", "company_id": "x"}))
        error = await next_of(ws, "error", timeout=10)
        assert (error["request"], error["error"]["field"]) == ("board_watch", "company_id")
        await ws.send(json.dumps({"type": "board_watch", "company_id": world["b"],
                                  "site_id": site["id"]}))
        assert (await next_of(ws, "error", timeout=10))["error"]["code"] == "not_found"
        await ws.send(json.dumps({"type": "board_watch", "company_id": a}))
        await next_of(ws, "board", timeout=10)
        conversation = await asyncio.to_thread(chat, app, site, ORIGIN_A)
        while True:  # pushed without asking again
            board = (await next_of(ws, "board", timeout=10))["board"]
            if (board["chatting"] + board["queue"]["waiting"] == open_before + 1
                    and board["today"]["chats"] >= 1):
                break
        r = await asyncio.to_thread(world["agent-a"].post,
                                    f"/api/conversations/{conversation}/close", json={})
        assert r.status_code == 200, r.text
        while True:
            board = (await next_of(ws, "board", timeout=10))["board"]
            if board["chatting"] + board["queue"]["waiting"] == open_before:
                break
        await ws.close()
        agent_ws = await agent_socket(app, world["agent-a"], workbench=False)
        await agent_ws.send(json.dumps({"type": "board_watch", "company_id": a}))
        assert (await next_of(agent_ws, "error", timeout=10))["error"]["code"] == "forbidden"
        await agent_ws.close()

    asyncio.run(scenario())


def seed_world(site: int, a: int, agent1: int, agent2: int, site_b: int) -> dict[str, int]:
    ids: dict[str, int] = {}
    # C1: Monday 2 Nov 23:30 local (04:30Z on the 3rd) to 00:10 on the 3rd; invited by a
    # rule, answered after 20 s, rated 5, an effective lead; its visit has a page view
    # after local midnight.
    v1 = seed.visitor(site, T(2026, 11, 3, 4, 20))
    seed.visit(v1, site, T(2026, 11, 3, 4, 20), kind="search", source="百度",
               keyword="牙齿矫正", entry="https://www.example.com/ortho?utm=1",
               device="phone", province="广东",
               pages=[T(2026, 11, 3, 4, 20), T(2026, 11, 3, 4, 25), T(2026, 11, 3, 5, 5)])
    c1 = seed.conversation(site, v1, T(2026, 11, 3, 4, 30), [
        (T(2026, 11, 3, 4, 30), "visitor", v1, "text", "hi"),
        (T(2026, 11, 3, 4, 30), "system", agent1, "system", "agent_joined"),
        (T(2026, 11, 3, 4, 30, 20), "agent", agent1, "text", "hello"),
        (T(2026, 11, 3, 5, 10), "system", agent1, "system", "closed")],
        assignee=agent1, closed_at=T(2026, 11, 3, 5, 10), rating=5)
    ids["rule"] = 77
    seed.invitation(site, v1, T(2026, 11, 3, 4, 25), "accepted", rule_id=77,
                    conversation_id=c1)
    seed.lead(a, site, c1, T(2026, 11, 3, 4, 40), effective=True, agent_id=agent1)
    # C2: Tuesday 10:00 local; waits 2 s for agent 1, transferred to agent 2 who answers
    # after 90 s; rated 3; a lead that is not effective. A returning direct visit.
    v2 = seed.visitor(site, T(2026, 11, 3, 14, 55))
    seed.visit(v2, site, T(2026, 11, 3, 14, 55), number=2, province="北京")
    seed.invitation(site, v2, T(2026, 11, 3, 14, 56), "declined", agent_id=agent1)
    c2 = seed.conversation(site, v2, T(2026, 11, 3, 15, 0), [
        (T(2026, 11, 3, 15, 0), "visitor", v2, "text", "hi"),
        (T(2026, 11, 3, 15, 0, 2), "system", agent1, "system", "agent_joined"),
        (T(2026, 11, 3, 15, 1), "system", agent2, "system", "transferred"),
        (T(2026, 11, 3, 15, 1, 30), "agent", agent2, "text", "hello"),
        (T(2026, 11, 3, 15, 31), "system", agent2, "system", "closed")],
        assignee=agent2, closed_at=T(2026, 11, 3, 15, 31), rating=3)
    seed.lead(a, site, c2, T(2026, 11, 3, 15, 20), effective=False, agent_id=agent2)
    # C3: Tuesday 11:00 local; nobody answers: missed, closed after 30 minutes.
    v3 = seed.visitor(site, T(2026, 11, 3, 15, 58))
    seed.visit(v3, site, T(2026, 11, 3, 15, 58), kind="website", source="example.org",
               entry="https://www.example.com/price")
    seed.invitation(site, v3, T(2026, 11, 3, 15, 59), "ignored", rule_id=77)
    seed.conversation(site, v3, T(2026, 11, 3, 16, 0), [
        (T(2026, 11, 3, 16, 0), "visitor", v3, "text", "anyone?")],
        closed_at=T(2026, 11, 3, 16, 30), missed=True)
    # C4: a message left on Tuesday 21:00 local, answered 12 hours later.
    v4 = seed.visitor(site, T(2026, 11, 4, 1, 59))
    seed.visit(v4, site, T(2026, 11, 4, 1, 59))
    seed.conversation(site, v4, T(2026, 11, 4, 2, 0), [
        (T(2026, 11, 4, 2, 0), "visitor", v4, "text", "call me", "left-0001"),
        (T(2026, 11, 4, 14, 0), "agent", agent1, "text", "calling")],
        status="pending", assignee=agent1)
    # C5: Wednesday 00:30 local (outside the range): the bot alone answers.
    v5 = seed.visitor(site, T(2026, 11, 4, 5, 29))
    seed.visit(v5, site, T(2026, 11, 4, 5, 29))
    seed.conversation(site, v5, T(2026, 11, 4, 5, 30), [
        (T(2026, 11, 4, 5, 30), "visitor", v5, "text", "price?"),
        (T(2026, 11, 4, 5, 30, 1), "bot", None, "text", "It is 100.")], status="open")
    # Agent 1 at the workbench on Tuesday: 2 h online, 30 min busy, 30 min away.
    seed.span(agent1, "online", T(2026, 11, 3, 14, 0), T(2026, 11, 3, 16, 0))
    seed.span(agent1, "busy", T(2026, 11, 3, 16, 0), T(2026, 11, 3, 16, 30))
    seed.span(agent1, "away", T(2026, 11, 3, 16, 30), T(2026, 11, 3, 17, 0))
    # Company B's rows never count for A.
    vb = seed.visitor(site_b, T(2026, 11, 3, 15, 0))
    seed.visit(vb, site_b, T(2026, 11, 3, 15, 0))
    seed.conversation(site_b, vb, T(2026, 11, 3, 15, 0), [
        (T(2026, 11, 3, 15, 0), "visitor", vb, "text", "b")], status="open")
    return ids


def seed_hostile_keywords(site_id: int) -> None:
    v = seed.visitor(site_id, T(2026, 11, 3, 18, 0))
    for i, keyword in enumerate(("=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)")):
        seed.visit(v, site_id, T(2026, 11, 3, 18, i), number=2 + i,
                   keyword=keyword, kind="search", source="百度")


def seed_waiting_chat(site_id: int, today: datetime) -> None:
    v = seed.visitor(site_id, today)
    cid = seed.conversation(site_id, v, today - timedelta(seconds=90), [
        (today - timedelta(seconds=90), "visitor", v, "text", "hello?")], status="open")
    seed.insert("report_mark", source=f"x{cid}", last_id=0, timezones="")  # harmless
    from appliance.storage.database import bound_database
    bound_database.obj.execute_sql(
        "UPDATE conversation SET queued_at = ? WHERE id = ?",
        (str(today - timedelta(seconds=90)), cid))


# -- the day a lead counts on -----------------------------------------------------------------

def same_as_a_rebuild(app: Appliance) -> None:
    """The live aggregates equal ones rebuilt from the raw rows."""
    settle(app)
    stored = run(app, app.runtime.db.read(report_aggregates.all_rows))
    assert stored == write(app, report_rebuild.rebuilt_rows)


def seed_late_chat(site: int, started: datetime, agent: int) -> int:
    v = seed.visitor(site, started)
    return seed.conversation(site, v, started, [
        (started, "visitor", v, "text", "还在吗"),
        (started, "system", agent, "system", "agent_joined"),
        (started + timedelta(seconds=30), "agent", agent, "text", "在")],
        assignee=agent, closed_at=started + timedelta(minutes=5))


def seed_effective_lead(company: int, site: int, conversation: int, at: datetime) -> int:
    return seed.lead(company, site, conversation, at, effective=True)


def test_a_lead_counts_on_the_day_its_chat_started_in_every_report(world) -> None:
    """A chat at 23:58 local whose lead is saved after midnight is billed on the chat's day
    (and month), as the chats and conversion reports count it: in the billing report, its
    by-day rows, its exports, the lead lists and the portal; live and after a rebuild."""
    from zoneinfo import ZoneInfo

    app, owner, a, site = world["appliance"], world["owner"], world["a"], world["site_a"]["id"]
    ny, utc = ZoneInfo("America/New_York"), ZoneInfo("UTC")
    today = app.runtime.services.now().replace(tzinfo=utc).astimezone(ny).date()
    day = today - timedelta(days=3)
    started = datetime(day.year, day.month, day.day, 23, 58, tzinfo=ny).astimezone(
        utc).replace(tzinfo=None)
    cid = write(app, seed_late_chat, site, started, world["agent1"])
    # Saved through the lead card now, days after the chat's day.
    r = world["agent-a"].put(f"/api/conversations/{cid}/lead", json={
        "name": "夜猫", "phone": "13911112222", "need": "种牙"})
    assert r.status_code == 200, r.text
    lead = r.json()["lead"]
    assert lead["chat_started_at"] == started.isoformat() + "Z"
    chat_day = {"from": day.isoformat(), "to": day.isoformat()}
    after = {"from": (day + timedelta(days=1)).isoformat(), "to": today.isoformat()}
    # The seeded lead of a chat at 23:58 on 30 November, saved at 00:00:20 on 1 December.
    month_end = T(2026, 12, 1, 4, 58)
    late = write(app, seed_late_chat, site, month_end, world["agent1"])
    write(app, seed_effective_lead, a, site, late, month_end + timedelta(seconds=140))
    settle(app)
    for who, base in ((owner, f"/api/companies/{a}"), (world["client-a"], "/api/portal")):
        billing = who.get(f"{base}/reports", params=chat_day).json()["report"]
        assert (billing["leads"], billing["billable"]) == (1, 1), base
        assert billing["by_period"] == [{"period": day.isoformat(), "leads": 1, "billable": 1}]
        assert who.get(f"{base}/reports", params=after).json()["report"]["leads"] == 0
        assert [x["id"] for x in who.get(f"{base}/leads", params=chat_day).json()["leads"]] == [
            lead["id"]]
        assert who.get(f"{base}/leads", params=after).json()["total"] == 0
        rows = list(csv.reader(io.StringIO(who.get(f"{base}/reports/export", params={
            **chat_day, "format": "csv"}).content.decode("utf-8-sig"))))
        assert rows[0][-1] == "chat_started_at"
        assert [(row[0], row[-1]) for row in rows[1:]] == [
            (str(lead["id"]), f"{day.isoformat()} 23:58")]
        conversion = who.get(f"{base}/reports/conversion", params=chat_day).json()["report"]
        assert sum(row["leads"] for row in conversion["by_source"]) == billing["leads"]
        assert sum(row["effective"] for row in conversion["by_source"]) == billing["effective"]
        months = who.get(f"{base}/reports", params={
            "from": "2026-11-01", "to": "2026-12-31", "grain": "month"}).json()["report"]
        november = who.get(f"{base}/reports/conversion", params={
            "from": "2026-11-30", "to": "2026-11-30"}).json()["report"]
        assert {r["period"]: r["leads"] for r in months["by_period"]}.get("2026-11") == (
            1 + 2 + (day.month == 11)), base  # C1 and C2, the late chat, maybe the first
        assert sum(row["leads"] for row in november["by_source"]) == 1
        assert who.get(f"{base}/reports", params={"from": "2026-11-30", "to": "2026-11-30"}
                       ).json()["report"]["leads"] == 1
        assert who.get(f"{base}/reports", params={"from": "2026-12-01", "to": "2026-12-01"}
                       ).json()["report"]["leads"] == int(day == T(2026, 12, 1).date())
    same_as_a_rebuild(app)
    run(app, app.runtime.aggregator.rebuild())
    conversion = get(owner, f"/api/companies/{a}/reports/conversion", **chat_day)["report"]
    assert sum(row["leads"] for row in conversion["by_source"]) == 1


# -- left messages and bot chats ---------------------------------------------------------------

def seed_offline_day(site: int, agent: int) -> None:
    """Tuesday 10 November (local): a message left at 10:00 and taken by agent 1 at 15:00;
    a live chat at 11:00 answered in 30 s after a 5 s wait, in which the visitor later left
    a message too."""
    v1 = seed.visitor(site, T(2026, 11, 10, 15, 0))
    seed.conversation(site, v1, T(2026, 11, 10, 15, 0), [
        (T(2026, 11, 10, 15, 0), "visitor", v1, "text", "call me", "left-0010"),
        (T(2026, 11, 10, 20, 0), "system", agent, "system", "agent_joined"),
        (T(2026, 11, 10, 20, 0, 30), "agent", agent, "text", "calling")],
        status="open", assignee=agent)
    v2 = seed.visitor(site, T(2026, 11, 10, 16, 0))
    seed.conversation(site, v2, T(2026, 11, 10, 16, 0), [
        (T(2026, 11, 10, 16, 0), "visitor", v2, "text", "hi"),
        (T(2026, 11, 10, 16, 0, 5), "system", agent, "system", "agent_joined"),
        (T(2026, 11, 10, 16, 0, 35), "agent", agent, "text", "hello"),
        (T(2026, 11, 10, 17, 0), "visitor", v2, "text", "later", "left-0011"),
        (T(2026, 11, 10, 18, 0), "agent", agent, "text", "ok")],
        status="open", assignee=agent)


def test_a_left_message_is_no_queued_chat_and_has_no_first_response(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    write(app, seed_offline_day, world["site_a"]["id"], world["agent1"])
    settle(app)
    day = {"from": "2026-11-10", "to": "2026-11-10"}
    for query in ({}, {"agent_id": world["agent1"]}):
        report = get(owner, f"/api/companies/{a}/reports/chats", **day, **query)["report"]
        totals = report["totals"]
        assert (totals["chats"], totals["left_messages"], totals["left_messages_answered"],
                totals["answered"], totals["queued"]) == (2, 2, 2, 2, 1), query
        assert (report["first_response"]["count"], report["first_response"]["average"]) == (
            1, 35), query
        assert (report["queue_wait"]["count"], report["queue_wait"]["average"]) == (1, 5)
        assert report["left_message_answer"]["count"] == 2
        [point] = report["series"]
        assert close_to(point["first_response_median"], 35), point
    agents = get(owner, f"/api/companies/{a}/reports/agents", **day)["report"]["agents"]
    mine = next(row for row in agents if row["agent_id"] == world["agent1"])
    assert (mine["chats"], mine["first_response"]["count"]) == (2, 1)
    same_as_a_rebuild(app)


def seed_bot_day(site: int, agent: int) -> None:
    """Wednesday 11 November (local): a bot chat an agent took over and closed without
    writing; a bot chat the visitor left (the bot's alone)."""
    def bot_chat(at: datetime, messages: list[tuple], outcome: str, reason: str | None,
                 **kwargs: Any) -> None:
        cid = seed.conversation(site, v, at, [
            (at, "visitor", v, "text", "price?"),
            (at + timedelta(seconds=1), "bot", None, "text", "It is 100."), *messages],
            closed_at=at + timedelta(minutes=10), **kwargs)
        seed.bound_database.obj.execute_sql(
            'UPDATE "conversation" SET "bot_outcome" = ?, "handover_reason" = ? WHERE "id" = ?',
            (outcome, reason, cid))

    v = seed.visitor(site, T(2026, 11, 11, 15, 0))
    bot_chat(T(2026, 11, 11, 15, 0), [
        (T(2026, 11, 11, 15, 2), "system", agent, "system", "agent_joined")],
        "handed_over", "agent", assignee=agent)
    bot_chat(T(2026, 11, 11, 16, 0), [], "left", None)


def test_a_bot_chat_an_agent_took_over_is_not_bot_only(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    write(app, seed_bot_day, world["site_a"]["id"], world["agent1"])
    settle(app)
    day = {"from": "2026-11-11", "to": "2026-11-11"}
    totals = get(owner, f"/api/companies/{a}/reports/chats", **day)["report"]["totals"]
    assert (totals["chats"], totals["unanswered"], totals["bot_only"]) == (2, 2, 1)
    theirs = get(owner, f"/api/companies/{a}/reports/chats", **day,
                 agent_id=world["agent1"])["report"]["totals"]
    assert (theirs["chats"], theirs["bot_only"]) == (1, 0)
    same_as_a_rebuild(app)


# -- the chat rate, an agent's load, the portal ------------------------------------------------

def seed_untracked_chats(site: int) -> None:
    """Thursday 12 November (local): one visit without a chat and three chats whose visitor
    sent no page (no recorded visit). Friday 13th: one visit without a chat, and two chats at
    00:05 of visits that started at 23:55 the evening before."""
    lone = seed.visitor(site, T(2026, 11, 12, 15, 0))
    seed.visit(lone, site, T(2026, 11, 12, 15, 0))
    for minute in range(3):
        v = seed.visitor(site, T(2026, 11, 12, 16, minute))
        seed.conversation(site, v, T(2026, 11, 12, 16, minute), [
            (T(2026, 11, 12, 16, minute), "visitor", v, "text", "hi")], status="open")
    lone = seed.visitor(site, T(2026, 11, 13, 15, 0))
    seed.visit(lone, site, T(2026, 11, 13, 15, 0))
    for second in range(2):
        v = seed.visitor(site, T(2026, 11, 14, 4, 55))
        seed.visit(v, site, T(2026, 11, 14, 4, 55))
        seed.conversation(site, v, T(2026, 11, 14, 5, 5, second), [
            (T(2026, 11, 14, 5, 5, second), "visitor", v, "text", "hi")], status="open")


def test_the_chat_rate_counts_chats_with_a_visit_and_stays_within_0_and_1(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    write(app, seed_untracked_chats, world["site_a"]["id"])
    settle(app)
    path = f"/api/companies/{a}/reports/traffic"
    totals = get(owner, path, **{"from": "2026-11-12", "to": "2026-11-12"})["report"]["totals"]
    assert (totals["visits"], totals["chats"], totals["chat_rate"]) == (1, 3, 0.0)
    totals = get(owner, path, **{"from": "2026-11-14", "to": "2026-11-14"})["report"]["totals"]
    assert (totals["visits"], totals["chats"], totals["chat_rate"]) == (0, 2, 0)
    # 13th and 14th: three visits, two of them led to the chats.
    totals = get(owner, path, **{"from": "2026-11-13", "to": "2026-11-14"})["report"]["totals"]
    assert (totals["visits"], totals["chats"], totals["chat_rate"]) == (3, 2, 0.6667)
    # The 14th counted with one more visit of its own: the chats' visits are the 13th's.
    write(app, seed.visit, write(app, seed.visitor, world["site_a"]["id"], T(2026, 11, 14, 15)),
          world["site_a"]["id"], T(2026, 11, 14, 15))
    settle(app)
    totals = get(owner, path, **{"from": "2026-11-14", "to": "2026-11-14"})["report"]["totals"]
    assert (totals["visits"], totals["chats"], totals["chat_rate"]) == (1, 2, 1.0)


def seed_load_across_midnight(site: int, agent: int) -> None:
    """Agent 1 online from 23:00 on Sunday 15 November to 01:00 on Monday (local): the span
    counts on Sunday. On Monday at 10:00 they hold a chat for 30 minutes."""
    seed.span(agent, "online", T(2026, 11, 16, 4, 0), T(2026, 11, 16, 6, 0))
    v = seed.visitor(site, T(2026, 11, 16, 15, 0))
    seed.conversation(site, v, T(2026, 11, 16, 15, 0), [
        (T(2026, 11, 16, 15, 0), "visitor", v, "text", "hi"),
        (T(2026, 11, 16, 15, 0), "system", agent, "system", "agent_joined"),
        (T(2026, 11, 16, 15, 0, 20), "agent", agent, "text", "hello")],
        assignee=agent, closed_at=T(2026, 11, 16, 15, 30))


def test_average_load_is_null_without_time_at_work(world) -> None:
    app, owner, a = world["appliance"], world["owner"], world["a"]
    write(app, seed_load_across_midnight, world["site_a"]["id"], world["agent1"])
    settle(app)
    path = f"/api/companies/{a}/reports/agents"
    monday = get(owner, path, **{"from": "2026-11-16", "to": "2026-11-16"})["report"]
    row = next(r for r in monday["agents"] if r["agent_id"] == world["agent1"])
    assert (row["chats"], row["chat_seconds"], row["online_seconds"]) == (1, 1800, 0)
    assert row["average_load"] is None
    assert [p["average_load"] for p in monday["load_series"]
            if p["agent_id"] == world["agent1"]] == [None]
    both = get(owner, path, **{"from": "2026-11-15", "to": "2026-11-16"})["report"]
    row = next(r for r in both["agents"] if r["agent_id"] == world["agent1"])
    assert row["average_load"] == 0.25
    assert {p["period"]: p["average_load"] for p in both["load_series"]
            if p["agent_id"] == world["agent1"]} == {"2026-11-15": 0.0, "2026-11-16": None}
    r = owner.get(f"{path}/export", params={"from": "2026-11-16", "to": "2026-11-16",
                                            "format": "csv", "table": "agents"})
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["average_load"] for row in rows if row["agent_id"] == str(world["agent1"])
            ] == [""]


@pytest.mark.parametrize("path", ["/api/portal/reports/chats", "/api/portal/reports/traffic",
                                  "/api/portal/reports/conversion",
                                  "/api/portal/reports/chats/export"])
def test_the_portal_refuses_agent_id(world, path) -> None:
    client = world["client-a"]
    for agent in (world["agent1"], world["agent2"]):
        r = client.get(path, params={**RANGE, "agent_id": agent, "format": "csv",
                                     "table": "summary"})
        assert (r.status_code, r.json()["error"]["field"]) == (400, "agent_id"), r.text
        assert "agent-a" not in r.text
    assert client.get(path, params={**RANGE, "format": "csv", "table": "summary"}
                      ).status_code == 200
    # Staff keep the filter.
    assert world["owner"].get(f"/api/companies/{world['a']}/reports/chats", params={
        **RANGE, "agent_id": world["agent1"]}).status_code == 200
