"""Who may be handed a chat, a team place, a customer or a follow-up: the transfer picker's
colleagues (who serves the site, with status and load), the console's list of colleagues, and
every route that takes a person as a target refusing anyone else (client accounts above all)."""

from __future__ import annotations

import asyncio
from typing import Any

from conftest import AGENT_PASSWORD_FOR_TESTS as AGENT_PASSWORD
from conftest import Appliance
from test_conversations import agent_socket, been_at_the_workbench
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
    # A chat of a site they do not serve answers as a missing one (docs/api.md).
    assert outsider_client.get(f"/api/conversations/{conv}/transfer-targets").status_code == 404
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


async def _chat_of(appliance: Appliance, agent_client: Any, widget_key: str) -> int:
    console = await agent_socket(appliance, agent_client)
    _, ws, conv = await start_chat(appliance, widget_key, "转给谁")
    await assigned(agent_client, conv)
    await ws.close()
    await console.close()
    return conv


def test_a_chat_goes_only_to_whom_its_transfer_targets_offer(
        two_companies: dict[str, Any]) -> None:
    """Every user is tried as `agent_id`: a transfer is accepted exactly when the chat's
    transfer targets offer that user at that moment (and they are at the workbench), and a
    refusal (a client account, another company's or another site's agent, a deactivated
    user, its agent) is `400 invalid` (`field: "agent_id"`) and changes nothing; an unknown
    user is `404` and changes nothing."""
    world = two_companies
    ids = staff_and_clients(world)
    owner, appliance = world["owner"], world["appliance"]
    conv = asyncio.run(_chat_of(appliance, world["agent-a"], world["site_a"]["widget_key"]))
    staff = [owner, *(world.get(login) or appliance.login(login, AGENT_PASSWORD)
                      for login in ("agent-a", "admin-x", "sup-a", "agent-b", "desk"))]
    been_at_the_workbench(appliance, *staff)

    def state() -> tuple[Any, Any]:
        c = owner.get(f"/api/conversations/{conv}").json()["conversation"]
        return c["assignee_id"], c["last_seq"]

    accepted = []
    for login, user_id in [*ids.items(), ("nobody", 999_999)]:
        r = owner.get(f"/api/conversations/{conv}/transfer-targets")
        assert r.status_code == 200, r.text
        offered = {a["id"] for a in r.json()["agents"]}
        before = state()
        r = owner.post(f"/api/conversations/{conv}/transfer", json={"agent_id": user_id})
        if user_id in offered:
            assert r.status_code == 200, (login, r.text)
            assert state()[0] == user_id
            accepted.append(login)
        elif login == "nobody":
            assert r.status_code == 404, r.text
            assert state() == before
        else:
            assert (r.status_code, r.json()["error"]["field"]) == (400, "agent_id"), (login, r.text)
            assert state() == before, login
    assert accepted == ["boss", "agent-a", "admin-x", "sup-a"]
    # an agent handing on their own chat meets the same rule
    r = owner.post(f"/api/conversations/{conv}/transfer", json={"agent_id": ids["agent-a"]})
    assert r.status_code == 200, r.text
    for login in ("client-a", "agent-b", "desk", "gone"):
        r = world["agent-a"].post(f"/api/conversations/{conv}/transfer",
                                  json={"agent_id": ids[login]})
        assert (r.status_code, r.json()["error"]["field"]) == (400, "agent_id"), login
    offered = {a["id"] for a in world["agent-a"].get(
        f"/api/conversations/{conv}/transfer-targets").json()["agents"]}
    assert offered == {ids["boss"], ids["admin-x"], ids["sup-a"]}


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


def test_a_client_account_left_in_a_site_and_a_team_by_older_data_is_never_offered(
        two_companies: dict[str, Any]) -> None:
    """Rows an older install may hold (migration 17 removes them on upgrade; here they are
    written behind the server's back): a client account with a site and a team place is still
    not someone who serves the site — not on the team board, not offered as a transfer target,
    refused as one — because who serves a site is staff only, in the one query routing uses."""
    world = two_companies
    ids = staff_and_clients(world)
    owner, appliance = world["owner"], world["appliance"]
    site_a = world["site_a"]["id"]
    team = owner.post("/api/teams", json={"name": "售前", "site_id": site_a,
                                          "member_ids": [ids["agent-a"]]}).json()["team"]
    db = appliance.database()
    try:
        db.execute("INSERT INTO user_site (user_id, site_id) VALUES (?, ?)",
                   (ids["client-a"], site_a))
        db.execute("INSERT INTO team_member (team_id, user_id) VALUES (?, ?)",
                   (team["id"], ids["client-a"]))
    finally:
        db.close()
    conv = asyncio.run(_chat_of(appliance, world["agent-a"], world["site_a"]["widget_key"]))
    board = owner.get("/api/agents/status", params={"site_id": site_a})
    assert board.status_code == 200, board.text
    assert ids["client-a"] not in {a["id"] for a in board.json()["agents"]}
    targets = owner.get(f"/api/conversations/{conv}/transfer-targets").json()["agents"]
    assert ids["client-a"] not in {a["id"] for a in targets}
    r = owner.post(f"/api/conversations/{conv}/transfer", json={"agent_id": ids["client-a"]})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "agent_id"), r.text


def test_customers_and_follow_ups_go_only_to_who_may_own_them(
        two_companies: dict[str, Any]) -> None:
    """Every user is tried as the `owner_id` of a new customer and of a follow-up, and as a
    deactivated colleague's successor: accepted exactly for those `GET
    /api/agents?company_id=` (or `…/successors`) offers; never a client account."""
    world = two_companies
    ids = staff_and_clients(world)
    owner = world["owner"]
    for company in ("a", "b"):
        offered = listed(owner, company_id=world[company])
        customer = owner.post(f"/api/companies/{world[company]}/customers",
                              json={"name": "老客户"}).json()["customer"]
        for login, user_id in ids.items():
            total = owner.get(f"/api/companies/{world[company]}/customers").json()["total"]
            r = owner.post(f"/api/companies/{world[company]}/customers",
                           json={"name": f"{login}的客户", "owner_id": user_id})
            assert r.status_code == (201 if user_id in offered else 400), (login, r.text)
            if r.status_code == 400:
                assert r.json()["error"]["field"] == "owner_id"
                assert owner.get(f"/api/companies/{world[company]}/customers").json()[
                    "total"] == total
            r = owner.post(f"/api/customers/{customer['id']}/follow-ups",
                           json={"due_date": "2026-12-31", "owner_id": user_id})
            assert r.status_code == (201 if user_id in offered else 400), (login, r.text)
        assert not offered & {ids["client-a"], ids["client-b"], ids["gone"]}
        owners = {f["owner_id"] for f in owner.get(f"/api/customers/{customer['id']}").json()[
            "follow_ups"]}
        assert owners == offered
    # a deactivation's successor: never a client account
    plan = owner.get(f"/api/users/{ids['desk']}/successors").json()
    assert not set(plan["successor_ids"]) & {ids["client-a"], ids["client-b"], ids["gone"]}
    for login in ("client-a", "client-b", "gone", "desk"):
        r = owner.post(f"/api/users/{ids['desk']}/deactivate", json={"successor_id": ids[login]})
        assert (r.status_code, r.json()["error"]["field"]) == (400, "successor_id"), login
    r = owner.post(f"/api/users/{ids['desk']}/deactivate", json={"successor_id": 999_999})
    assert r.status_code == 404, r.text
    assert owner.get(f"/api/users/{ids['desk']}/successors").json() == plan
