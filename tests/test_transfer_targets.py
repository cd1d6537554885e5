"""The transfer picker's colleagues: who serves the site, with status and load."""

from __future__ import annotations

import asyncio

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
