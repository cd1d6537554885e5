"""The answer bot in visitor conversations, over real sockets: it answers from the site's
knowledge base in the same durable message path, a resend gets one answer, and it hands the
chat to people (asked, two failures, a 👎, an attachment), who see its part of the chat."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from conftest import Appliance
from test_conversations import Widget, agent_socket, cid, next_of
from test_routing import add_agent

ENTRIES = [
    {"question": "下单后多久发货？", "answer": "<p>付款后<b>24小时</b>内发货。</p>",
     "category": "物流"},
    {"question": "运费怎么收？包邮吗？", "answer": "满99元包邮，不满收8元。", "category": "物流"},
    {"question": "可以开发票吗？", "answer": "可以，下单时填写抬头即可。", "category": "发票"},
    {"question": "门店几点开门？", "answer": "每天早上9点开门。", "category": "门店"},
]


def kb_world(owner_client: Any, setup: dict[str, Any]) -> dict[str, Any]:
    """The owner's company with ENTRIES in its knowledge base (the bot still off)."""
    company, site = setup["company"]["id"], setup["site"]
    ids = []
    for entry in ENTRIES:
        r = owner_client.post(f"/api/companies/{company}/kb/entries", json=entry)
        assert r.status_code == 201, r.text
        ids.append(r.json()["entry"]["id"])
    return {"owner": owner_client, "company": company, "site": site, "ids": ids}


@pytest.fixture
def world(appliance: Appliance, owner) -> dict[str, Any]:
    return kb_world(*owner)


def bot_mode(world: dict[str, Any], mode: str, name: str = "小悦") -> None:
    r = world["owner"].patch(f"/api/sites/{world['site']['id']}/bot",
                             json={"mode": mode, "name": name})
    assert r.status_code == 200, r.text


class Visitor:
    """A widget socket that keeps the frames it passed over while waiting for another (the
    bot's reply is announced before the ack of the message it answers)."""

    def __init__(self, ws) -> None:
        self.ws, self.kept = ws, []

    @classmethod
    async def connect(cls, widget: Widget) -> Visitor:
        return cls(await widget.connect())

    async def next(self, kind: str, timeout: float = 5) -> dict:
        for i, frame in enumerate(self.kept):
            if frame["type"] == kind:
                return self.kept.pop(i)
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame["type"] == kind:
                return frame
            self.kept.append(frame)

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def close(self) -> None:
        await self.ws.close()


async def say(ws: Visitor, text: str, client_id: str | None = None) -> dict:
    await ws.send({"type": "send", "client_id": client_id or cid(), "body": text})
    return await ws.next("ack")


async def bot_says(ws: Visitor, timeout: float = 5) -> dict:
    """The next message of the bot."""
    while True:
        frame = await ws.next("message", timeout)
        if frame["sender"]["type"] == "bot":
            return frame


def history(client, conversation_id: int) -> list[dict]:
    r = client.get(f"/api/conversations/{conversation_id}/messages")
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def improve(client, company: int) -> list[dict]:
    r = client.get(f"/api/companies/{company}/kb/improve")
    assert r.status_code == 200, r.text
    return r.json()["questions"]


