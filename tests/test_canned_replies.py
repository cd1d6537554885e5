"""Canned replies (快捷回复): personal ones, shared ones per site, and who may change which."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Appliance

PASSWORD = "agent-password-1"


@pytest.fixture
def people(appliance: Appliance, owner) -> dict[str, Any]:
    """The owner, two sites, an agent and a supervisor of site A and an agent of site B, each a
    signed-in client; `ids` maps their names to user ids. (Few people: hashing passwords is
    the slow part.)"""
    owner_client, setup = owner
    site_a = setup["site"]
    site_b = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                               ).json()["site"]
    found: dict[str, Any] = {"owner": owner_client, "site_a": site_a, "site_b": site_b,
                             "ids": {"owner": setup["user"]["id"]}}
    for login, role, site in (("xiaoli", "agent", site_a), ("zhuguan", "supervisor", site_a),
                              ("agent-b", "agent", site_b)):
        r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                                  "role": role, "password": PASSWORD,
                                                  "site_ids": [site["id"]]})
        assert r.status_code == 201, r.text
        found["ids"][login] = r.json()["user"]["id"]
        found[login] = appliance.login(login, PASSWORD)
    return found


def shortcuts(client: Any, **params: Any) -> list[str]:
    r = client.get("/api/canned-replies", params=params)
    assert r.status_code == 200, r.text
    return [reply["shortcut"] for reply in r.json()["canned_replies"]]


def create(client: Any, shortcut: str, body: str, site_id: int | None = None) -> Any:
    return client.post("/api/canned-replies",
                       json={"shortcut": shortcut, "body": body, "site_id": site_id})


def test_personal_replies_are_their_owners_alone(people) -> None:
    xiaoli = people["xiaoli"]
    assert shortcuts(xiaoli) == []
    r = create(xiaoli, "/hello", "您好 {visitor_name}，我是{agent_name}，很高兴为您服务。")
    assert r.status_code == 201, r.text
    reply = r.json()["canned_reply"]
    assert reply == {"id": reply["id"], "site_id": None, "company_id": None,
                     "owner_id": people["ids"]["xiaoli"],
                     "shortcut": "hello",  # the leading slash is how it is typed, not its name
                     "body": "您好 {visitor_name}，我是{agent_name}，很高兴为您服务。"}
    r = create(xiaoli, "退款", "退款会在 3-5 个工作日内原路退回。\n如有疑问请随时联系。")
    assert r.status_code == 201
    assert shortcuts(xiaoli) == ["hello", "退款"]

    r = xiaoli.patch(f"/api/canned-replies/{reply['id']}", json={"body": "您好！"})
    assert r.status_code == 200, r.text
    assert r.json()["canned_reply"] == {**reply, "body": "您好！"}
    r = xiaoli.patch(f"/api/canned-replies/{reply['id']}", json={"shortcut": "hi"})
    assert r.json()["canned_reply"]["shortcut"] == "hi"
    assert r.json()["canned_reply"]["body"] == "您好！"

    # Nobody else changes a personal reply, or even sees it.
    for name in ("zhuguan", "owner", "agent-b"):
        client = people[name]
        r = client.patch(f"/api/canned-replies/{reply['id']}", json={"body": "改了"})
        assert r.status_code == 403, (name, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        assert client.delete(f"/api/canned-replies/{reply['id']}").status_code == 403
        assert shortcuts(client) == [], name
    assert xiaoli.get("/api/canned-replies").json()["canned_replies"][0]["body"] == "您好！"

    assert xiaoli.delete(f"/api/canned-replies/{reply['id']}").json() == {"ok": True}
    assert shortcuts(xiaoli) == ["退款"]
    assert xiaoli.patch(f"/api/canned-replies/{reply['id']}",
                        json={"body": "x"}).status_code == 404
    assert xiaoli.delete(f"/api/canned-replies/{reply['id']}").status_code == 404


def test_shared_replies_are_for_supervisors_and_up_and_stay_on_their_site(people) -> None:
    owner_client = people["owner"]
    site_a, site_b = people["site_a"]["id"], people["site_b"]["id"]
    r = create(people["xiaoli"], "营业时间", "周一至周五 9:00-18:00", site_a)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = create(people["zhuguan"], "营业时间", "周一至周五 9:00-18:00", site_a)
    assert r.status_code == 201, r.text
    shared = r.json()["canned_reply"]
    assert (shared["site_id"], shared["owner_id"]) == (site_a, None)
    # A supervisor shares only on their own sites; the owner on any that exists.
    assert create(people["zhuguan"], "地址", "上海", site_b).status_code == 403
    assert create(owner_client, "地址", "北京路 1 号", site_b).status_code == 201
    assert create(owner_client, "nosuchsite", "x", 10_000).status_code == 404
    create(people["xiaoli"], "a-mine", "我的")

    # Agents see their own and their sites' shared ones, nothing of other sites.
    replies = people["xiaoli"].get("/api/canned-replies").json()["canned_replies"]
    assert [(r["shortcut"], r["site_id"]) for r in replies] == [("a-mine", None),
                                                                 ("营业时间", site_a)]
    assert shortcuts(people["xiaoli"], site_id=site_a) == ["a-mine", "营业时间"]
    assert shortcuts(people["zhuguan"]) == ["营业时间"]
    assert shortcuts(people["agent-b"]) == ["地址"]
    assert shortcuts(owner_client) == ["地址", "营业时间"]
    assert shortcuts(owner_client, site_id=site_a) == ["营业时间"]
    assert people["agent-b"].get("/api/canned-replies",
                                 params={"site_id": site_a}).status_code == 403

    # Agents use shared replies but do not change them; supervisors of that site do.
    url = f"/api/canned-replies/{shared['id']}"
    assert people["xiaoli"].patch(url, json={"body": "改了"}).status_code == 403
    assert people["xiaoli"].delete(url).status_code == 403
    r = owner_client.patch(f"/api/users/{people['ids']['agent-b']}", json={"role": "supervisor"})
    assert r.status_code == 200, r.text
    assert people["agent-b"].patch(url, json={"body": "改了"}).status_code == 403
    assert people["agent-b"].delete(url).status_code == 403
    r = people["zhuguan"].patch(url, json={"body": "周一至周六 9:00-18:00"})
    assert r.status_code == 200 and r.json()["canned_reply"]["site_id"] == site_a
    replies = people["xiaoli"].get("/api/canned-replies").json()["canned_replies"]
    assert replies[1]["body"] == "周一至周六 9:00-18:00"
    assert owner_client.delete(url).status_code == 200
    assert shortcuts(people["xiaoli"]) == ["a-mine"]


BAD_FIELDS = [
    ({"shortcut": "退 款", "body": "x"}, "shortcut"),
    ({"shortcut": "tab\tbed", "body": "x"}, "shortcut"),
    ({"shortcut": "全角\u3000空格", "body": "x"}, "shortcut"),
    ({"shortcut": "", "body": "x"}, "shortcut"),
    ({"shortcut": "   ", "body": "x"}, "shortcut"),
    ({"shortcut": "/", "body": "x"}, "shortcut"),
    ({"shortcut": "x" * 31, "body": "x"}, "shortcut"),
    ({"shortcut": "line\nbreak", "body": "x"}, "shortcut"),
    ({"shortcut": 42, "body": "x"}, "shortcut"),
    ({"body": "x"}, "shortcut"),
    ({"shortcut": "ok", "body": ""}, "body"),
    ({"shortcut": "ok", "body": "  \n "}, "body"),
    ({"shortcut": "ok", "body": "x" * 2001}, "body"),
    ({"shortcut": "ok", "body": "bell\x07"}, "body"),
    ({"shortcut": "ok"}, "body"),
    ({"shortcut": "ok", "body": "x", "site_id": "one"}, "site_id"),
    ({"shortcut": "ok", "body": "x", "owner_id": 1}, "owner_id"),
]


def test_bad_fields_are_refused_with_their_name(owner) -> None:
    owner_client, _ = owner
    for body, field in BAD_FIELDS:
        r = owner_client.post("/api/canned-replies", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)
    assert shortcuts(owner_client) == []


def test_bad_edits_change_nothing(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    reply = create(owner_client, "x" * 30, "最长的快捷方式").json()["canned_reply"]
    url = f"/api/canned-replies/{reply['id']}"
    for body, field in (({"shortcut": "two words"}, "shortcut"), ({"shortcut": ""}, "shortcut"),
                        ({"body": ""}, "body"), ({"site_id": setup["site"]["id"]}, "site_id"),
                        ({"owner_id": 99}, "owner_id")):
        r = owner_client.patch(url, json=body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, (body, r.text)
    assert owner_client.get("/api/canned-replies").json()["canned_replies"] == [reply]
    assert owner_client.patch("/api/canned-replies/999", json={"body": "x"}).status_code == 404
    # Signed out, or without the CSRF token: nothing.
    stranger = appliance.client()
    assert stranger.get("/api/canned-replies").status_code == 401
    assert stranger.post("/api/canned-replies",
                         json={"shortcut": "x", "body": "y"}).status_code == 401
    r = owner_client.post("/api/canned-replies", json={"shortcut": "x", "body": "y"},
                          headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    assert owner_client.delete(url, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert owner_client.get("/api/canned-replies").json()["canned_replies"] == [reply]


def test_a_site_someone_does_not_serve_is_refused_as_a_site(people) -> None:
    """Refusals about a site (no conversation involved) name the site, not a conversation:
    shared replies, their lists, search, the conversation lists and the team's status."""
    supervisor, site_b = people["zhuguan"], people["site_b"]["id"]
    owned = people["owner"].post("/api/canned-replies", json={
        "shortcut": "b", "body": "B 的回复", "site_id": site_b})
    assert owned.status_code == 201, owned.text
    refused = [
        supervisor.post("/api/canned-replies", json={"shortcut": "x", "body": "y",
                                                      "site_id": site_b}),
        supervisor.patch(f"/api/canned-replies/{owned.json()['canned_reply']['id']}",
                         json={"body": "z"}),
        supervisor.get("/api/canned-replies", params={"site_id": site_b}),
        supervisor.get("/api/search", params={"q": "回复", "site_id": site_b}),
        supervisor.get("/api/conversations", params={"site_id": site_b}),
        supervisor.get("/api/agents/status", params={"site_id": site_b}),
    ]
    for r in refused:
        assert r.status_code == 403, (r.url, r.text)
        assert r.json()["error"] == {"code": "forbidden",
                                     "message": "You are not assigned to this site"}, r.url
