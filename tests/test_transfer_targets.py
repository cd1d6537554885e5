"""Who may be handed a chat, a team place, a customer or a follow-up: the transfer picker's
colleagues (who serves the site, with status and load), the console's list of colleagues, and
every route that takes a person as a target refusing anyone else (client accounts above all)."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import AGENT_PASSWORD_FOR_TESTS as AGENT_PASSWORD
from conftest import Appliance
from test_conversations import agent_socket
from test_routing import add_agent, assigned, start_chat


def test_transfer_targets_show_status_and_load_to_whoever_may_transfer(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site, me = setup["site"], setup["user"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"], max_chats=3)
    wang, wang_client = add_agent(appliance, owner_client, "xiaowang", site["id"])
    other_site = owner_client.post("/api/sites", json={"name": "分店", "url": "https://b.example.com"})
    outsider, outsider_client = add_agent(appliance, owner_client, "zhao",
                                          other_site.json()["site"]["id"])

    async def scenario() -> int:
        console = await agent_socket(appliance, li_client)
        _, ws, conv = await start_chat(appliance, site["widget_key"], "转接测试")
        await assigned(owner_client, conv)  # routing follows the ack
        await ws.close()
        await console.close()
        return conv

    conv = asyncio.run(scenario())
    r = li_client.get(f"/api/conversations/{conv}/transfer-targets")
    assert r.status_code == 200, r.text
    agents = {a["id"]: a for a in r.json()["agents"]}
    assert li["id"] not in agents  # not to the agent who has it
    assert outsider["id"] not in agents  # only who serves the site
    assert set(agents) == {wang["id"], me["id"]}
    assert agents[wang["id"]]["status"] == "offline"
    assert (agents[wang["id"]]["active_chats"], agents[wang["id"]]["max_chats"]) == (0, 5)
    assert set(agents[wang["id"]]) == {"id", "display_name", "status", "active_chats",
                                       "max_chats", "team_ids"}
    # An agent who may not write in the chat may not hand it on either.
    assert wang_client.get(f"/api/conversations/{conv}/transfer-targets").status_code == 403
    assert outsider_client.get(f"/api/conversations/{conv}/transfer-targets").status_code == 403
    assert li_client.get("/api/conversations/999999/transfer-targets").status_code == 404


# -- every route that names a person to serve: only those who may ---------------------------

def staff_and_clients(world: dict[str, Any]) -> dict[str, int]:
    """Beside the two companies' agents: an admin (no sites: owners and admins serve all), a
    supervisor of site A, an agent of A2 and B, a client account of each company, and a
    deactivated agent of site A. Logins to ids, the owner's included."""
    owner = world["owner"]
    ids = {"boss": owner.get("/api/me").json()["user"]["id"],
           "agent-a": world["agent-a-id"], "agent-b": world["agent-b-id"]}
    for login, role, sites in (("admin-x", "admin", []), ("sup-a", "supervisor", ["site_a"]),
                               ("desk", "agent", ["site_a2", "site_b"]),
                               ("gone", "agent", ["site_a"])):
        r = owner.post("/api/users", json={
            "login": login, "display_name": login, "role": role, "password": AGENT_PASSWORD,
            "site_ids": [world[s]["id"] for s in sites]})
        assert r.status_code == 201, r.text
        ids[login] = r.json()["user"]["id"]
    for login, company in (("client-a", "a"), ("client-b", "b")):
        r = owner.post("/api/users", json={
            "login": login, "display_name": login, "role": "client", "password": AGENT_PASSWORD,
            "company_id": world[company]})
        assert r.status_code == 201, r.text
        ids[login] = r.json()["user"]["id"]
    assert owner.post(f"/api/users/{ids['gone']}/deactivate", json={}).status_code == 200
    return ids


def listed(client: Any, **params: Any) -> set[int]:
    r = client.get("/api/agents", params=params)
    assert r.status_code == 200, r.text
    return {a["id"] for a in r.json()["agents"]}


def test_the_agents_list_offers_only_staff_who_can_take_chats_to_every_role(
        two_companies: dict[str, Any]) -> None:
    """`GET /api/agents` (the console's colleagues): active staff, never a client account or a
    deactivated user; owners and admins get all staff, others those sharing a site with them
    and the owners and admins."""
    world = two_companies
    ids = staff_and_clients(world)
    appliance = world["appliance"]
    staff = {ids[n] for n in ("boss", "admin-x", "sup-a", "agent-a", "agent-b", "desk")}
    managers = {ids["boss"], ids["admin-x"]}
    expected = {
        "boss": staff, "admin-x": staff,
        "sup-a": managers | {ids["sup-a"], ids["agent-a"]},
        "agent-a": managers | {ids["sup-a"], ids["agent-a"], ids["desk"]},
        "agent-b": managers | {ids["agent-b"], ids["desk"]},
        "desk": staff - {ids["sup-a"]},
    }
    for login, want in expected.items():
        client = world["owner"] if login == "boss" else world.get(login) or appliance.login(
            login, AGENT_PASSWORD)
        assert listed(client) == want, login
    for login in ("client-a", "client-b"):  # the portal chooses nobody
        r = appliance.login(login, AGENT_PASSWORD).get("/api/agents")
        assert r.status_code == 403, r.text
    # someone made a client account stops being offered at once
    r = world["owner"].patch(f"/api/users/{ids['desk']}",
                             json={"role": "client", "company_id": world["b"]})
    assert r.status_code == 200, r.text
    assert listed(world["owner"]) == staff - {ids["desk"]}


def test_only_staff_join_teams(two_companies: dict[str, Any]) -> None:
    """Teams take chats: a client account is refused as a member (`400`, `field:
    "member_ids"`, nothing saved), and a member made a client account leaves their teams."""
    world = two_companies
    ids = staff_and_clients(world)
    owner = world["owner"]
    site_a = world["site_a"]["id"]
    r = owner.post("/api/teams", json={"name": "售后", "site_id": site_a,
                                       "member_ids": [ids["agent-a"], ids["client-a"]]})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "member_ids"), r.text
    assert owner.get("/api/teams").json()["teams"] == []
    r = owner.post("/api/teams", json={"name": "售后", "site_id": site_a,
                                       "member_ids": [ids["agent-a"], ids["sup-a"]]})
    assert r.status_code == 201, r.text
    team = r.json()["team"]
    for client_id in (ids["client-a"], ids["client-b"]):
        r = owner.patch(f"/api/teams/{team['id']}", json={
            "name": "售后", "site_id": site_a, "member_ids": [ids["agent-a"], client_id]})
        assert (r.status_code, r.json()["error"]["field"]) == (400, "member_ids"), r.text
    assert owner.get("/api/teams").json()["teams"] == [team]
    r = owner.patch(f"/api/users/{ids['sup-a']}", json={"role": "client", "company_id": world["a"]})
    assert r.status_code == 200, r.text
    assert owner.get("/api/teams").json()["teams"][0]["member_ids"] == [ids["agent-a"]]