def test_the_bot_answers_a_paraphrase_and_a_resend_gets_one_answer(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])
    assert widget.session["bot"] == {"name": "小悦", "mode": "first"}
    assert widget.session["availability"]["mode"] == "chat"  # nobody online: the bot answers

    async def scenario() -> int:
        console = await agent_socket(appliance, owner)
        ws = await Visitor.connect(widget)
        client_id = cid()
        ack = await say(ws, "亲，付完款多久能发货呀", client_id)
        answer = await bot_says(ws)
        assert answer["seq"] == ack["seq"] + 1
        assert answer["sender"] == {"type": "bot", "id": None, "name": "小悦"}
        assert answer["bot"]["action"] == "answer" and answer["bot"]["votable"] is True
        assert answer["bot"]["entry_id"] == world["ids"][0]
        assert answer["bot"]["answer"] == "<p>付款后<b>24小时</b>内发货。</p>"
        assert answer["body"] == "付款后24小时内发货。"
        # The same message again (a lost ack): the same seq, and no second answer.
        again = await say(ws, "亲，付完款多久能发货呀", client_id)
        assert again["seq"] == ack["seq"]
        with pytest.raises(TimeoutError):
            await bot_says(ws, timeout=0.7)
        # The console hears of a chat the bot serves only through `bot_chat` frames (its
        # "with the bot" list, tests/test_bot_console.py): no alert, no conversation frame.
        with pytest.raises(TimeoutError):
            while True:
                frame = json.loads(await asyncio.wait_for(console.recv(), 0.5))
                assert frame["type"] not in ("conversation", "message"), frame
        await ws.close()
        await console.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    messages = history(owner, conversation_id)
    assert [(m["sender"]["type"], m["seq"]) for m in messages] == [("visitor", 1), ("bot", 2)]
    detail = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["status"] == "bot" and detail["bot_outcome"] == "served"
    assert detail["assignee_id"] is None and detail["handover_reason"] is None
    listed = owner.get("/api/conversations", params={"view": "bot"}).json()["conversations"]
    assert [c["id"] for c in listed] == [conversation_id]
    for view in ("waiting", "open", "mine"):
        assert owner.get("/api/conversations", params={"view": view}).json()[
            "conversations"] == [], view


def test_asking_for_a_person_routes_to_an_agent_who_sees_the_bot_transcript(
        appliance, world) -> None:
    bot_mode(world, "first")
    site = world["site"]
    li, li_client = add_agent(appliance, world["owner"], "xiaoli", site["id"])
    widget = Widget(appliance, site["widget_key"])

    async def scenario() -> int:
        console = await agent_socket(appliance, li_client)
        ws = await Visitor.connect(widget)
        ack = await say(ws, "可以开发票吗")
        assert (await bot_says(ws))["bot"]["action"] == "answer"
        await say(ws, "我要转人工")
        handover = await bot_says(ws)
        assert handover["bot"]["action"] == "handover"
        assert handover["bot"]["agents_online"] is True
        assert handover["body"] == "好的，正在为您转接人工客服，请稍候…"
        # The console hears of it as of any new chat: the conversation, then its lines.
        opened = await next_of(console, "conversation")
        assert opened["conversation"]["status"] == "open"
        assert opened["conversation"]["bot_outcome"] == "handed_over"
        assert opened["conversation"]["handover_reason"] == "asked"
        joined = await ws.next("message")
        while joined["kind"] != "system":
            joined = await ws.next("message")
        assert joined["body"] == "agent_joined" and joined["sender"]["id"] == li["id"]
        # The agent's console syncs the chat from the start: the bot's part is there.
        await console.send(json.dumps({"type": "sync", "conversation_id": ack["conversation_id"],
                                       "after_seq": 0}))
        replay = {}  # by seq: the live frames of the hand-over come first, then the replay
        while True:
            frame = json.loads(await asyncio.wait_for(console.recv(), 3))
            if frame["type"] == "message":
                replay[frame["seq"]] = frame
            if frame["type"] == "synced":
                break
        assert [replay[seq]["sender"]["type"] for seq in sorted(replay)] == [
            "visitor", "bot", "visitor", "bot", "system"]
        assert replay[2]["body"] == "可以，下单时填写抬头即可。"
        assert replay[2]["bot"]["answer"] == "可以，下单时填写抬头即可。"
        # The agent answers; the bot says nothing more.
        r = await asyncio.to_thread(li_client.post,
                                    f"/api/conversations/{ack['conversation_id']}/messages",
                                    json={"client_id": cid(), "body": "您好，我是小李"})
        assert r.status_code == 200, r.text
        await say(ws, "发票怎么开")
        with pytest.raises(TimeoutError):
            await bot_says(ws, timeout=0.7)
        await ws.close()
        await console.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    detail = li_client.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["assignee_id"] == li["id"] and detail["status"] == "open"


