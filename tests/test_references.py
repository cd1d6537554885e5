"""Every input that names another object (a team, a category, a person, a customer, an entry,
a site) takes only an object of the same site — or of the same company where the object is
company-wide. One table over all such routes, with two companies (A: sites A and A2; B: site B):
each row names an object of the other site or company, gets the documented refusal with its
`field`, and changes nothing; the same row with an object in scope is accepted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import AGENT_PASSWORD_FOR_TESTS, ORIGIN_A
from test_conversations import been_at_the_workbench


def ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


@pytest.fixture
def world(two_companies: dict[str, Any]) -> dict[str, Any]:
    """Beside two_companies: an agent of A2 only, a team of each site and a shared one, a
    category and an invitation rule of site A, a chat on site A, a customer of each company
    and a knowledge-base entry of company A."""
    w = dict(two_companies)
    boss, appliance = w["owner"], w["appliance"]
    w["agent-a2-id"] = ok(boss.post("/api/users", json={
        "login": "agent-a2", "display_name": "agent-a2", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [w["site_a2"]["id"]]}))["user"]["id"]
    for name, site, members in (("team_a", "site_a", ["agent-a-id"]),
                                ("team_a2", "site_a2", ["agent-a2-id"]),
                                ("team_b", "site_b", ["agent-b-id"]),
                                ("shared", None, ["agent-a-id", "agent-b-id"])):
        w[name] = ok(boss.post("/api/teams", json={
            "name": name, "site_id": None if site is None else w[site]["id"],
            "member_ids": [w[m] for m in members]}))["team"]["id"]
    site_a = w["site_a"]["id"]
    w["category_a"] = ok(boss.post(f"/api/sites/{site_a}/categories", json={
        "name": "售前", "team_id": w["team_a"]}))["category"]["id"]
    w["rule_a"] = ok(boss.post(f"/api/sites/{site_a}/invitation-rules", json={
        "name": "规则", "message": "你好", "conditions": {"min_pages": 2},
        "team_id": w["team_a"]}))["rule"]["id"]
    session = ok(httpx.post(f"{appliance.url}/api/widget/session", headers={"Origin": ORIGIN_A},
                            json={"site_key": w["site_a"]["widget_key"]}))
    w["widget"] = {"Authorization": f"Bearer {session['visitor_token']}", "Origin": ORIGIN_A}
    w["conversation_a"] = ok(httpx.post(f"{appliance.url}/api/widget/send", headers=w["widget"],
                                        json={"client_id": "ref-0001", "body": "你好"})
                             )["conversation_id"]
    w["customer_a"] = ok(boss.post(f"/api/companies/{w['a']}/customers", json={
        "name": "甲客户", "owner_id": w["agent-a-id"]}))["customer"]["id"]
    w["customer_a2"] = ok(boss.post(f"/api/companies/{w['a']}/customers", json={
        "name": "甲客户二"}))["customer"]["id"]
    w["customer_b"] = ok(boss.post(f"/api/companies/{w['b']}/customers", json={
        "name": "乙客户"}))["customer"]["id"]
    w["entry_a"] = ok(boss.post(f"/api/companies/{w['a']}/kb/entries", json={
        "question": "营业时间", "answer": "九点到五点"}))["entry"]["id"]
    return w


@dataclass(frozen=True)
class Row:
    """A route that takes an id of another object: `call(world, id)` sends it; `wrong` are the
    out-of-scope ids (another site of the company, another company), `right` one in scope;
    `probe` is a GET whose answer a refusal leaves as it was. `fixed` tells the routes this
    session had to fix from those that were already right."""

    name: str
    call: Callable[[dict[str, Any], int], httpx.Response]
    wrong: Callable[[dict[str, Any]], list[int]]
    right: Callable[[dict[str, Any]], int]
    status: int
    field: str
    probe: Callable[[dict[str, Any]], str]
    fixed: bool = False


def _boss(w: dict[str, Any]) -> Any:
    return w["owner"]


def _site_a(w: dict[str, Any]) -> str:
    return f"/api/sites/{w['site_a']['id']}"


def _widget_send(w: dict[str, Any], category: int) -> httpx.Response:
    """A new visitor's first message, in the category (only a new chat takes one)."""
    url = w["appliance"].url
    session = ok(httpx.post(f"{url}/api/widget/session", headers={"Origin": ORIGIN_A},
                            json={"site_key": w["site_a"]["widget_key"]}))
    return httpx.post(f"{url}/api/widget/send", json={
        "client_id": f"ref-cat-{category}", "body": "分类", "category_id": category},
        headers={"Authorization": f"Bearer {session['visitor_token']}", "Origin": ORIGIN_A})


def _boss_at_the_workbench(w: dict[str, Any]) -> int:
    """The owner (who serves every site, and is in none of site A's teams, so that entering
    the workbench hands them none of its waiting chats), present as a transfer's target must
    be: their id."""
    been_at_the_workbench(w["appliance"], w["owner"])
    return int(ok(w["owner"].get("/api/me"))["user"]["id"])


