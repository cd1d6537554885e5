"""The standalone chat page (`/chat/<key>`, for WeChat menus, app web views, e-mail signatures)
is a page of the site too: its session records it as the visitor's page, with the referrer the
visitor came from, and its `page` frames make a visit with its source — under the same address
checks as the website's pages: only that site's chat page, on our own origin, asked from it."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

from conftest import Appliance
from test_conversations import SITE_ORIGIN, Widget, next_of
from test_visitors import page, wait_until
from test_widget_session import visitor_seen_by_agents

WECHAT = "https://mp.weixin.qq.com/s/Xy7AbC"
BAIDU = "https://www.baidu.com/s?wd=" + quote("牙齿美白")


def session(appliance: Appliance, site: dict, url: str, *, origin: str,
            referrer: str = WECHAT, title: str = "在线咨询") -> Any:
    return appliance.client().post("/api/widget/session", json={
        "site_key": site["widget_key"], "page": {"url": url, "title": title,
                                                 "referrer": referrer}},
        headers={"Origin": origin})


def test_the_chat_pages_session_records_it_with_where_the_visitor_came_from(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    ours = appliance.url
    chat = f"{ours}/chat/{site['widget_key']}"
    for url in (f"{chat}?utm_source=wechat&utm_campaign=menu", chat, chat + "/",
                f"{ours}/kefu/chat/{site['widget_key']}"):  # behind a path prefix
        r = session(appliance, site, url, origin=ours)
        assert r.status_code == 200, r.text
        visitor = visitor_seen_by_agents(appliance, owner_client, r.json()["visitor_token"])
        assert (visitor["page_url"], visitor["page_title"], visitor["referrer"]) == (
            url, "在线咨询", WECHAT), url
    # No referrer given (typed, scanned from a QR code): the page all the same.
    r = session(appliance, site, chat, origin=ours, referrer="")
    visitor = visitor_seen_by_agents(appliance, owner_client, r.json()["visitor_token"])
    assert (visitor["page_url"], visitor["referrer"]) == (chat, "")


def test_only_the_sites_own_chat_page_asked_from_our_origin_is_recorded(
        appliance: Appliance, owner) -> None:
    """The same address checks as every page: another site's chat page, another page of
    ours, another host with the same path, a chat page address claimed by a request from the
    website (or from no browser at all), credentials or a backslash in the authority — none is
    recorded (nor title and referrer), and the session starts as usual."""
    owner_client, setup = owner
    site = setup["site"]
    other = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"})
    ours, key = appliance.url, site["widget_key"]
    host = ours.split("://")[1]
    cases = [
        (f"{ours}/chat/{other.json()['site']['widget_key']}", ours),
        (f"{ours}/app/", ours),
        (f"{ours}/chat/{key}x", ours),
        (f"https://evil.example/chat/{key}", ours),
        (f"http://user:secret@{host}/chat/{key}", ours),
        (f"http://evil.example\\@{host}/chat/{key}", ours),
        (f"javascript:alert(1)//{host}/chat/{key}", ours),
        (f"{ours}/chat/{key}", SITE_ORIGIN),
        (f"https://evil.example/chat/{key}", "https://evil.example"),
    ]
    for url, origin in cases:
        r = session(appliance, site, url, origin=origin)
        if origin == "https://evil.example":
            assert r.status_code == 403, r.text  # not an allowed origin at all
            continue
        assert r.status_code == 200, (url, r.text)
        visitor = visitor_seen_by_agents(appliance, owner_client, r.json()["visitor_token"])
        assert (visitor["page_url"], visitor["page_title"], visitor["referrer"]) == (
            "", "", ""), url
    r = appliance.client().post("/api/widget/session", json={  # an app: no Origin at all
        "site_key": key, "page": {"url": f"{ours}/chat/{key}", "referrer": WECHAT}})
    visitor = visitor_seen_by_agents(appliance, owner_client, r.json()["visitor_token"])
    assert visitor["page_url"] == ""


def test_the_chat_pages_page_frame_makes_a_visit_with_its_source(
        appliance: Appliance, owner) -> None:
    """The chat page's own socket reports it like a website's presence module: a visit whose
    source comes from the referrer (a Baidu search here), the chat page as its page, in the
    live list; the same frame from the website's origin is refused (`error`, `page.url`)."""
    owner_client, setup = owner
    site = setup["site"]
    chat = f"{appliance.url}/chat/{site['widget_key']}"
    widget = Widget(appliance, site["widget_key"], origin=appliance.url)
    visitor_id = widget.session["visitor"]["id"]

    async def scenario() -> dict:
        ws = await widget.connect()
        await ws.send(page(chat, title="在线咨询", referrer=BAIDU))
        live = await asyncio.to_thread(wait_until, lambda: (
            owner_client.get("/api/visitors/live").json()["visitors"]))
        await ws.send(json.dumps({"type": "tab_closed", "tab": "t-1"}))
        await ws.close()
        site_side = Widget(appliance, site["widget_key"])
        ws = await site_side.connect()
        await ws.send(page(chat, title="冒充"))
        refused = await next_of(ws, "error")
        await ws.close()
        return {"live": live, "refused": refused}

    seen = asyncio.run(scenario())
    (live,) = seen["live"]
    assert live["id"] == visitor_id and live["page"]["url"] == chat
    assert live["source"] == {"kind": "search", "name": "百度", "keyword": "牙齿美白"}
    assert seen["refused"]["request"] == "page" and seen["refused"]["error"]["field"] == "page.url"
    (visit,) = owner_client.get(f"/api/visitors/{visitor_id}").json()["visits"]
    assert [(p["url"], p["title"]) for p in visit["pages"]] == [(chat, "在线咨询")]
    assert visit["source"]["name"] == "百度" and visit["entry_title"] == "在线咨询"