def test_two_failed_replies_in_a_row_hand_over_and_land_in_to_improve(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> int:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "量子计算机的原理是什么")
        first = await bot_says(ws)
        assert first["bot"]["action"] == "unanswered" and first["bot"]["votable"] is False
        await say(ws, "你好")  # small talk neither counts nor breaks the run
        assert (await bot_says(ws))["bot"]["action"] == "small_talk"
        await say(ws, "火星上能种土豆吗")
        second = await bot_says(ws)
        assert second["bot"]["action"] == "handover"
        assert second["bot"]["agents_online"] is False  # nobody online: the offline path
        assert second["body"].startswith("现在没有客服在线")
        conversation = await ws.next("conversation")
        while conversation["conversation"]["status"] != "open":
            conversation = await ws.next("conversation")
        await ws.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    detail = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["handover_reason"] == "failures" and detail["status"] == "open"
    listed = owner.get("/api/conversations", params={"view": "waiting"}).json()["conversations"]
    assert [c["id"] for c in listed] == [conversation_id]
    texts = {(q["text"], q["reason"]) for q in improve(owner, world["company"])}
    assert {("量子计算机的原理是什么", "unanswered"), ("火星上能种土豆吗", "unanswered")} <= texts


def test_a_thumbs_down_hands_over_and_lands_in_to_improve(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> tuple[int, int]:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "你们几点开门")
        answer = await bot_says(ws)
        assert answer["bot"]["entry_id"] == world["ids"][3]
        r = await asyncio.to_thread(widget.http.post, "/api/widget/vote", headers=widget.headers,
                                    json={"message_id": answer["id"], "vote": -1})
        assert r.status_code == 200, r.text
        assert r.json()["vote"] == -1 and r.json()["conversation"]["status"] == "open"
        handover = await bot_says(ws)
        assert handover["bot"]["action"] == "handover"
        again = await asyncio.to_thread(widget.http.post, "/api/widget/vote",
                                        headers=widget.headers,
                                        json={"message_id": answer["id"], "vote": 1})
        assert again.status_code == 409, again.text  # one vote per answer
        await ws.close()
        return ack["conversation_id"], answer["id"]

    conversation_id, _ = asyncio.run(scenario())
    detail = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["handover_reason"] == "downvoted"
    downvoted = [q for q in improve(owner, world["company"]) if q["reason"] == "downvoted"]
    assert [(q["text"], q["entry_id"]) for q in downvoted] == [("你们几点开门", world["ids"][3])]


def test_a_thumbs_up_is_stored_and_the_bot_keeps_serving(appliance, world) -> None:
    bot_mode(world, "first")
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> None:
        ws = await Visitor.connect(widget)
        await say(ws, "运费怎么算")
        answer = await bot_says(ws)
        r = await asyncio.to_thread(widget.http.post, "/api/widget/vote", headers=widget.headers,
                                    json={"message_id": answer["id"], "vote": 1})
        assert r.status_code == 200 and r.json()["conversation"]["status"] == "bot", r.text
        await ws.close()

    asyncio.run(scenario())
    assert improve(world["owner"], world["company"]) == []


def test_the_handover_button_and_suggestions_to_tap(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> int:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "开票")  # too short to be sure: the bot offers entries
        offered = await bot_says(ws)
        assert offered["bot"]["action"] == "suggest", offered
        choices = offered["bot"]["choices"]
        assert 1 <= len(choices) <= 3 and offered["body"].startswith("您是不是想问：")
        picked = next(c for c in choices if c["entry_id"] == world["ids"][2])
        await say(ws, picked["question"])  # tapping a choice sends its question
        answered = await bot_says(ws)
        assert answered["bot"]["action"] == "answer"
        assert answered["bot"]["entry_id"] == world["ids"][2]
        r = await asyncio.to_thread(widget.http.post, "/api/widget/handover",
                                    headers=widget.headers,
                                    json={"conversation_id": ack["conversation_id"]})
        assert r.status_code == 200 and r.json()["conversation"]["status"] == "open", r.text
        assert (await bot_says(ws))["bot"]["action"] == "handover"
        again = await asyncio.to_thread(widget.http.post, "/api/widget/handover",
                                        headers=widget.headers,
                                        json={"conversation_id": ack["conversation_id"]})
        assert again.status_code == 200 and again.json()["conversation"]["status"] == "open"
        await ws.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    messages = history(owner, conversation_id)
    assert [m["sender"]["type"] for m in messages].count("bot") == 3  # no second hand-over
    assert owner.get(f"/api/conversations/{conversation_id}").json()[
        "conversation"]["handover_reason"] == "asked"


