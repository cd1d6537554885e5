"""The widget's session: CORS, the page a visitor is on, who they say they are, their device."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Appliance
from test_conversations import SITE_ORIGIN, Widget, cid, next_of

IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


@pytest.fixture
def site(owner) -> dict:
    return owner[1]["site"]


def start(appliance: Appliance, site: dict, headers: dict | None = None, **body: Any) -> Any:
    return appliance.client().post("/api/widget/session", json={"site_key": site["widget_key"],
                                                                **body},
                                   headers={"Origin": SITE_ORIGIN, **(headers or {})})


def visitor_seen_by_agents(appliance: Appliance, owner_client: Any, token: str) -> dict:
    """The visitor sidebar of the agent console (a conversation needs a first message)."""
    r = appliance.client().post("/api/widget/send", json={"client_id": cid(), "body": "你好"},
                                headers={"Authorization": f"Bearer {token}",
                                         "Origin": SITE_ORIGIN})
    assert r.status_code == 200, r.text
    detail = owner_client.get(f"/api/conversations/{r.json()['conversation_id']}")
    assert detail.status_code == 200
    return detail.json()["visitor"]


def test_cors_preflight_and_answers_name_the_calling_origin(appliance, site) -> None:
    client = appliance.client()
    widget_calls = ("session", "send", "poll", "read", "typing", "upload")
    for path in [f"/api/widget/{call}" for call in widget_calls] + ["/api/attachments/1"]:
        r = client.options(path, headers={"Origin": SITE_ORIGIN,
                                          "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "content-type"})
        assert r.status_code == 204, (path, r.text)
        assert r.headers["access-control-allow-origin"] == SITE_ORIGIN
        assert "POST" in r.headers["access-control-allow-methods"]
        allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
        assert {"content-type", "authorization"} <= allowed
        assert "Origin" in r.headers["vary"]
        # No cookies are involved, so credentials are never allowed.
        assert "access-control-allow-credentials" not in r.headers

    r = start(appliance, site)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SITE_ORIGIN
    assert r.headers["cache-control"] == "no-store"
    # Refusals are readable by the page too, and still refusals.
    r = start(appliance, site, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert r.headers["access-control-allow-origin"] == "https://evil.example"
    r = client.post("/api/widget/session", json={"site_key": "nope"},
                    headers={"Origin": SITE_ORIGIN})
    assert r.status_code == 404 and r.headers["access-control-allow-origin"] == SITE_ORIGIN
    # Not for the rest of the API.
    r = client.options("/api/conversations", headers={"Origin": SITE_ORIGIN,
                                                      "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in r.headers


def test_page_fields_are_stored_cut_and_cleaned(appliance, owner, site) -> None:
    page = {"url": "https://www.example.com/pricing?utm=" + "x" * 1500,
            "title": "价格\x00\x07\u202e表" + "长" * 1000,
            "referrer": "https://www.baidu.com/s?wd=洗牙\r\n"}
    r = start(appliance, site, page=page, headers={"User-Agent": "kefu-test/1.0"})
    assert r.status_code == 200, r.text
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert visitor["page_title"] == ("价格表" + "长" * 1000)[:297]
    assert len(visitor["page_title"]) == 297  # cut to 300, then 3 controls removed
    assert visitor["page_url"] == page["url"][:1000]
    assert visitor["referrer"] == "https://www.baidu.com/s?wd=洗牙"
    assert visitor["user_agent"] == "kefu-test/1.0"

    # The same browser on another page: the page fields follow it.
    token = r.json()["visitor_token"]
    r = start(appliance, site, visitor_token=token,
              page={"url": "https://www.example.com/contact", "title": "联系我们"})
    assert r.json()["visitor_token"] == token
    detail = owner[0].get("/api/conversations?view=waiting").json()["conversations"][0]
    visitor = owner[0].get(f"/api/conversations/{detail['id']}").json()["visitor"]
    assert (visitor["page_url"], visitor["page_title"]) == ("https://www.example.com/contact",
                                                            "联系我们")


# Addresses that are not an http(s) page of the site's allowed origins (https://www.example.com),
# as written and as browsers would read them: never recorded as the visitor's page.
NOT_THE_SITES_PAGES = [
    "https://evil.example/login?next=kefu",
    "javascript:alert(document.cookie)",
    " javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://www.example.com/x",
    "http://www.example.com/",  # another scheme is another origin
    "https://www.example.com:8443/",
    "//evil.example/",
    "/relative/path",
    "https://www.example.com@evil.example/",
    "https://www.example.com.evil.example/",
    "https://evil.example\\@www.example.com/",  # browsers read the backslash as a slash
    "https://evil.example\\.www.example.com/",
    "https://www.example.com%2f@evil.example/",
    "https://[::1/",
    "",
]


def test_a_session_records_only_pages_of_the_sites_origins(appliance, owner, site) -> None:
    """The session's page is held to the rule of presence `page` frames; a page that fails it
    is not recorded (nor its title and referrer), and the session still starts."""
    for url in NOT_THE_SITES_PAGES:
        r = start(appliance, site, page={"url": url, "title": "Site pricing",
                                         "referrer": "https://www.baidu.com/"})
        assert r.status_code == 200, (url, r.text)
        assert r.json()["visitor_token"], url
        visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
        assert (visitor["page_url"], visitor["page_title"], visitor["referrer"]) == (
            "", "", ""), url
    # A returning visitor reporting such a page keeps the page they were last seen on.
    r = start(appliance, site, page={"url": f"{SITE_ORIGIN}/pricing", "title": "价格"})
    token = r.json()["visitor_token"]
    for url in NOT_THE_SITES_PAGES:
        r = start(appliance, site, visitor_token=token, page={"url": url, "title": "x"})
        assert r.status_code == 200 and r.json()["visitor_token"] == token, url
    visitor = visitor_seen_by_agents(appliance, owner[0], token)
    assert (visitor["page_url"], visitor["page_title"]) == (f"{SITE_ORIGIN}/pricing", "价格")


def test_user_names_and_passwords_are_taken_out_of_addresses(appliance, owner, site) -> None:
    r = start(appliance, site, page={
        "url": "https://admin:s3cret@www.example.com/orders?id=1#top", "title": "订单",
        "referrer": "https://bob:hunter2@www.baidu.com/s?wd=洗牙"})
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert visitor["page_url"] == "https://www.example.com/orders?id=1#top"
    assert visitor["referrer"] == "https://www.baidu.com/s?wd=洗牙"
    r = start(appliance, site, page={"url": "HTTPS://only-user@WWW.EXAMPLE.COM:443/a",
                                     "referrer": "javascript:alert(1)"})
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    # Referrers are other sites by nature: kept as text (the console links only http(s)).
    assert (visitor["page_url"], visitor["referrer"]) == ("https://WWW.EXAMPLE.COM:443/a",
                                                          "javascript:alert(1)")


BAD_SESSIONS = [
    ({"colour": "red"}, "colour"),
    # A nested object's unknown key and wrong type are named with their path.
    ({"page": {"url": "https://www.example.com/", "colour": "red"}}, "page.colour"),
    ({"identify": {"name": "张三", "age": 30}}, "identify.age"),
    ({"page": "https://www.example.com/"}, "page"),
    ({"page": ["https://www.example.com/"]}, "page"),
    ({"identify": "张三"}, "identify"),
    ({"identify": None, "page": 1}, "page"),
    ({"page": {"title": 42}}, "page.title"),
    ({"page": {"url": 42}}, "page.url"),
    ({"page": {"url": "https://www.example.com/", "referrer": ["x"]}}, "page.referrer"),
    # What a page says the visitor is: hidden or direction-faking characters are refused.
    ({"identify": {"name": "\u202eevil"}}, "identify.name"),
    ({"identify": {"name": "a\u2028b"}}, "identify.name"),
    ({"identify": {"attributes": {"plan": "gold\u202e"}}}, "identify.attributes"),
    ({"identify": {"attributes": {"pl\u2066an": "gold"}}}, "identify.attributes"),
    ({"identify": {"attributes": {"note": "a\x00b"}}}, "identify.attributes"),
    ({"identify": {"attributes": {"note": "a\rb"}}}, "identify.attributes"),
    ({"identify": {"attributes": {"nested": {"a": 1}}}}, "identify.attributes"),
    ({"identify": {"attributes": {f"k{i}": i for i in range(31)}}}, "identify.attributes"),
    ({"identify": {"name": "x" * 81}}, "identify.name"),
    ({"identify": {"email": "a\nb@example.com"}}, "identify.email"),
    # A phone the customer record would not take (it made no customer, silently).
    ({"identify": {"name": "张三", "phone": "12345"}}, "identify.phone"),
    ({"identify": {"phone": "138 0000 1234 5678"}}, "identify.phone"),
]


def test_unknown_or_bad_fields_are_refused(appliance, site) -> None:
    for body, field in BAD_SESSIONS:
        r = start(appliance, site, **body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.text)


def test_identify_tells_agents_who_the_visitor_is(appliance, owner, site) -> None:
    identify = {"name": "张三", "email": "zhang@example.com", "phone": "+86 138 0000 0000",
                "attributes": {"plan": "gold", "orders": 12, "vip": True}}
    r = start(appliance, site, identify=identify)
    assert r.status_code == 200, r.text
    assert r.json()["visitor"]["name"] == "张三"
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert (visitor["name"], visitor["email"], visitor["phone"]) == (
        "张三", "zhang@example.com", "+86 138 0000 0000")
    assert visitor["attributes"] == {"plan": "gold", "orders": 12, "vip": True}
    listed = owner[0].get("/api/conversations?view=waiting").json()["conversations"]
    assert listed[0]["visitor"]["name"] == "张三"
    # Text real people write is kept as sent: joiners, direction marks, line breaks in values.
    identify = {"name": "می\u200cخواهم 👨\u200d👩\u200d👧", "phone": "\u200f+972 50 000 0000",
                "attributes": {"address": "北京市\r\n朝阳区\t1号", "note": "a\nb \u200e"}}
    r = start(appliance, site, identify=identify)
    assert r.status_code == 200, r.text
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert (visitor["name"], visitor["phone"]) == (identify["name"], identify["phone"])
    assert visitor["attributes"] == identify["attributes"]


def test_a_user_id_needs_the_sites_signature(appliance, owner, site) -> None:
    owner_client, _ = owner
    first = start(appliance, site, identify={"name": "张三"}).json()
    token = first["visitor_token"]
    # No secret yet, no signature, or a made-up one: refused, and nothing changes.
    for identify in ({"name": "李四", "user_id": "u-1001"},
                     {"name": "李四", "user_id": "u-1001", "signature": "0" * 64},
                     {"name": "李四", "user_id": "u-1001",
                      "signature": hmac.new(b"", b"u-1001", hashlib.sha256).hexdigest()}):
        r = start(appliance, site, visitor_token=token, identify=identify)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["field"] == "identify.signature"
    r = owner_client.post(f"/api/sites/{site['id']}/identity-secret", json={})
    assert r.status_code == 200, r.text
    secret = r.json()["identity_secret"]

    def sign(user_id: str, key: str = secret) -> str:
        return hmac.new(key.encode(), user_id.encode(), hashlib.sha256).hexdigest()

    r = start(appliance, site, visitor_token=token,
              identify={"name": "李四", "user_id": "u-1001", "signature": sign("u-1002")})
    assert r.status_code == 403
    visitor = visitor_seen_by_agents(appliance, owner_client, token)
    assert visitor["name"] == "张三" and "user_id" not in visitor["attributes"]

    r = start(appliance, site, visitor_token=token,
              identify={"name": "李四", "user_id": "u-1001", "signature": sign("u-1001"),
                        "attributes": {"plan": "gold"}})
    assert r.status_code == 200, r.text
    assert r.json()["visitor_token"] == token
    visitor = visitor_seen_by_agents(appliance, owner_client, token)
    assert visitor["name"] == "李四"
    assert visitor["attributes"] == {"plan": "gold", "user_id": "u-1001"}
    # A new secret makes old signatures worthless.
    assert owner_client.post(f"/api/sites/{site['id']}/identity-secret",
                             json={}).status_code == 200
    r = start(appliance, site, visitor_token=token,
              identify={"user_id": "u-1001", "signature": sign("u-1001")})
    assert r.status_code == 403


def test_a_foreign_or_unknown_token_gets_a_fresh_visitor(appliance, owner, site) -> None:
    owner_client, _ = owner
    site_b = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                               ).json()["site"]
    first = start(appliance, site).json()
    for token in ("made-up-token", "x" * 500, first["visitor_token"]):
        r = appliance.client().post("/api/widget/session", headers={"Origin": "https://b.example"},
                                    json={"site_key": site_b["widget_key"],
                                          "visitor_token": token})
        assert r.status_code == 200, r.text
        assert r.json()["visitor_token"] != token
        assert r.json()["visitor"]["id"] != first["visitor"]["id"]
    again = start(appliance, site, visitor_token=first["visitor_token"]).json()
    assert again["visitor"] == first["visitor"]


def _strings(value: Any) -> Iterator[tuple[str, str]]:
    """Every (key, string) pair in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield key, item
            else:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_the_visitor_token_never_appears_in_what_the_server_hands_out(appliance, owner,
                                                                      site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    token = widget.token
    assert len(token) >= 43  # 256 bits
    upload = widget.http.post("/api/widget/upload", headers=widget.headers,
                              files={"file": ("a.txt", b"hello", "text/plain")}).json()

    async def scenario() -> list[dict]:
        async with await widget.connect() as ws:
            await ws.send(json.dumps({"type": "send", "client_id": cid(), "kind": "file",
                                      "attachment_id": upload["attachment"]["id"]}))
            frames = [await next_of(ws, "message"), await next_of(ws, "ack")]
            await ws.send(json.dumps({"type": "sync", "conversation_id":
                                      frames[1]["conversation_id"], "after_seq": 0}))
            frames.append(await next_of(ws, "synced"))
            return frames

    frames = asyncio.run(scenario())
    conv = frames[1]["conversation_id"]
    again = widget.http.post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                             json={"site_key": site["widget_key"], "visitor_token": token})
    handed_out = [widget.session, again.json(), upload, *frames,
                  owner_client.get(f"/api/conversations/{conv}").json(),
                  owner_client.get(f"/api/conversations/{conv}/messages").json(),
                  owner_client.get("/api/sites").json()]
    for answer in handed_out:
        for key, text in _strings(answer):
            if key != "visitor_token":
                assert token not in text, (key, text)
    served = widget.http.get(upload["attachment"]["url"], headers=widget.headers)
    assert token not in served.headers.get("content-disposition", "")
    assert token not in str(served.url)


