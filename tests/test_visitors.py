"""Who is on the site: page frames make the trail and the live list, scoped to the agent's sites;
forged, oversized and hostile page frames are refused or kept as text; blocks and identity
requirements are enforced; the list's deltas reach a watching console."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote

import pytest
from conftest import Appliance
from test_conversations import AGENT_PASSWORD, SITE_ORIGIN, Widget, agent_socket, cid, next_of
from waiting import wait_until

BAIDU = "https://www.baidu.com/s?ie=utf-8&wd=" + quote("牙齿美白价格")


def page(url: str, tab: str = "t-1", **extra) -> str:
    return json.dumps({"type": "page", "tab": tab, "url": url, "title": extra.pop("title", "页"),
                       "referrer": extra.pop("referrer", ""), "language": "zh-CN",
                       "visible": True, "screen": extra.pop("screen", "desktop"), **extra})


async def next_invitation(ws, status: str, timeout: float = 5) -> dict:
    while True:
        frame = await next_of(ws, "invitation", timeout)
        if frame["invitation"]["status"] == status:
            return frame["invitation"]


def live_of(client, visitor_id: int) -> dict | None:
    body = client.get("/api/visitors/live").json()
    return next((v for v in body["visitors"] if v["id"] == visitor_id), None)


def add_site(owner_client, name: str, url: str) -> dict:
    r = owner_client.post("/api/sites", json={"name": name, "url": url})
    assert r.status_code == 201, r.text
    return r.json()["site"]


def add_agent(appliance: Appliance, owner_client, login: str, site_ids: list[int],
              role: str = "agent"):
    r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                              "role": role, "password": AGENT_PASSWORD,
                                              "site_ids": site_ids})
    assert r.status_code == 201, r.text
    return r.json()["user"], appliance.login(login, AGENT_PASSWORD)


def test_a_baidu_visitor_is_listed_with_the_keyword_and_navigating_builds_the_trail(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> None:
        ws = await widget.connect()
        started = time.monotonic()
        await ws.send(page(f"{SITE_ORIGIN}/landing?from=ad", title="首页", referrer=BAIDU))
        live = await asyncio.to_thread(wait_until, lambda: live_of(owner_client, visitor_id))
        assert time.monotonic() - started < 1.0
        assert live["source"] == {"kind": "search", "name": "百度", "keyword": "牙齿美白价格"}
        assert live["state"] == "browsing" and live["page"]["title"] == "首页"
        assert live["page_count"] == 1 and live["visit_number"] == 1 and not live["returning"]
        assert live["device"]["browser"] == "" or isinstance(live["device"]["browser"], str)
        await asyncio.sleep(1.1)
        await ws.send(page(f"{SITE_ORIGIN}/pricing", title="价格"))
        await asyncio.to_thread(wait_until,
                                lambda: live_of(owner_client, visitor_id)["page_count"] == 2)
        await ws.send(page(f"{SITE_ORIGIN}/pricing", title="价格"))  # a reconnect: no new page
        await ws.send(json.dumps({"type": "tab_closed", "tab": "t-1"}))
        await ws.send(json.dumps({"type": "ping"}))
        await next_of(ws, "pong")
        await ws.close()

    asyncio.run(scenario())
    details = owner_client.get(f"/api/visitors/{visitor_id}").json()
    (visit,) = details["visits"]
    assert [(p["url"], p["title"], p["position"]) for p in visit["pages"]] == [
        (f"{SITE_ORIGIN}/landing?from=ad", "首页", 1), (f"{SITE_ORIGIN}/pricing", "价格", 2)]
    assert visit["pages"][0]["seconds"] >= 1 and visit["pages"][1]["seconds"] >= 1
    assert visit["source"]["keyword"] == "牙齿美白价格" and visit["entry_title"] == "首页"
    assert visit["ip"] == "127.0.0.1" and visit["place"] == {"country": "", "province": "",
                                                             "city": ""}
    assert details["visitor"]["id"] == visitor_id and details["visit_count"] == 1
    assert details["blocked"] is None and details["live"]["id"] == visitor_id


def test_forged_oversized_and_hostile_page_frames(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    other = add_site(owner_client, "另一站", "https://other.example.org")
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    async def scenario() -> None:
        ws = await widget.connect()
        # A page of another site's origin is not this visitor's to report.
        await ws.send(page("https://other.example.org/secret"))
        error = await next_of(ws, "error")
        assert error["request"] == "page" and error["error"]["field"] == "page.url"
        for bad in ("javascript:alert(1)", "data:text/html,x", "ftp://www.example.com/x", ""):
            await ws.send(page(bad))
            assert (await next_of(ws, "error"))["error"]["code"] == "invalid"
        await ws.send(json.dumps({"type": "page", "tab": "../../x", "url": SITE_ORIGIN + "/"}))
        assert (await next_of(ws, "error"))["error"]["field"] == "page.tab"
        # Oversized: cut, not refused; script stays text.
        await ws.send(page(SITE_ORIGIN + "/" + "a" * 5000, title=script * 20,
                           referrer="https://evil.example/" + script + "b" * 5000))
        await ws.send(json.dumps({"type": "ping"}))
        await next_of(ws, "pong")
        # Auth with another site's key and this visitor's token is refused.
        forged = await Widget(appliance, other["widget_key"],
                              origin="https://other.example.org").connect()
        await forged.close()
        await ws.close()

    asyncio.run(scenario())
    import websockets

    async def foreign_key(origin: str | None) -> int:
        ws = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                      origin=origin)
        await ws.send(json.dumps({"type": "auth", "site_key": other["widget_key"],
                                  "visitor_token": widget.token}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 3)
        return closed.value.rcvd.code

    # Whatever the origin (the key's own site's included): start a new session, not "stop".
    for origin in (SITE_ORIGIN, "https://other.example.org", None):
        assert asyncio.run(foreign_key(origin)) == 4001, origin
    live = wait_until(lambda: live_of(owner_client, visitor_id))
    assert len(live["page"]["url"]) == 2000 and len(live["page"]["title"]) == 300
    assert live["page"]["title"].startswith(script)  # stored and shown as text, unchanged
    details = owner_client.get(f"/api/visitors/{visitor_id}").json()
    (visit,) = details["visits"]
    assert len(visit["pages"]) == 1 and len(visit["referrer"]) == 2000
    assert visit["source"]["kind"] == "website" and visit["source"]["name"] == "evil.example"


# Titles as written, and as they are recorded: joiners (emoji, Persian) and direction marks are
# text; controls, line separators and bidirectional overrides, embeddings and isolates are not.
TITLES = [
    ("家庭 👨\u200d👩\u200d👧 套餐", "家庭 👨\u200d👩\u200d👧 套餐"),
    ("می\u200cخواهم \u200fשלום\u200e", "می\u200cخواهم \u200fשלום\u200e"),
    ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f 价格\u3000表\u00ad",
     "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f 价格\u3000表\u00ad"),
    ("a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j",
     "abcdefghij"),
    ("x\x00y\x1bz\x7f\x85w\u2028v\u2029u\r\nt", "xyzwvut"),
]


def test_titles_keep_the_characters_real_text_needs(appliance: Appliance, owner) -> None:
    """One rule for what a browser reports, over page frames and the session alike."""
    owner_client, setup = owner
    site = setup["site"]
    for sent, kept in TITLES:
        widget = Widget(appliance, site["widget_key"])
        visitor_id = widget.session["visitor"]["id"]

        async def frame(sent: str = sent, widget: Widget = widget) -> None:
            ws = await widget.connect()
            await ws.send(page(f"{SITE_ORIGIN}/frame", title=sent))
            await ws.send(json.dumps({"type": "ping"}))
            await next_of(ws, "pong")
            await ws.close()

        asyncio.run(frame())
        live = wait_until(lambda vid=visitor_id: live_of(owner_client, vid))
        assert live["page"]["title"] == kept, repr(sent)
        (visit,) = owner_client.get(f"/api/visitors/{visitor_id}").json()["visits"]
        assert visit["pages"][0]["title"] == kept, repr(sent)
    for sent, kept in TITLES:
        r = appliance.client().post(
            "/api/widget/session", headers={"Origin": SITE_ORIGIN},
            json={"site_key": site["widget_key"], "page": {"url": f"{SITE_ORIGIN}/s",
                                                           "title": sent}})
        sent_ok = appliance.client().post(
            "/api/widget/send", json={"client_id": cid(), "body": "hi"},
            headers={"Authorization": f"Bearer {r.json()['visitor_token']}",
                     "Origin": SITE_ORIGIN})
        conv = sent_ok.json()["conversation_id"]
        seen = owner_client.get(f"/api/conversations/{conv}").json()["visitor"]
        assert seen["page_title"] == kept, repr(sent)


def test_page_frames_drop_user_names_and_passwords(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    widget = Widget(appliance, setup["site"]["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(page("https://admin:s3cret@www.example.com/orders?id=1",
                           referrer="https://bob:hunter2@www.baidu.com/s?wd=x"))
        await ws.send(page("https://evil.example\\@www.example.com/", tab="t-2"))
        assert (await next_of(ws, "error"))["error"]["field"] == "page.url"
        await ws.close()

    asyncio.run(scenario())
    live = wait_until(lambda: live_of(owner_client, visitor_id))
    assert live["page"]["url"] == "https://www.example.com/orders?id=1"
    (visit,) = owner_client.get(f"/api/visitors/{visitor_id}").json()["visits"]
    assert visit["referrer"] == "https://www.baidu.com/s?wd=x"
    assert [p["url"] for p in visit["pages"]] == ["https://www.example.com/orders?id=1"]
    assert "s3cret" not in json.dumps(owner_client.get(f"/api/visitors/{visitor_id}").json())


def test_agents_see_only_their_sites_visitors(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    other = add_site(owner_client, "分店", "https://shop2.example.com")
    _, agent = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    mine, theirs = Widget(appliance, site["widget_key"]), Widget(
        appliance, other["widget_key"], origin="https://shop2.example.com")

    async def scenario() -> None:
        console = await agent_socket(appliance, agent, workbench=False)
        await console.send(json.dumps({"type": "visitors_watch", "watch": True}))
        snapshot = await next_of(console, "visitors")
        assert snapshot["visitors"] == [] and snapshot["counts"] == {}
        a, b = await mine.connect(), await theirs.connect()
        await b.send(page("https://shop2.example.com/x"))
        await a.send(page(f"{SITE_ORIGIN}/y", title="我的"))
        delta = await next_of(console, "visitors_delta", timeout=5)
        assert [v["id"] for v in delta["upsert"]] == [mine.session["visitor"]["id"]]
        assert delta["counts"] == {str(site["id"]): 1} and delta["gone"] == []
        await console.send(json.dumps({"type": "visitors_watch", "watch": "yes"}))
        error = await next_of(console, "error")
        assert error["request"] == "visitors_watch" and error["error"]["field"] == "watch"
        for ws in (a, b, console):
            await ws.close()

    asyncio.run(scenario())
    listed = agent.get("/api/visitors/live").json()
    assert [v["id"] for v in listed["visitors"]] == [mine.session["visitor"]["id"]]
    assert agent.get(f"/api/visitors/live?site_id={other['id']}").status_code == 404
    assert agent.get(f"/api/visitors/{theirs.session['visitor']['id']}").status_code == 404
    r = agent.post(f"/api/visitors/{theirs.session['visitor']['id']}/invite",
                   json={"message": "您好"})
    assert r.status_code == 404
    everyone = owner_client.get("/api/visitors/live").json()
    assert everyone["counts"] == {str(site["id"]): 1, str(other["id"]): 1}


def test_a_manual_invitation_is_accepted_and_the_chat_goes_to_the_inviting_agent(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    _, wang_client = add_agent(appliance, owner_client, "xiaowang", [site["id"]])
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> tuple[int, int]:
        li_ws = await agent_socket(appliance, li_client)
        wang_ws = await agent_socket(appliance, wang_client)
        ws = await widget.connect()
        r = await asyncio.to_thread(li_client.post, f"/api/visitors/{visitor_id}/invite",
                                    json={"message": "x"})
        assert r.status_code == 409  # not on the site yet
        await ws.send(page(f"{SITE_ORIGIN}/pricing"))
        await asyncio.to_thread(wait_until, lambda: live_of(li_client, visitor_id))
        r = await asyncio.to_thread(li_client.post, f"/api/visitors/{visitor_id}/invite",
                                    json={"message": "您好，想了解价格吗？"})
        assert r.status_code == 201, r.text
        invitation = r.json()["invitation"]
        assert invitation["status"] == "shown" and invitation["agent_id"] == li["id"]
        assert invitation["page_url"] == f"{SITE_ORIGIN}/pricing"
        shown = await next_of(ws, "invitation")
        assert shown["invitation"] == {"id": invitation["id"], "message": "您好，想了解价格吗？",
                                       "agent": {"id": li["id"], "name": "xiaoli"}}
        assert (await next_of(wang_ws, "invitation"))["invitation"]["status"] == "shown"
        r = await asyncio.to_thread(wang_client.post, f"/api/visitors/{visitor_id}/invite",
                                    json={"message": "我也来"})
        assert r.status_code == 409  # one showing invitation at a time
        live = await asyncio.to_thread(live_of, li_client, visitor_id)
        assert live["state"] == "invited" and live["invitation"] == {"id": invitation["id"],
                                                                     "status": "shown"}
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": invitation["id"],
                                  "reply": "accepted"}))
        await next_invitation(li_ws, "accepted")
        assert (await next_of(ws, "invitation_withdrawn"))["invitation_id"] == invitation["id"]
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": invitation["id"],
                                  "reply": "declined"}))
        assert (await next_of(ws, "error"))["error"]["code"] == "conflict"
        # Wang is less busy, but the chat the invitation opened goes to Li.
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "是的",
                                  "invitation_id": invitation["id"]}))
        ack = await next_of(ws, "ack")
        conversation = await next_of(li_ws, "conversation")
        while conversation["conversation"]["assignee_id"] is None:
            conversation = await next_of(li_ws, "conversation")
        for socket in (li_ws, wang_ws, ws):
            await socket.close()
        return ack["conversation_id"], conversation["conversation"]["assignee_id"]

    conversation_id, assignee = asyncio.run(scenario())
    assert assignee == li["id"]
    details = owner_client.get(f"/api/visitors/{visitor_id}").json()
    (invitation,) = details["invitations"]
    assert invitation["status"] == "accepted" and invitation["conversation_id"] == conversation_id
    assert invitation["rule_id"] is None and invitation["answered_at"] is not None
    assert [c["id"] for c in details["conversations"]] == [conversation_id]


def test_a_visitor_who_left_a_message_and_accepts_an_invitation_chats_with_the_inviter(
        appliance: Appliance, owner) -> None:
    """Nobody was online, so they left a message (pending); then an agent came and invited
    them: their next message makes the left message a live chat, routed to the inviter, and
    the invitation is answered by it."""
    owner_client, setup = owner
    site = setup["site"]
    li, li_client = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    _, wang_client = add_agent(appliance, owner_client, "xiaowang", [site["id"]])
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]
    r = widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
        "name": "陈先生", "contact": {"phone": "13311112222"}, "message": "想问价格"})
    assert r.status_code == 201, r.text
    left = r.json()["conversation"]["id"]

    async def scenario() -> tuple[int, dict]:
        ws = await widget.connect()
        await ws.send(page(f"{SITE_ORIGIN}/pricing"))
        await asyncio.to_thread(wait_until, lambda: live_of(li_client, visitor_id))
        wang_ws = await agent_socket(appliance, wang_client)  # less busy, but did not invite
        li_ws = await agent_socket(appliance, li_client)
        r = await asyncio.to_thread(li_client.post, f"/api/visitors/{visitor_id}/invite",
                                    json={"message": "您好，我来解答价格"})
        assert r.status_code == 201, r.text
        invitation = r.json()["invitation"]
        await next_of(ws, "invitation")
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": invitation["id"],
                                  "reply": "accepted"}))
        await next_invitation(li_ws, "accepted")
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "在吗",
                                  "invitation_id": invitation["id"]}))
        ack = await next_of(ws, "ack")
        frame = await next_of(li_ws, "conversation")
        while frame["conversation"]["assignee_id"] is None:
            frame = await next_of(li_ws, "conversation")
        for socket in (li_ws, wang_ws, ws):
            await socket.close()
        return ack["conversation_id"], frame["conversation"]

    conversation_id, conversation = asyncio.run(scenario())
    assert conversation_id == left  # the left message and the chat are one conversation
    assert conversation["assignee_id"] == li["id"] and conversation["status"] == "open"
    (invitation,) = owner_client.get(f"/api/visitors/{visitor_id}").json()["invitations"]
    assert invitation["status"] == "accepted" and invitation["conversation_id"] == left


def test_withdrawing_and_declining(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(page(f"{SITE_ORIGIN}/a"))
        await asyncio.to_thread(wait_until, lambda: live_of(owner_client, visitor_id))
        first = (await asyncio.to_thread(owner_client.post, f"/api/visitors/{visitor_id}/invite",
                                         json={"message": "一"})).json()["invitation"]
        await next_of(ws, "invitation")
        r = await asyncio.to_thread(owner_client.post,
                                    f"/api/invitations/{first['id']}/withdraw", json={})
        assert r.status_code == 200 and r.json()["invitation"]["status"] == "withdrawn"
        assert (await next_of(ws, "invitation_withdrawn"))["invitation_id"] == first["id"]
        r = await asyncio.to_thread(owner_client.post,
                                    f"/api/invitations/{first['id']}/withdraw", json={})
        assert r.status_code == 409
        second = (await asyncio.to_thread(owner_client.post,
                                          f"/api/visitors/{visitor_id}/invite",
                                          json={"message": "二"})).json()["invitation"]
        # Shown again on the next page the visitor opens.
        await ws.send(page(f"{SITE_ORIGIN}/b"))
        again = await next_of(ws, "invitation")
        assert again["invitation"]["id"] == second["id"]
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": second["id"],
                                  "reply": "declined"}))
        await next_of(ws, "invitation_withdrawn")
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": 999999,
                                  "reply": "accepted"}))
        assert (await next_of(ws, "error"))["error"]["code"] == "not_found"
        await ws.send(json.dumps({"type": "invitation_reply", "invitation_id": second["id"],
                                  "reply": "maybe"}))
        assert (await next_of(ws, "error"))["error"]["field"] == "reply"
        await ws.close()

    asyncio.run(scenario())
    statuses = [i["status"] for i in owner_client.get(
        f"/api/visitors/{visitor_id}").json()["invitations"]]
    assert statuses == ["declined", "withdrawn"]


def test_a_time_on_page_rule_fires_once_per_visit_only_when_someone_is_available(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    r = owner_client.post(f"/api/sites/{site['id']}/invitation-rules", json={
        "name": "价格页停留", "message": "看价格吗？我们有优惠", "priority": 5,
        "conditions": {"time_on_page_seconds": 1, "url_contains": ["pricing"]}})
    assert r.status_code == 201, r.text
    rule = r.json()["rule"]
    assert rule["per_visit_cap"] == 1 and rule["per_day_cap"] == 1 and not rule["on_phones"]
    assert rule["conditions"] == {"time_on_page_seconds": 1, "url_contains": ["pricing"]}
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> None:
        ws = await widget.connect()
        await ws.send(page(f"{SITE_ORIGIN}/pricing"))
        # Nobody is at a console: the rule waits.
        with pytest.raises(TimeoutError):
            await next_of(ws, "invitation", timeout=2.5)
        console = await agent_socket(appliance, owner_client)
        shown = await next_of(ws, "invitation", timeout=5)
        assert shown["invitation"]["message"] == "看价格吗？我们有优惠"
        assert shown["invitation"]["agent"] is None
        await ws.send(json.dumps({"type": "invitation_reply",
                                  "invitation_id": shown["invitation"]["id"],
                                  "reply": "declined"}))
        await next_of(ws, "invitation_withdrawn")
        await ws.send(page(f"{SITE_ORIGIN}/pricing?plan=2"))  # still matches, same visit
        with pytest.raises(TimeoutError):
            await next_of(ws, "invitation", timeout=3)
        await console.close()
        await ws.close()

    asyncio.run(scenario())
    (invitation,) = owner_client.get(f"/api/visitors/{visitor_id}").json()["invitations"]
    assert invitation["rule_id"] == rule["id"] and invitation["agent_id"] is None
    assert invitation["status"] == "declined"
    assert invitation["page_url"] == f"{SITE_ORIGIN}/pricing"


def test_rules_are_checked_and_only_managers_write_them(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    _, agent = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    url = f"/api/sites/{site['id']}/invitation-rules"
    good = {"name": "r", "message": "hi", "conditions": {"min_pages": 2}}
    assert agent.post(url, json=good).status_code == 403
    assert agent.get(url).status_code == 200
    for bad, field in (
            ({**good, "conditions": {"source_kinds": ["tv"]}}, "conditions.source_kinds"),
            ({**good, "conditions": {"time_on_page_seconds": -1}},
             "conditions.time_on_page_seconds"),
            ({**good, "conditions": {"url_contains": "pricing"}}, "conditions.url_contains"),
            ({**good, "conditions": {"nope": 1}}, "conditions.nope"),
            ({**good, "conditions": []}, "conditions"),
            ({**good, "conditions": "min_pages"}, "conditions"),
            ({**good, "conditions": None}, "conditions"),
            ({**good, "conditions": {"exit_intent": "yes"}}, "conditions.exit_intent"),
            ({**good, "conditions": {"min_pages": "2"}}, "conditions.min_pages"),
            ({**good, "message": ""}, "message"),
            ({**good, "message": "x" * 501}, "message"),
            ({**good, "per_visit_cap": 0}, "per_visit_cap"),
            ({**good, "team_id": 999}, "team_id")):
        r = owner_client.post(url, json=bad)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, (bad, r.text)
    created = owner_client.post(url, json=good).json()["rule"]
    r = owner_client.patch(f"/api/invitation-rules/{created['id']}",
                           json={"enabled": False, "on_phones": True})
    assert r.status_code == 200 and not r.json()["rule"]["enabled"]
    assert owner_client.get(url).json()["rules"][0]["on_phones"] is True
    assert owner_client.delete(f"/api/invitation-rules/{created['id']}").json() == {"ok": True}
    assert owner_client.delete(f"/api/invitation-rules/{created['id']}").status_code == 404


def test_a_blocked_visitor_sees_the_offline_state_cannot_write_and_is_not_tracked(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]
    r = owner_client.post("/api/blocks", json={"kind": "visitor", "value": visitor_id,
                                               "site_id": site["id"], "reason": "骚扰"})
    assert r.status_code == 201, r.text
    block = r.json()["block"]
    again = Widget(appliance, site["widget_key"], token=widget.token)
    assert again.session["availability"]["mode"] == "blocked"
    r = again.http.post("/api/widget/send", headers=again.headers,
                        json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"
    r = again.http.post("/api/widget/leave-message", headers=again.headers, json={
        "name": "x", "contact": {"phone": "13800000000"}, "message": "hi"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "blocked"

    async def scenario() -> None:
        ws = await again.connect()
        await ws.send(page(f"{SITE_ORIGIN}/x"))
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "在吗"}))
        nack = await next_of(ws, "nack")
        assert nack["error"]["code"] == "blocked"
        await ws.close()

    asyncio.run(scenario())
    assert live_of(owner_client, visitor_id) is None
    assert owner_client.get(f"/api/visitors/{visitor_id}").json()["visits"] == []
    listed = owner_client.get(f"/api/blocks?site_id={site['id']}").json()["blocks"]
    assert [b["id"] for b in listed] == [block["id"]] and listed[0]["reason"] == "骚扰"
    assert owner_client.get(f"/api/visitors/{visitor_id}").json()["blocked"]["id"] == block["id"]
    r = owner_client.post(f"/api/blocks/{block['id']}/remove", json={})
    assert r.status_code == 200 and r.json()["block"]["removed_at"] is not None
    assert owner_client.get("/api/blocks").json()["blocks"] == []
    assert len(owner_client.get("/api/blocks?removed=1").json()["blocks"]) == 1
    back = Widget(appliance, site["widget_key"], token=widget.token)
    assert back.session["availability"]["mode"] != "blocked"
    r = back.http.post("/api/widget/send", headers=back.headers,
                       json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 200


def test_blocks_by_address_and_range_and_who_may_block(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    _, agent = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    _, supervisor = add_agent(appliance, owner_client, "zhuguan", [site["id"]], "supervisor")
    r = agent.post("/api/blocks", json={"kind": "ip", "value": "127.0.0.1", "reason": "x"})
    assert r.status_code == 403
    for body, field in (({"kind": "ip", "value": "300.1.1.1"}, "value"),
                        ({"kind": "range", "value": "10.0.0.0/4"}, "value"),
                        ({"kind": "cookie", "value": "1"}, "kind"),
                        ({"kind": "visitor", "value": "abc"}, "value"),
                        ({"kind": "ip", "value": "1.2.3.4", "reason": "x" * 201}, "reason")):
        r = supervisor.post("/api/blocks", json=body)
        assert r.status_code == 400 and r.json()["error"]["field"] == field, r.text
    # A supervisor blocks on their site; every site of a company is for those who serve all
    # of them (here a second site exists that the supervisor does not serve).
    add_site(owner_client, "分店", "https://shop2.example.com")
    r = supervisor.post("/api/blocks", json={"kind": "range", "value": "127.0.0.9/8"})
    assert r.status_code == 403 and r.json()["error"]["field"] == "site_id"  # only owners
    r = supervisor.post("/api/blocks", json={"kind": "range", "value": "127.0.0.9/8",
                                             "site_id": site["id"]})
    assert r.status_code == 201 and r.json()["block"]["value"] == "127.0.0.0/8"
    block = r.json()["block"]
    widget = Widget(appliance, site["widget_key"])
    assert widget.session["availability"]["mode"] == "blocked"
    # The presence module gets no visitor on a blocked address.
    r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                                json={"site_key": site["widget_key"], "presence": True})
    assert r.status_code == 200 and r.json()["visitor_token"] is None
    assert r.json()["availability"]["mode"] == "blocked"
    assert agent.post(f"/api/blocks/{block['id']}/remove", json={}).status_code == 403
    assert supervisor.post(f"/api/blocks/{block['id']}/remove", json={}).status_code == 200
    assert Widget(appliance, site["widget_key"]).session["availability"]["mode"] != "blocked"
    r = owner_client.post("/api/blocks", json={"kind": "ip", "value": "::ffff:127.0.0.1"})
    assert r.status_code == 201 and r.json()["block"]["value"] == "127.0.0.1"
    assert r.json()["block"]["site_id"] is None
    assert Widget(appliance, site["widget_key"]).session["availability"]["mode"] == "blocked"
    # With a second company, a block on every site names its company.
    other = owner_client.post("/api/companies", json={"name": "乙"}).json()["company"]
    other_site = owner_client.post("/api/sites", json={
        "name": "乙站", "url": "https://b.example", "company_id": other["id"]}).json()["site"]
    body = {"kind": "ip", "value": "198.51.100.7"}
    r = owner_client.post("/api/blocks", json=body)
    assert r.status_code == 403 and r.json()["error"]["field"] == "company_id"
    r = owner_client.post("/api/blocks", json={**body, "company_id": other["id"]})
    assert r.status_code == 201, r.text
    assert (r.json()["block"]["company_id"], r.json()["block"]["site_id"]) == (other["id"], None)
    r = owner_client.post("/api/blocks", json={**body, "company_id": other["id"],
                                               "site_id": site["id"]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "company_id"
    r = owner_client.post("/api/blocks", json={**body, "company_id": 999})
    assert r.status_code == 404 and r.json()["error"]["field"] == "company_id"
    r = supervisor.post("/api/blocks", json={**body, "company_id": other["id"]})
    assert r.status_code == 404  # a company of no site they serve: as a missing one
    assert other_site["company_id"] == other["id"]


def test_privacy_switch_and_identity_requirements(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    r = owner_client.patch(f"/api/sites/{site['id']}", json={"track_before_chat": False})
    assert r.status_code == 200 and r.json()["site"]["track_before_chat"] is False
    fresh = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                                    json={"site_key": site["widget_key"], "presence": True})
    assert fresh.json()["visitor_token"] is None and fresh.json()["visitor"] is None
    assert fresh.json()["site"]["track"] is False
    widget = Widget(appliance, site["widget_key"])
    visitor_id = widget.session["visitor"]["id"]

    async def browse() -> None:
        ws = await widget.connect()
        await ws.send(page(f"{SITE_ORIGIN}/untracked"))
        await ws.send(json.dumps({"type": "ping"}))
        await next_of(ws, "pong")
        await ws.close()

    asyncio.run(browse())
    assert owner_client.get(f"/api/visitors/{visitor_id}").json()["visits"] == []

    assert owner_client.patch(f"/api/sites/{site['id']}", json={
        "require_identity": "prechat"}).json()["error"]["field"] == "require_identity"
    assert owner_client.patch(f"/api/sites/{site['id']}", json={
        "require_identity": "signed"}).json()["error"]["field"] == "require_identity"
    r = owner_client.patch(f"/api/sites/{site['id']}", json={
        "require_identity": "prechat", "prechat_fields": [{"field": "phone", "required": True}],
        "invitation_templates": ["您好，有什么可以帮您？", "看看优惠？"]})
    assert r.status_code == 200 and r.json()["site"]["require_identity"] == "prechat"
    assert r.json()["site"]["invitation_templates"] == ["您好，有什么可以帮您？", "看看优惠？"]
    r = owner_client.patch(f"/api/sites/{site['id']}",
                           json={"invitation_templates": ["x" * 501]})
    assert r.json()["error"]["field"] == "invitation_templates"
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "identify_first"
    r = widget.http.post("/api/widget/session", headers={"Origin": SITE_ORIGIN}, json={
        "site_key": site["widget_key"], "visitor_token": widget.token,
        "identify": {"phone": "13800000000", "email": "li@example.com"}})
    assert r.json()["site"]["require_identity"] == "prechat"
    assert r.json()["visitor"]["email"] == "li@example.com"
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 200, r.text

    # Once chatting, the visitor is tracked though the site tracks nobody before a chat.
    asyncio.run(browse())
    details = owner_client.get(f"/api/visitors/{visitor_id}").json()
    assert [p["url"] for p in details["visits"][0]["pages"]] == [f"{SITE_ORIGIN}/untracked"]


def test_signed_identity_requirement(appliance: Appliance, owner) -> None:
    import hashlib
    import hmac

    owner_client, setup = owner
    site = setup["site"]
    secret = owner_client.post(f"/api/sites/{site['id']}/identity-secret",
                               json={}).json()["identity_secret"]
    assert owner_client.patch(f"/api/sites/{site['id']}",
                              json={"require_identity": "signed"}).status_code == 200
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "在吗"})
    assert r.json()["error"]["code"] == "identify_first"
    signature = hmac.new(secret.encode(), b"u-42", hashlib.sha256).hexdigest()
    widget.http.post("/api/widget/session", headers={"Origin": SITE_ORIGIN}, json={
        "site_key": site["widget_key"], "visitor_token": widget.token,
        "identify": {"user_id": "u-42", "signature": signature}})
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 200, r.text


def test_history_across_the_sites_of_one_company_never_across_companies(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    sister = add_site(owner_client, "分店", "https://shop2.example.com")
    company = owner_client.post("/api/companies", json={"name": "别家"}).json()["company"]
    r = owner_client.post("/api/sites", json={"name": "别家官网", "url": "https://z.example.net",
                                              "company_id": company["id"]})
    stranger = r.json()["site"]
    ids = {}
    for key, origin in ((site, SITE_ORIGIN), (sister, "https://shop2.example.com"),
                        (stranger, "https://z.example.net")):
        client = appliance.client()
        r = client.post("/api/widget/session", headers={"Origin": origin}, json={
            "site_key": key["widget_key"], "identify": {"email": "same@example.com"}})
        token = r.json()["visitor_token"]
        r = client.post("/api/widget/send", headers={"Authorization": f"Bearer {token}",
                                                     "Origin": origin},
                        json={"client_id": cid(), "body": "你好"})
        ids[key["id"]] = r.json()["conversation_id"]
        if key is site:
            visitor_id = client.post("/api/widget/session", headers={"Origin": origin}, json={
                "site_key": key["widget_key"], "visitor_token": token}).json()["visitor"]["id"]
    details = owner_client.get(f"/api/visitors/{visitor_id}").json()
    assert sorted(c["id"] for c in details["conversations"]) == sorted(
        [ids[site["id"]], ids[sister["id"]]])
    _, agent = add_agent(appliance, owner_client, "xiaoli", [site["id"]])
    only = agent.get(f"/api/visitors/{visitor_id}").json()
    assert [c["id"] for c in only["conversations"]] == [ids[site["id"]]]


def test_the_same_person_is_found_however_their_phone_or_e_mail_was_written(
        appliance: Appliance, owner) -> None:
    """The same phone written "0086 13800138000" on one site and "+86 138-0013-8000" on the
    other (both linked to one customer), an e-mail in another case, or just the same customer
    link: the visitor's details list the person's chats on the company's other site."""
    owner_client, setup = owner
    site = setup["site"]
    sister = add_site(owner_client, "分店", "https://shop2.example.com")

    def chat(key: dict, origin: str, identify: dict) -> tuple[int, int]:
        client = appliance.client()
        r = client.post("/api/widget/session", headers={"Origin": origin}, json={
            "site_key": key["widget_key"], "identify": identify})
        token, visitor_id = r.json()["visitor_token"], r.json()["visitor"]["id"]
        r = client.post("/api/widget/send", headers={"Authorization": f"Bearer {token}",
                                                     "Origin": origin},
                        json={"client_id": cid(), "body": "你好"})
        return visitor_id, r.json()["conversation_id"]

    here, mine = chat(site, SITE_ORIGIN, {"name": "张", "phone": "0086 13800138000"})
    _, theirs = chat(sister, "https://shop2.example.com",
                     {"name": "张", "phone": "+86 138-0013-8000"})
    _, stranger = chat(sister, "https://shop2.example.com",
                       {"name": "李", "phone": "+86 138-0013-8001"})
    details = owner_client.get(f"/api/visitors/{here}").json()
    assert sorted(c["id"] for c in details["conversations"]) == sorted([mine, theirs])
    assert stranger not in [c["id"] for c in details["conversations"]]
    here, mine = chat(site, SITE_ORIGIN, {"email": "Wang.Wu@Example.com"})
    _, theirs = chat(sister, "https://shop2.example.com", {"email": "wang.wu@example.com"})
    assert sorted(c["id"] for c in owner_client.get(f"/api/visitors/{here}").json()[
        "conversations"]) == sorted([mine, theirs])
    # Linked to one customer by an agent, with nothing else in common.
    here, mine = chat(site, SITE_ORIGIN, {"name": "赵"})
    _, theirs = chat(sister, "https://shop2.example.com", {"name": "赵先生"})
    company_id = setup["company"]["id"]
    customer = owner_client.post(f"/api/companies/{company_id}/customers",
                                 json={"name": "赵"}).json()["customer"]
    for conversation_id in (mine, theirs):
        r = owner_client.post(f"/api/conversations/{conversation_id}/customer",
                              json={"customer_id": customer["id"]})
        assert r.status_code == 200, r.text
    assert sorted(c["id"] for c in owner_client.get(f"/api/visitors/{here}").json()[
        "conversations"]) == sorted([mine, theirs])