def test_mode_offline_answers_only_when_nobody_is_available(appliance, world) -> None:
    bot_mode(world, "offline")
    site = world["site"]
    _li, li_client = add_agent(appliance, world["owner"], "xiaoli", site["id"])

    async def scenario() -> None:
        # Nobody online: the bot serves.
        ws = await Visitor.connect(Widget(appliance, site["widget_key"]))
        await say(ws, "可以开发票吗")
        assert (await bot_says(ws))["bot"]["action"] == "answer"
        await ws.close()
        # An agent at the workbench: a new chat is theirs, the bot stays out.
        console = await agent_socket(appliance, li_client)
        ws = await Visitor.connect(Widget(appliance, site["widget_key"]))
        ack = await say(ws, "可以开发票吗")
        joined = await ws.next("message")
        while joined["kind"] != "system":
            assert joined["sender"]["type"] == "visitor"
            joined = await ws.next("message")
        assert joined["body"] == "agent_joined"
        with pytest.raises(TimeoutError):
            await bot_says(ws, timeout=0.7)
        detail = await asyncio.to_thread(li_client.get,
                                         f"/api/conversations/{ack['conversation_id']}")
        assert detail.json()["conversation"]["bot_outcome"] is None
        await ws.close()
        await console.close()

    asyncio.run(scenario())


def test_a_chat_of_a_bot_turned_off_is_handed_over_at_the_next_message(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> int:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "可以开发票吗")
        assert (await bot_says(ws))["bot"]["action"] == "answer"
        bot_mode(world, "off")
        await say(ws, "还有个问题")
        assert (await bot_says(ws))["bot"]["action"] == "handover"
        await ws.close()
        return ack["conversation_id"]

    conversation_id = asyncio.run(scenario())
    detail = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert detail["status"] == "open" and detail["handover_reason"] == "bot_off"
    assert Widget(appliance, world["site"]["widget_key"]).session["bot"] is None


def test_an_attachment_hands_over(appliance, world) -> None:
    bot_mode(world, "first")
    widget = Widget(appliance, world["site"]["widget_key"])
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe"
           b"\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

    async def scenario() -> None:
        ws = await Visitor.connect(widget)
        await say(ws, "你好")
        assert (await bot_says(ws))["bot"]["action"] == "small_talk"
        r = await asyncio.to_thread(widget.http.post, "/api/widget/upload", headers=widget.headers,
                                    files={"file": ("shot.png", png, "image/png")})
        assert r.status_code == 200, r.text
        await ws.send({"type": "send", "client_id": cid(), "kind": "image",
                       "attachment_id": r.json()["attachment"]["id"]})
        await ws.next("ack")
        handover = await bot_says(ws)
        assert handover["bot"]["action"] == "handover"
        await ws.close()

    asyncio.run(scenario())


def test_the_bot_stays_in_its_own_companys_knowledge_base(appliance, world) -> None:
    owner = world["owner"]
    company_b = owner.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    site_b = owner.post("/api/sites", json={"name": "B", "url": "https://www.example.com",
                                            "company_id": company_b["id"]}).json()["site"]
    r = owner.post(f"/api/companies/{company_b['id']}/kb/entries",
                   json={"question": "内部价格是多少？", "answer": "乙公司内部价 5 折。"})
    assert r.status_code == 201
    r = owner.patch(f"/api/sites/{site_b['id']}/bot", json={"mode": "first"})
    assert r.status_code == 200
    bot_mode(world, "first")

    async def scenario() -> None:
        ws = await Visitor.connect(Widget(appliance, world["site"]["widget_key"]))
        await say(ws, "内部价格是多少")
        reply = await bot_says(ws)
        assert reply["bot"]["action"] in ("unanswered", "suggest")
        assert "乙公司" not in reply["body"]
        assert all(c["entry_id"] in world["ids"] for c in reply["bot"]["choices"])
        await ws.close()
        ws = await Visitor.connect(Widget(appliance, site_b["widget_key"]))
        await say(ws, "内部价格是多少")
        reply = await bot_says(ws)
        assert reply["bot"]["action"] == "answer" and "乙公司" in reply["body"]
        assert reply["sender"]["name"] == "智能助理"  # no name set: the default
        await ws.close()

    asyncio.run(scenario())