ROWS = [
    Row("PATCH /api/sites/{id} fallback_team_id",
        lambda w, i: _boss(w).patch(_site_a(w), json={"fallback_team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["team_a"], 400,
        "fallback_team_id", _site_a, fixed=True),
    Row("PATCH /api/sites/{id} fallback_team_id (shared team)",
        lambda w, i: _boss(w).patch(_site_a(w), json={"fallback_team_id": i}),
        lambda w: [w["team_b"]], lambda w: w["shared"], 400, "fallback_team_id", _site_a,
        fixed=True),
    Row("POST /api/sites fallback_team_id (a new site has only shared teams)",
        lambda w, i: _boss(w).post("/api/sites", json={
            "name": "新站", "url": "https://new.example", "company_id": w["a"],
            "fallback_team_id": i}),
        lambda w: [w["team_a"], w["team_b"]], lambda w: w["shared"], 400, "fallback_team_id",
        lambda w: "/api/sites", fixed=True),
    Row("POST /api/sites/{id}/categories team_id",
        lambda w, i: _boss(w).post(f"{_site_a(w)}/categories", json={"name": "新类",
                                                                     "team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["team_a"], 400, "team_id",
        lambda w: f"{_site_a(w)}/categories", fixed=True),
    Row("PATCH /api/categories/{id} team_id",
        lambda w, i: _boss(w).patch(f"/api/categories/{w['category_a']}", json={
            "name": "售前", "team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["shared"], 400, "team_id",
        lambda w: f"{_site_a(w)}/categories", fixed=True),
    Row("POST /api/teams member_ids (a site's team: who serves the site)",
        lambda w, i: _boss(w).post("/api/teams", json={
            "name": "新组", "site_id": w["site_a"]["id"], "member_ids": [i]}),
        lambda w: [w["agent-a2-id"], w["agent-b-id"]], lambda w: w["agent-a-id"], 400,
        "member_ids", lambda w: "/api/teams", fixed=True),
    Row("PATCH /api/teams/{id} member_ids",
        lambda w, i: _boss(w).patch(f"/api/teams/{w['team_a']}", json={
            "name": "team_a", "site_id": w["site_a"]["id"], "member_ids": [i]}),
        lambda w: [w["agent-a2-id"], w["agent-b-id"]], lambda w: w["agent-a-id"], 400,
        "member_ids", lambda w: "/api/teams", fixed=True),
    Row("PATCH /api/teams/{id} site_id (a team that site A's settings name)",
        lambda w, i: _boss(w).patch(f"/api/teams/{w['team_a']}", json={
            "name": "team_a", "site_id": i, "member_ids": [w["agent-a-id"]]}),
        lambda w: [w["site_a2"]["id"], w["site_b"]["id"]], lambda w: w["site_a"]["id"], 400,
        "site_id", lambda w: "/api/teams", fixed=True),
    Row("POST /api/sites/{id}/invitation-rules team_id",
        lambda w, i: _boss(w).post(f"{_site_a(w)}/invitation-rules", json={
            "name": "新规则", "message": "你好", "conditions": {"min_pages": 3},
            "team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["shared"], 400, "team_id",
        lambda w: f"{_site_a(w)}/invitation-rules"),
    Row("PATCH /api/invitation-rules/{id} team_id",
        lambda w, i: _boss(w).patch(f"/api/invitation-rules/{w['rule_a']}",
                                    json={"team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["team_a"], 400, "team_id",
        lambda w: f"{_site_a(w)}/invitation-rules"),
    Row("POST /api/conversations/{id}/transfer team_id",
        lambda w, i: _boss(w).post(f"/api/conversations/{w['conversation_a']}/transfer",
                                   json={"team_id": i}),
        lambda w: [w["team_a2"], w["team_b"]], lambda w: w["team_a"], 400, "team_id",
        lambda w: f"/api/conversations/{w['conversation_a']}"),
    Row("POST /api/conversations/{id}/transfer agent_id",
        lambda w, i: _boss(w).post(f"/api/conversations/{w['conversation_a']}/transfer",
                                   json={"agent_id": i}),
        lambda w: [w["agent-a2-id"], w["agent-b-id"]], _boss_at_the_workbench, 400,
        "agent_id", lambda w: f"/api/conversations/{w['conversation_a']}"),
    Row("POST /api/widget/send category_id",
        _widget_send,
        lambda w: [ok(_boss(w).post(f"/api/sites/{w['site_a2']['id']}/categories",
                                    json={"name": "乙类"}))["category"]["id"],
                   ok(_boss(w).post(f"/api/sites/{w['site_b']['id']}/categories",
                                    json={"name": "丙类"}))["category"]["id"]],
        lambda w: w["category_a"], 400, "category_id", lambda w: "/api/conversations"),
    Row("PATCH /api/customers/{id} owner_id",
        lambda w, i: _boss(w).patch(f"/api/customers/{w['customer_a']}", json={"owner_id": i}),
        lambda w: [w["agent-b-id"]], lambda w: w["agent-a2-id"], 400, "owner_id",
        lambda w: f"/api/customers/{w['customer_a']}"),
    Row("POST /api/customers/{id}/follow-ups owner_id",
        lambda w, i: _boss(w).post(f"/api/customers/{w['customer_a']}/follow-ups", json={
            "due_date": "2026-12-31", "owner_id": i}),
        lambda w: [w["agent-b-id"]], lambda w: w["agent-a-id"], 400, "owner_id",
        lambda w: f"/api/customers/{w['customer_a']}"),
    Row("POST /api/conversations/{id}/customer customer_id",
        lambda w, i: _boss(w).post(f"/api/conversations/{w['conversation_a']}/customer",
                                   json={"customer_id": i}),
        lambda w: [w["customer_b"]], lambda w: w["customer_a"], 400, "customer_id",
        lambda w: f"/api/customers/{w['customer_b']}"),
    Row("POST /api/customers/{id}/merge other_id",
        lambda w, i: _boss(w).post(f"/api/customers/{w['customer_a']}/merge",
                                   json={"other_id": i}),
        lambda w: [w["customer_b"]], lambda w: w["customer_a2"], 400, "other_id",
        lambda w: f"/api/customers/{w['customer_a']}"),
    Row("POST /api/companies/{id}/kb/entries site_id",
        lambda w, i: _boss(w).post(f"/api/companies/{w['a']}/kb/entries", json={
            "question": "新问题", "answer": "答案", "site_id": i}),
        lambda w: [w["site_b"]["id"]], lambda w: w["site_a2"]["id"], 400, "site_id",
        lambda w: f"/api/companies/{w['a']}/kb/entries"),
    Row("PATCH /api/kb/entries/{id} site_id",
        lambda w, i: _boss(w).patch(f"/api/kb/entries/{w['entry_a']}", json={"site_id": i}),
        lambda w: [w["site_b"]["id"]], lambda w: w["site_a"]["id"], 400, "site_id",
        lambda w: f"/api/kb/entries/{w['entry_a']}"),
    Row("GET /api/companies/{id}/reports/chats team_id",
        lambda w, i: _boss(w).get(f"/api/companies/{w['a']}/reports/chats",
                                  params={"team_id": i}),
        lambda w: [w["team_b"]], lambda w: w["team_a2"], 404, "team_id",
        lambda w: f"/api/companies/{w['a']}/reports/chats"),
]


def test_every_reference_to_another_object_stays_in_its_site_or_company(world) -> None:
    failures = []
    for row in ROWS:
        for wrong in row.wrong(world):
            before = world["owner"].get(row.probe(world)).json()
            r = row.call(world, wrong)
            error = r.json().get("error", {}) if r.status_code >= 400 else {}
            if (r.status_code, error.get("field")) != (row.status, row.field):
                failures.append(f"{row.name} with {wrong}: {r.status_code} {r.text[:200]}")
            elif world["owner"].get(row.probe(world)).json() != before:
                failures.append(f"{row.name} with {wrong}: refused but changed something")
        r = row.call(world, row.right(world))
        if r.status_code not in (200, 201):
            failures.append(f"{row.name} in scope: {r.status_code} {r.text[:200]}")
    assert not failures, "\n".join(failures)


def members(w: dict[str, Any], team: str) -> list[int]:
    teams = ok(w["owner"].get("/api/teams"))["teams"]
    return next(t["member_ids"] for t in teams if t["id"] == w[team])


def test_who_stops_serving_a_site_leaves_its_teams(world) -> None:
    """A team of a site holds only who serves it: an agent taken off site A2 leaves A2's team
    (and keeps A's and the shared one); made an admin (serving every site), nobody leaves."""
    boss, agent = world["owner"], world["agent-a-id"]
    ok(boss.patch(f"/api/teams/{world['team_a2']}", json={
        "name": "team_a2", "site_id": world["site_a2"]["id"],
        "member_ids": [world["agent-a2-id"], agent]}))
    ok(boss.patch(f"/api/users/{agent}", json={"site_ids": [world["site_a"]["id"]]}))
    assert members(world, "team_a2") == [world["agent-a2-id"]]
    assert agent in members(world, "team_a") and agent in members(world, "shared")
    # An admin serves every site: taking their site list away leaves every team as it is.
    ok(boss.patch(f"/api/users/{agent}", json={"site_ids": [world["site_a"]["id"],
                                                           world["site_a2"]["id"]]}))
    ok(boss.patch(f"/api/teams/{world['team_a2']}", json={
        "name": "team_a2", "site_id": world["site_a2"]["id"],
        "member_ids": [world["agent-a2-id"], agent]}))
    ok(boss.patch(f"/api/users/{agent}", json={"role": "admin", "site_ids": []}))
    assert agent in members(world, "team_a2") and agent in members(world, "team_a")
    # Back to agent of site A only: A2's team is left again, A's kept.
    ok(boss.patch(f"/api/users/{agent}", json={"role": "agent",
                                                 "site_ids": [world["site_a"]["id"]]}))
    assert agent not in members(world, "team_a2") and agent in members(world, "team_a")
