"""Anonymous routes are throttled per visitor and per client address (trusted proxies only),
with 429 + Retry-After (a nack on the socket); abandoned uploads are cleaned up and a
visitor's stored uploads have a quota."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from conftest import Appliance
from test_conversations import SITE_ORIGIN, Widget, cid, next_of
from test_uploads import png, stored_files

from appliance.domain.ratelimit import RateLimit
from appliance.runtime import background_loops, utc_now

# -- the bucket -------------------------------------------------------------------------------


def test_a_bucket_allows_its_burst_then_refills_evenly() -> None:
    limit = RateLimit(3, 60.0)
    for _ in range(3):
        assert limit.wait("v", 0.0) == 0
        limit.take("v", 0.0)
    assert limit.wait("v", 0.0) == 20  # one token back every 20 s
    assert limit.wait("v", 19.5) == 1
    assert limit.wait("v", 20.0) == 0
    assert limit.wait("other", 0.0) == 0  # keys are apart
    limit.give_back("v", 1.0)
    assert limit.wait("v", 1.0) == 0


def test_a_bucket_forgets_the_least_recently_used_keys() -> None:
    limit = RateLimit(1, 60.0, max_keys=100)
    for key in range(1000):
        limit.take(str(key), 0.0)
    assert len(limit._buckets) == 100
    assert limit.wait("999", 0.0) > 0 and limit.wait("0", 0.0) == 0


# -- over the real server ---------------------------------------------------------------------

def _site(appliance: Appliance) -> dict:
    owner, setup = appliance.setup()
    r = owner.patch(f"/api/sites/{setup['site']['id']}", json={"routing_strategy": "manual"})
    return {"owner": owner, **r.json()["site"]}


def _limited(response) -> int:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert int(response.headers["retry-after"]) == error["retry_after"] >= 1
    return error["retry_after"]


def test_messages_per_visitor_over_http_and_socket(start_appliance) -> None:
    appliance = start_appliance(visitor_messages_per_minute=3)
    site = _site(appliance)
    widget, other = Widget(appliance, site["widget_key"]), Widget(appliance, site["widget_key"])
    first = cid()
    for client_id in (first, cid(), cid()):
        r = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": client_id, "body": "hi"})
        assert r.status_code == 200, r.text
    stored = widget.http.post("/api/widget/send", headers=widget.headers,
                              json={"client_id": first, "body": "hi"})
    # The bucket is empty, but a resend of a stored message (its ack was lost) is answered
    # like the first send: same message, same seq, nothing stored twice.
    assert stored.status_code == 200, stored.text
    assert stored.json()["seq"] == 1 and stored.json()["client_id"] == first
    limited = widget.http.post("/api/widget/send", headers=widget.headers,
                               json={"client_id": cid(), "body": "4th"})
    assert _limited(limited) >= 10
    assert limited.headers["access-control-allow-origin"] == SITE_ORIGIN
    assert limited.headers["access-control-expose-headers"] == "Retry-After"
    r = other.http.post("/api/widget/send", headers=other.headers,
                        json={"client_id": cid(), "body": "another visitor"})
    assert r.status_code == 200

    async def scenario() -> tuple[dict, dict]:
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "send", "client_id": first, "body": "hi"}))
        ack = await next_of(ws, "ack")  # a resend on the socket too, with no tokens left
        await ws.send(json.dumps({"type": "send", "client_id": "c-limited-1", "body": "x"}))
        nack = await next_of(ws, "nack")
        await ws.close()
        return ack, nack

    ack, nack = asyncio.run(scenario())
    assert ack["client_id"] == first and ack["seq"] == 1
    assert nack["client_id"] == "c-limited-1" and nack["error"]["code"] == "rate_limited"
    assert nack["error"]["retry_after"] >= 1
    bodies = [m["body"] for m in site["owner"].get(
        f"/api/conversations/{r.json()['conversation_id'] - 1}/messages").json()["messages"]]
    assert bodies == ["hi", "hi", "hi"]


def test_resends_of_stored_messages_cost_nothing(start_appliance) -> None:
    appliance = start_appliance(visitor_messages_per_minute=2)
    site = _site(appliance)
    widget = Widget(appliance, site["widget_key"])
    client_id = cid()
    for _ in range(6):  # a widget resending after lost acks
        r = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": client_id, "body": "hi"})
        assert r.status_code == 200 and r.json()["seq"] == 1
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "second"})
    assert r.status_code == 200


def test_a_flood_of_refused_sends_does_not_become_a_flood_of_reads(start_appliance) -> None:
    """A refused send is looked up in case it is a resend of a stored message; those look-ups
    have a budget of their own (as many per minute as messages), so a script sending new
    client ids past the limit gets plain refusals, and past the budget a true resend waits its
    turn like a new message (the widget retries after `retry_after`: nothing is lost)."""
    appliance = start_appliance(visitor_messages_per_minute=3)
    site = _site(appliance)
    widget = Widget(appliance, site["widget_key"])
    first = cid()
    for client_id in (first, cid(), cid()):
        r = widget.http.post("/api/widget/send", headers=widget.headers,
                             json={"client_id": client_id, "body": "hi"})
        assert r.status_code == 200, r.text
    for _ in range(2):  # refused, each looked up: two of the three look-ups
        _limited(widget.http.post("/api/widget/send", headers=widget.headers,
                                  json={"client_id": cid(), "body": "flood"}))
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": first, "body": "hi"})
    assert r.status_code == 200 and r.json()["seq"] == 1  # the third: a true resend, acked

    async def flood() -> list[dict]:
        ws = await widget.connect()
        answers = []
        for client_id in ("c-flood-1", "c-flood-2", first):
            await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": "hi"}))
            answers.append(await next_of(ws, "nack"))
        await ws.close()
        return answers

    # The budget is spent: new ids and the true resend alike are refused without a look-up.
    answers = asyncio.run(flood())
    assert [a["client_id"] for a in answers] == ["c-flood-1", "c-flood-2", first]
    assert all(a["error"]["code"] == "rate_limited" and a["error"]["retry_after"] >= 1
               for a in answers)
    assert _limited(widget.http.post("/api/widget/send", headers=widget.headers,
                                     json={"client_id": first, "body": "hi"})) >= 1
    other = Widget(appliance, site["widget_key"])  # budgets are per visitor
    r = other.http.post("/api/widget/send", headers=other.headers,
                        json={"client_id": cid(), "body": "another visitor"})
    assert r.status_code == 200
    conversation = r.json()["conversation_id"] - 1
    bodies = [m["body"] for m in site["owner"].get(
        f"/api/conversations/{conversation}/messages").json()["messages"]]
    assert bodies == ["hi", "hi", "hi"]


def test_messages_per_address_add_up_across_visitors(start_appliance) -> None:
    appliance = start_appliance(address_messages_per_minute=4)
    site = _site(appliance)
    visitors = [Widget(appliance, site["widget_key"]) for _ in range(3)]
    answers = [v.http.post("/api/widget/send", headers=v.headers,
                           json={"client_id": cid(), "body": "x"}).status_code
               for v in visitors for _ in range(2)]
    assert answers == [200, 200, 200, 200, 429, 429]


def test_new_visitors_per_address_and_page_loads_per_visitor(start_appliance) -> None:
    appliance = start_appliance(address_new_visitors_per_minute=3, visitor_sessions_per_minute=2)
    site = _site(appliance)
    client = appliance.client()
    tokens = []
    for _ in range(3):
        r = client.post("/api/widget/session", json={"site_key": site["widget_key"]},
                        headers={"Origin": SITE_ORIGIN})
        assert r.status_code == 200
        tokens.append(r.json()["visitor_token"])
    _limited(client.post("/api/widget/session", json={"site_key": site["widget_key"]},
                         headers={"Origin": SITE_ORIGIN}))
    # A known visitor's page loads count per visitor, not as new visitors.
    for expected in (200, 200, 429):
        r = client.post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                        json={"site_key": site["widget_key"], "visitor_token": tokens[0]})
        assert r.status_code == expected
    r = client.post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                    json={"site_key": site["widget_key"], "visitor_token": tokens[1]})
    assert r.status_code == 200


def test_addresses_come_from_trusted_proxies_only(start_appliance) -> None:
    direct = start_appliance(address_new_visitors_per_minute=2)
    site = _site(direct)
    client = direct.client()
    codes = [client.post("/api/widget/session", json={"site_key": site["widget_key"]},
                         headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": f"10.0.0.{i}"}
                         ).status_code for i in range(3)]
    assert codes == [200, 200, 429]  # a forged X-Forwarded-For changes nothing

    proxied = start_appliance(data_dir=direct.runtime.config.data_path.parent / "p",
                              address_new_visitors_per_minute=2, proxies_count=1)
    site = _site(proxied)
    client = proxied.client()

    def session(address: str) -> int:
        return client.post("/api/widget/session", json={"site_key": site["widget_key"]},
                           headers={"Origin": SITE_ORIGIN, "X-Forwarded-For": address}
                           ).status_code

    assert [session("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert session("198.51.100.9") == 200  # another client behind the proxy


def test_uploads_are_counted_and_held_to_a_quota(start_appliance) -> None:
    image = png(40, 40)
    appliance = start_appliance(visitor_uploads_per_hour=3,
                                visitor_upload_quota_bytes=len(image) * 2 + 10)
    site = _site(appliance)
    widget = Widget(appliance, site["widget_key"])

    def upload(w: Widget):
        return w.http.post("/api/widget/upload", headers=w.headers,
                           files={"file": ("a.png", image, "image/png")})

    assert [upload(widget).status_code for _ in range(2)] == [200, 200]
    r = upload(widget)
    assert r.status_code == 413 and r.json()["error"]["code"] == "quota_exceeded"
    assert len(stored_files(appliance)) == 2  # nothing written for the refused one
    other = Widget(appliance, site["widget_key"])
    small = b"hello, a text file\n"
    for expected in (200, 200, 200, 429):
        r = other.http.post("/api/widget/upload", headers=other.headers,
                            files={"file": ("n.txt", small, "text/plain")})
        assert r.status_code == expected, r.text
    _limited(r)


def test_abandoned_uploads_are_deleted_sent_ones_kept(start_appliance) -> None:
    appliance = start_appliance(abandoned_upload_hours=2)
    site = _site(appliance)
    widget = Widget(appliance, site["widget_key"])
    ids = []
    for name in ("sent.png", "abandoned.png", "fresh.png"):
        r = widget.http.post("/api/widget/upload", headers=widget.headers,
                             files={"file": (name, png(), "image/png")})
        ids.append(r.json()["attachment"]["id"])
    r = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "kind": "image", "attachment_id": ids[0]})
    assert r.status_code == 200
    old = (utc_now() - timedelta(hours=3)).isoformat(" ")
    db = appliance.database()
    db.execute("UPDATE attachment SET created_at = ? WHERE id IN (?, ?)", (old, ids[0], ids[1]))
    db.close()
    loop = next(item for item in background_loops(appliance.runtime)
                if item.name == "abandoned uploads")
    future = asyncio.run_coroutine_threadsafe(loop.run(), appliance.server.loop)
    assert future.result(10) == 1
    assert len(stored_files(appliance)) == 2
    r = widget.http.get(f"/api/attachments/{ids[1]}", headers=widget.headers)
    assert r.status_code == 404
    for kept in (ids[0], ids[2]):
        assert widget.http.get(f"/api/attachments/{kept}", headers=widget.headers
                               ).status_code == 200
    r = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "kind": "image", "attachment_id": ids[1]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "attachment_id"


@pytest.fixture
def mail_limits(start_appliance):
    appliance = start_appliance(visitor_left_messages_per_hour=2,
                                address_left_messages_per_hour=3,
                                visitor_transcripts_per_hour=1)
    site = _site(appliance)
    site["owner"].patch(f"/api/sites/{site['id']}", json={"notify_email": "shop@example.com"})
    return appliance, site


def _outbox_count(appliance: Appliance) -> int:
    db = appliance.database()
    try:
        return db.execute("SELECT count(*) FROM outbox").fetchall()[0][0]
    finally:
        db.close()


def test_left_messages_are_throttled_per_visitor_and_address(mail_limits) -> None:
    appliance, site = mail_limits
    one, two = Widget(appliance, site["widget_key"]), Widget(appliance, site["widget_key"])

    def leave(widget: Widget) -> int:
        return widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
            "name": "李", "contact": {"phone": "13800000000"}, "message": "请回电"}).status_code

    assert [leave(one) for _ in range(3)] == [201, 201, 429]
    assert [leave(two) for _ in range(2)] == [201, 429]  # the address has had its 3
    assert _outbox_count(appliance) == 3  # one mail to the site per left message


def test_transcripts_go_to_the_visitors_own_address_a_few_times(mail_limits) -> None:
    appliance, site = mail_limits
    r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN}, json={
        "site_key": site["widget_key"], "identify": {"email": "li@example.com"}})
    widget = Widget(appliance, site["widget_key"], token=r.json()["visitor_token"])
    conv = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "body": "hi"}).json()["conversation_id"]

    def transcript(**body) -> object:
        return widget.http.post("/api/widget/transcript", headers=widget.headers,
                                json={"conversation_id": conv, **body})

    for stranger in ("victim@example.org", "li@example.com,victim@example.org",
                     "Li <li@example.com>"):
        assert transcript(email=stranger).status_code in (400, 403)
    r = transcript()  # no address named: the visitor's own
    assert r.status_code == 202 and r.json()["email"] == "li@example.com"
    _limited(transcript(email="li@example.com"))
    assert _outbox_count(appliance) == 1


def test_typing_and_read_signals_are_throttled_per_visitor(start_appliance) -> None:
    appliance = start_appliance(visitor_signals_per_minute=4)
    site = _site(appliance)
    widget = Widget(appliance, site["widget_key"])
    conv = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "body": "hi"}).json()["conversation_id"]
    answers = [widget.http.post("/api/widget/typing", headers=widget.headers,
                                json={"conversation_id": conv, "typing": True})
               for _ in range(3)]
    answers.append(widget.http.post("/api/widget/read", headers=widget.headers,
                                    json={"conversation_id": conv, "seq": 1}))
    assert [r.status_code for r in answers] == [200] * 4
    _limited(widget.http.post("/api/widget/read", headers=widget.headers,
                              json={"conversation_id": conv, "seq": 1}))

    async def scenario() -> dict:
        ws = await widget.connect()
        await ws.send(json.dumps({"type": "typing", "conversation_id": conv, "typing": True}))
        refused = await next_of(ws, "error")
        await ws.send(json.dumps({"type": "ping"}))
        assert (await next_of(ws, "pong"))["type"] == "pong"  # the socket stays open
        await ws.close()
        return refused

    refused = asyncio.run(scenario())
    assert refused["request"] == "typing" and refused["error"]["code"] == "rate_limited"
    assert refused["error"]["retry_after"] >= 1


def test_polls_availability_close_and_rating_are_counted(start_appliance) -> None:
    appliance = start_appliance(visitor_polls_per_minute=3, visitor_signals_per_minute=2)
    _, answer = appliance.setup()
    widget = Widget(appliance, answer["site"]["widget_key"])
    for _ in range(2):
        r = widget.http.post("/api/widget/availability", headers=widget.headers, json={})
        assert r.status_code == 200, r.text
    r = widget.http.post("/api/widget/poll", headers=widget.headers,
                         json={"cursors": {}, "timeout": 0})
    assert r.status_code == 200, r.text
    refused = widget.http.post("/api/widget/poll", headers=widget.headers,
                               json={"cursors": {}, "timeout": 0})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
    sent = widget.http.post("/api/widget/send", headers=widget.headers,
                            json={"client_id": "poll-limit-0001", "body": "hi"})
    conversation_id = sent.json()["conversation_id"]
    typing = widget.http.post("/api/widget/typing", headers=widget.headers,
                              json={"conversation_id": conversation_id, "typing": True})
    assert typing.status_code == 200, typing.text
    closed = widget.http.post("/api/widget/close", headers=widget.headers,
                              json={"conversation_id": conversation_id})
    assert closed.status_code == 200, closed.text  # the second signal of the minute
    rated = widget.http.post("/api/widget/rating", headers=widget.headers,
                             json={"conversation_id": conversation_id, "rating": 5})
    assert rated.status_code == 429 and rated.json()["error"]["code"] == "rate_limited"
