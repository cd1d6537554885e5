"""Agents follow a visitor with an open chat from page to page (the `visitor` frame)."""

from __future__ import annotations

import asyncio
import json

from conftest import Appliance
from test_conversations import SITE_ORIGIN, Widget, agent_socket, cid, next_of
from test_routing import add_agent


def test_the_sites_agents_see_the_visitors_new_page_and_no_one_else(
        appliance: Appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    other = owner_client.post("/api/sites", json={"name": "分店", "url": "https://b.example.com"})
    assert other.status_code == 201
    _li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])
    _wang, wang_client = add_agent(appliance, owner_client, "xiaowang", other.json()["site"]["id"])

    async def scenario() -> None:
        mine = await agent_socket(appliance, li_client)
        elsewhere = await agent_socket(appliance, wang_client)
        owners = await agent_socket(appliance, owner_client, workbench=False)
        widget = await asyncio.to_thread(Widget, appliance, site["widget_key"])
        # No conversation yet: page views are not broadcast.
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "看看价格"}))
        conv = (await next_of(ws, "ack"))["conversation_id"]
        body = {"site_key": site["widget_key"], "visitor_token": widget.token,
                "page": {"url": f"{SITE_ORIGIN}/%E4%BB%B7%E6%A0%BC?q=1", "title": "价格 · 套餐",
                         "referrer": f"{SITE_ORIGIN}/"}}
        r = await asyncio.to_thread(widget.http.post, "/api/widget/session", json=body,
                                    headers={"Origin": SITE_ORIGIN})
        assert r.status_code == 200 and r.json()["conversation"]["id"] == conv
        for console in (mine, owners):
            frame = await next_of(console, "visitor")
            visitor = frame["visitor"]
            assert visitor["id"] == widget.session["visitor"]["id"]
            assert visitor["site_id"] == site["id"]
            assert visitor["page_url"] == f"{SITE_ORIGIN}/%E4%BB%B7%E6%A0%BC?q=1"
            assert (visitor["page_title"], visitor["online"]) == ("价格 · 套餐", True)
            assert set(visitor) >= {"name", "email", "phone", "attributes", "referrer",
                                    "user_agent", "device", "first_seen_at", "last_seen_at"}
        try:
            await next_of(elsewhere, "visitor", timeout=1)
            raise AssertionError("an agent of another site heard of the visitor")
        except TimeoutError:
            pass
        # A reload of the same page is no news.
        r = await asyncio.to_thread(widget.http.post, "/api/widget/session", json=body,
                                    headers={"Origin": SITE_ORIGIN})
        assert r.status_code == 200
        try:
            await next_of(mine, "visitor", timeout=1)
            raise AssertionError("a reload of the same page was announced")
        except TimeoutError:
            pass
        # The same as a fresh read of the conversation.
        detail = await asyncio.to_thread(li_client.get, f"/api/conversations/{conv}")
        assert detail.json()["visitor"]["page_title"] == "价格 · 套餐"
        for s in (ws, mine, elsewhere, owners):
            await s.close()

    asyncio.run(scenario())


def _page(url: str, title: str, tab: str = "t-1") -> str:
    return json.dumps({"type": "page", "tab": tab, "url": url, "title": title, "referrer": "",
                       "language": "zh-CN", "visible": True, "screen": "desktop"})


async def _silent(ws, kind: str, timeout: float = 1.0) -> bool:
    try:
        await next_of(ws, kind, timeout=timeout)
    except TimeoutError:
        return True
    return False


def test_a_chatting_visitor_moving_over_the_presence_socket_is_followed(
        appliance: Appliance, owner) -> None:
    """Single-page sites report history navigation as presence `page` frames: the site's
    agents get the same `visitor` frame a session on a new page gives them."""
    owner_client, setup = owner
    site = setup["site"]
    other = owner_client.post("/api/sites", json={"name": "分店", "url": "https://b.example.com"})
    _li, li_client = add_agent(appliance, owner_client, "xiaoli", site["id"])
    _wang, wang_client = add_agent(appliance, owner_client, "xiaowang", other.json()["site"]["id"])

    async def scenario() -> None:
        mine = await agent_socket(appliance, li_client)
        elsewhere = await agent_socket(appliance, wang_client)
        owners = await agent_socket(appliance, owner_client, workbench=False)
        widget = await asyncio.to_thread(Widget, appliance, site["widget_key"])
        browsing = await asyncio.to_thread(Widget, appliance, site["widget_key"])
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "send", "client_id": cid(), "body": "看看价格"}))
        conv = (await next_of(ws, "ack"))["conversation_id"]
        for step, (url, title) in enumerate([(f"{SITE_ORIGIN}/next", "NEXT 下一页"),
                                             (f"{SITE_ORIGIN}/third?x=1", "第三页")]):
            await ws.send(_page(url, title))
            for console in (mine, owners):
                visitor = (await next_of(console, "visitor"))["visitor"]
                assert visitor["id"] == widget.session["visitor"]["id"], step
                assert (visitor["page_url"], visitor["page_title"]) == (url, title)
                assert visitor["online"] is True
        # The same page again (a reconnect), a refused page, and a visitor without a
        # conversation: no news.
        await ws.send(_page(f"{SITE_ORIGIN}/third?x=1", "第三页"))
        await ws.send(_page("https://evil.example/login", "第四页"))
        assert (await next_of(ws, "error"))["error"]["field"] == "page.url"
        other_ws = await browsing.connect()
        await other_ws.send(_page(f"{SITE_ORIGIN}/browsing", "只是看看"))
        assert await _silent(mine, "visitor") and await _silent(owners, "visitor", 0.2)
        assert await _silent(elsewhere, "visitor", 0.2)
        # The frame says what a fresh read says.
        detail = await asyncio.to_thread(li_client.get, f"/api/conversations/{conv}")
        assert detail.json()["visitor"]["page_url"] == f"{SITE_ORIGIN}/third?x=1"
        for s in (ws, other_ws, mine, elsewhere, owners):
            await s.close()

    asyncio.run(scenario())