def test_bad_votes_and_handovers_change_nothing(appliance, world) -> None:
    bot_mode(world, "first")
    owner = world["owner"]
    visitor = Widget(appliance, world["site"]["widget_key"])
    other = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> tuple[dict, dict, int, dict]:
        ws = await Visitor.connect(visitor)
        ack = await say(ws, "可以开发票吗")
        answer = await bot_says(ws)
        await ws.close()
        ws = await Visitor.connect(other)
        other_ack = await say(ws, "你好")
        small = await bot_says(ws)
        await ws.close()
        return ack, answer, other_ack["conversation_id"], small

    ack, answer, other_conversation, small = asyncio.run(scenario())
    company_b = owner.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    site_b = owner.post("/api/sites", json={"name": "B", "url": "https://www.example.com",
                                            "company_id": company_b["id"]}).json()["site"]
    stranger = Widget(appliance, site_b["widget_key"])  # a visitor of another company
    cases = [
        (stranger, {"message_id": answer["id"], "vote": -1}, 404),
        (other, {"message_id": answer["id"], "vote": -1}, 404),  # another visitor's answer
        (visitor, {"message_id": small["id"], "vote": -1}, 404),
        (visitor, {"message_id": ack["message_id"], "vote": -1}, 400),  # their own message
        (visitor, {"message_id": answer["id"], "vote": 0}, 400),
        (visitor, {"message_id": answer["id"], "vote": True}, 400),
        (visitor, {"message_id": answer["id"], "vote": "-1"}, 400),
        (visitor, {"message_id": answer["id"]}, 400),
        (visitor, {"message_id": "x", "vote": 1}, 400),
        (visitor, {"message_id": 10**30, "vote": 1}, 400),
        (visitor, {"message_id": answer["id"], "vote": 1, "extra": 1}, 400),
        (visitor, {"message_id": 999999, "vote": 1}, 404),
    ]
    for who, body, status in cases:
        r = who.http.post("/api/widget/vote", headers=who.headers, json=body)
        assert r.status_code == status, (body, r.text)
        assert set(r.json()) == {"error"}
    for who, body, status in [
        (visitor, {"conversation_id": other_conversation}, 404),
        (stranger, {"conversation_id": ack["conversation_id"]}, 404),
        (visitor, {"conversation_id": "1"}, 400),
        (visitor, {}, 400),
        (visitor, {"conversation_id": ack["conversation_id"], "x": 1}, 400),
    ]:
        r = who.http.post("/api/widget/handover", headers=who.headers, json=body)
        assert r.status_code == status, (body, r.text)
    r = visitor.http.post("/api/widget/vote", json={"message_id": answer["id"], "vote": 1},
                          headers={"Origin": visitor.origin})
    assert r.status_code in (401, 403), r.text
    # Nothing changed: no vote, no hand-over, nothing to improve.
    for conversation_id in (ack["conversation_id"], other_conversation):
        detail = owner.get(f"/api/conversations/{conversation_id}").json()["conversation"]
        assert detail["status"] == "bot" and detail["handover_reason"] is None
    assert improve(owner, world["company"]) == []
    r = visitor.http.post("/api/widget/vote", headers=visitor.headers,
                          json={"message_id": answer["id"], "vote": 1})
    assert r.status_code == 200  # the answer could still be voted on


@pytest.mark.parametrize("body", ["", "   ", "好" * 5001, "x" * 10_240])
def test_empty_and_oversized_questions_are_refused_and_get_no_reply(
        appliance, world, body) -> None:
    bot_mode(world, "first")
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> None:
        ws = await Visitor.connect(widget)
        await ws.send({"type": "send", "client_id": cid(), "body": body})
        nack = await ws.next("nack")
        assert nack["error"]["code"] == "invalid" and nack["error"]["field"] == "body"
        with pytest.raises(TimeoutError):
            await ws.next("message", timeout=0.5)
        await ws.close()

    asyncio.run(scenario())
    owner = world["owner"]
    assert owner.get("/api/conversations", params={"view": "bot"}).json()["conversations"] == []
    assert improve(owner, world["company"]) == []


