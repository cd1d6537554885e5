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