def test_device_comes_from_the_user_agent(appliance, owner, site) -> None:
    r = start(appliance, site, headers={"User-Agent": IPHONE_SAFARI})
    assert r.status_code == 200
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert visitor["user_agent"] == IPHONE_SAFARI
    assert visitor["device"]["os"].startswith("iOS")
    assert visitor["device"]["browser"].startswith("Mobile Safari")
    assert visitor["device"]["device"] == "iPhone"
    # A missing or absurd User-Agent is no trouble.
    r = start(appliance, site, headers={"User-Agent": "x" * 5000})
    assert r.status_code == 200
    visitor = visitor_seen_by_agents(appliance, owner[0], r.json()["visitor_token"])
    assert visitor["user_agent"] == "x" * 500
    assert set(visitor["device"]) == {"browser", "os", "device"}


def test_closed_by_business_hours_the_session_names_the_hours_and_the_next_opening(
        appliance, owner, site) -> None:
    from datetime import UTC, datetime, timedelta
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    name = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    hours = {"timezone": "Asia/Shanghai", "week": {name: [["09:30", "18:00"]]}}
    r = owner[0].patch(f"/api/sites/{site['id']}", json={"business_hours": hours})
    assert r.status_code == 200, r.text
    availability = start(appliance, site).json()["availability"]
    assert availability["mode"] == "leave_message" and availability["open"] is False
    # 09:30 in Shanghai (UTC+8, no daylight saving) is 01:30 UTC on the same day.
    assert availability["opens_at"] == f"{day.isoformat()}T01:30:00Z"
    week = {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    week[name] = [["09:30", "18:00"]]
    assert availability["hours"] == {"timezone": "Asia/Shanghai", "week": week}

    r = owner[0].patch(f"/api/sites/{site['id']}", json={"business_hours": None})
    assert r.status_code == 200, r.text
    availability = start(appliance, site).json()["availability"]
    assert availability["opens_at"] is None and availability["hours"] is None