def test_a_long_question_is_answered_from_its_start(appliance, world) -> None:
    bot_mode(world, "first")
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> None:
        ws = await Visitor.connect(widget)
        await say(ws, "可以开发票吗" + "。" * 4900)
        assert (await bot_says(ws))["bot"]["action"] == "answer"
        await ws.close()

    asyncio.run(scenario())


def test_over_long_poll_the_reply_comes_with_the_next_poll(appliance, world) -> None:
    bot_mode(world, "first")
    widget = Widget(appliance, world["site"]["widget_key"])
    client_id = cid()
    sent = widget.http.post("/api/widget/send", headers=widget.headers,
                            json={"client_id": client_id, "body": "运费怎么算"})
    assert sent.status_code == 200, sent.text
    ack = sent.json()
    again = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": client_id, "body": "运费怎么算"})
    assert again.json()["seq"] == ack["seq"]  # a resend: the same message, no second reply
    polled = widget.http.post("/api/widget/poll", headers=widget.headers,
                              json={"cursors": {str(ack["conversation_id"]): 0}, "timeout": 0})
    assert polled.status_code == 200, polled.text
    messages = [f for f in polled.json()["events"] if f["type"] == "message"]
    assert [(m["seq"], m["sender"]["type"]) for m in messages] == [(1, "visitor"), (2, "bot")]
    assert messages[1]["bot"]["entry_id"] == world["ids"][1]
    session = Widget(appliance, world["site"]["widget_key"], token=widget.token).session
    assert session["conversation"]["status"] == "bot"
    assert session["conversation"]["assigned"] is False and session["queue"] is None


def test_the_visitors_live_copies_of_every_kind_of_bot_reply_carry_no_sources(
        appliance, world) -> None:
    """docs/protocol.md: `sources` is for agents only, left out of a visitor's frames: on the
    live socket for an answer, suggestions, small talk and a hand-over alike (agents' copies
    keep the key, empty here: no model worded these)."""
    bot_mode(world, "first")
    owner = world["owner"]
    widget = Widget(appliance, world["site"]["widget_key"])

    async def scenario() -> tuple[int, list[dict]]:
        ws = await Visitor.connect(widget)
        got = []
        for text in ("亲，付完款多久能发货呀", "开票", "你好", "转人工"):
            ack = await say(ws, text)
            got.append(await bot_says(ws))
        await ws.close()
        return ack["conversation_id"], got

    conversation_id, replies = asyncio.run(scenario())
    assert [r["bot"]["action"] for r in replies] == [
        "answer", "suggest", "small_talk", "handover"]
    for reply in replies:
        assert "sources" not in reply["bot"], reply
    agents = [m for m in history(owner, conversation_id) if m["sender"]["type"] == "bot"]
    assert [m["bot"]["sources"] for m in agents] == [[], [], [], []]


@pytest.mark.parametrize(("language", "shown"), [("zh-CN", "智能助理"), ("en", "Assistant")])
def test_an_empty_bot_name_stays_empty_in_settings_and_shows_the_languages_default(
        appliance, world, language, shown) -> None:
    """api.md, Bot: `name` is kept as saved (""), visitors and agents see the default of the
    site's language."""
    owner, site = world["owner"], world["site"]
    r = owner.patch(f"/api/sites/{site['id']}", json={"language": language})
    assert r.status_code == 200, r.text
    bot_mode(world, "first", name="")
    assert owner.get(f"/api/sites/{site['id']}/bot").json()["bot"]["name"] == ""
    widget = Widget(appliance, site["widget_key"])
    assert widget.session["bot"] == {"name": shown, "mode": "first"}

    async def scenario() -> tuple[dict, dict]:
        ws = await Visitor.connect(widget)
        ack = await say(ws, "亲，付完款多久能发货呀")
        reply = await bot_says(ws)
        await ws.close()
        return ack, reply

    ack, reply = asyncio.run(scenario())
    assert reply["sender"]["name"] == shown
    agents = [m for m in history(owner, ack["conversation_id"]) if m["sender"]["type"] == "bot"]
    assert agents[0]["sender"]["name"] == shown