def test_bad_inputs_on_the_rest_routes_change_nothing(appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    widget = Widget(appliance, setup["site"]["widget_key"])
    visitor_id = widget.session["visitor"]["id"]
    assert owner_client.get("/api/visitors/live?site_id=x").status_code == 400
    assert owner_client.get("/api/visitors/999999").status_code == 404
    for body in ({}, {"message": ""}, {"message": "x" * 501}, {"message": 5},
                 {"message": "hi", "extra": 1}, []):
        r = owner_client.post(f"/api/visitors/{visitor_id}/invite", json=body)
        assert r.status_code == 400, (body, r.text)
    assert owner_client.get(f"/api/visitors/{visitor_id}").json()["invitations"] == []
    assert appliance.client().get("/api/visitors/live").status_code == 401


def test_a_rule_whose_team_is_deleted_invites_for_anyone(appliance: Appliance, owner) -> None:
    """Deleting a team does not leave a rule waiting for its members for ever: the rule then
    names no team (anyone available), as a category that routed to it does."""
    owner_client, setup = owner
    site = setup["site"]
    team = owner_client.post("/api/teams", json={
        "name": "售前", "site_id": site["id"], "member_ids": []}).json()["team"]
    url = f"/api/sites/{site['id']}/invitation-rules"
    rule = owner_client.post(url, json={"name": "r", "message": "hi", "team_id": team["id"],
                                        "conditions": {"min_pages": 2}}).json()["rule"]
    assert rule["team_id"] == team["id"]
    assert owner_client.delete(f"/api/teams/{team['id']}").json() == {"ok": True}
    (after,) = owner_client.get(url).json()["rules"]
    assert after["id"] == rule["id"] and after["team_id"] is None
