"""Input that never surprises: strict JSON, numbers that fit, one e-mail address per field, and
a foreign conversation that answers exactly like a missing one, on every transport."""

from __future__ import annotations

import asyncio
import json

import orjson
import pytest
import websockets
from conftest import AGENT_PASSWORD_FOR_TESTS, Appliance
from test_conversations import SITE_ORIGIN, Widget, agent_socket, cid, next_of

from appliance.domain.errors import BadJson, Invalid
from appliance.domain.validation import clean_email
from appliance.wire import json_in

JSON = {"Content-Type": "application/json"}
NOT_STRICT = [
    b'{"name": NaN}', b'{"name": Infinity}', b'{"name": -Infinity}', b'{"name": 1e999}',
    b'{"name": -1e400}', b'{"name": "\\ud800"}', b'{"name": "x\\udfffy"}',
    b'{"\\udc00": 1}', b"[" * 33 + b"]" * 33, b'{"a":' * 40 + b"1" + b"}" * 40,
    b"[" * 200_000, b'{"name": ' + b"1" * 5000 + b"}",
]


@pytest.mark.parametrize("text", [t.decode() for t in NOT_STRICT])
def test_only_strict_json_is_parsed(text: str) -> None:
    with pytest.raises(BadJson):
        json_in.loads(text)
    with pytest.raises(BadJson):  # as sockets parse frames: orjson first
        json_in.loads(text, orjson.loads)


def test_strict_json_keeps_what_is_standard() -> None:
    assert json_in.loads("[" * 32 + "]" * 32) is not None
    assert json_in.loads('{"a": "\\ud83d\\ude00", "b": 1.5e300, "c": -0}') == {
        "a": "😀", "b": 1.5e300, "c": 0}


@pytest.mark.parametrize("text", [
    '{"id": 18446744073709551616}', '{"id": -9223372036854775809}', '[123456789012345678901]',
    '{"a": [1, 2.5, "x", null, true, false, {"b": "中文"}]}', '  {"a": "\\u00e9\\n"}  ',
    '{"a": 1, "a": 2}', '"just a string"', '[9223372036854775807, -9223372036854775808]'])
def test_the_fast_parser_answers_as_the_standard_library(text: str) -> None:
    """Frames are parsed by orjson, the rest by the standard library: the same values, also
    for integers beyond 64 bits (orjson would make floats of them) and repeated keys."""
    value = json_in.loads(text, orjson.loads)
    assert value == json.loads(text) == json_in.loads(text)
    assert type(value) is type(json.loads(text))
    assert json.dumps(value) == json.dumps(json.loads(text))  # ints stay ints


def test_frames_out_encode_as_the_standard_library() -> None:
    from appliance.realtime.connection import encode, message_frame_bytes, text_frame

    for message in ({"type": "x", "body": "中文 \u2028 \"q\"", "n": None, "f": 1.5},
                    {"big": 2**70, "neg": -(2**65)}, {"counts": {1: 2, 30: 4}}):
        expected = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        assert json.loads(encode(message)) == json.loads(expected)
        assert message_frame_bytes(message) == text_frame(encode(message))


def test_non_standard_json_is_refused_over_http_and_nothing_is_stored(owner) -> None:
    client, _ = owner
    for body in NOT_STRICT:
        r = client.post("/api/companies", content=body, headers=JSON)
        assert r.status_code in (400, 413), (body[:40], r.text)
        assert r.json()["error"]["code"] in ("bad_json", "too_large")
    assert [c["name"] for c in client.get("/api/companies").json()["companies"]] == ["悦齿口腔"]


def test_every_list_limit_is_1_to_its_maximum(appliance, owner) -> None:
    """`limit=0` is refused like any number out of range, on every list; it is never read
    as "no limit" (it used to return a full default page of customers and leads)."""
    client, setup = owner
    company = setup["company"]["id"]
    widget = Widget(appliance, setup["site"]["widget_key"])
    conversation = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "body": "hi"}).json()["conversation_id"]
    for name in ("甲客户", "乙客户"):
        assert client.post(f"/api/companies/{company}/customers",
                           json={"name": name}).status_code == 201
    r = client.put(f"/api/conversations/{conversation}/lead",
                   json={"name": "甲客户", "phone": "13800000001", "need": "x"})
    assert r.status_code == 200, r.text
    lists = {"/api/conversations?view=waiting": ("conversations", 200),
             f"/api/conversations/{conversation}/messages": ("messages", 1000),
             "/api/search?q=hi": ("results", 200),
             f"/api/companies/{company}/customers": ("customers", 200),
             f"/api/companies/{company}/leads": ("leads", 200),
             f"/api/companies/{company}/kb/entries": ("entries", 200)}
    for path, (key, maximum) in lists.items():
        joiner = "&" if "?" in path else "?"
        for limit in (0, maximum + 1):
            r = client.get(f"{path}{joiner}limit={limit}")
            assert r.status_code == 400, (path, limit, r.text)
            assert r.json()["error"]["field"] == "limit", (path, r.text)
            assert f"from 1 to {maximum}" in r.json()["error"]["message"], (path, r.text)
        r = client.get(f"{path}{joiner}limit=1")
        assert r.status_code == 200 and len(r.json()[key]) <= 1, (path, r.text)
    for key, path in (("customers", f"/api/companies/{company}/customers"),
                      ("leads", f"/api/companies/{company}/leads")):
        assert len(client.get(path, params={"limit": 1}).json()[key]) == 1, key
    portal = client.post("/api/users", json={
        "login": "client-limit", "display_name": "客户方", "role": "client",
        "password": AGENT_PASSWORD_FOR_TESTS, "company_id": company})
    assert portal.status_code == 201, portal.text
    reader = appliance.login("client-limit", AGENT_PASSWORD_FOR_TESTS)
    for path in ("/api/portal/conversations", "/api/portal/leads"):
        assert reader.get(f"{path}?limit=0").status_code == 400, path
        assert len(reader.get(f"{path}?limit=1").json()[path.rsplit("/", 1)[1]]) == 1, path


def test_numbers_that_do_not_fit_are_not_found_or_invalid(appliance, owner) -> None:
    client, setup = owner
    site_id = setup["site"]["id"]
    for segment in ("99999999999999999999", "9223372036854775808", "-1", "١", "²", "1.0",
                    "0x1", "+1", " 1"):
        r = client.get(f"/api/sites/{segment}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", segment
        r = client.post(f"/api/conversations/{segment}/claim", json={})
        assert r.status_code == 404, segment
    assert client.get(f"/api/sites/{site_id}").status_code == 200
    for query in ("site_id=²", "site_id=١٢", "site_id=99999999999999999999999", "limit=-1",
                  "limit=1e3"):
        r = client.get(f"/api/conversations?{query}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid", query
    widget = Widget(appliance, setup["site"]["widget_key"])
    conv = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "body": "hi"}).json()["conversation_id"]
    for query in ("after_seq=٣", "after_seq=99999999999999999999999", "limit=²"):
        r = client.get(f"/api/conversations/{conv}/messages?{query}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid", query
    for site in ("²", "99999999999999999999", ""):
        assert client.get(f"/api/agents/status?site_id={site}").status_code == 400
    for value in (2**63, 2**64 + 1, -(2**70), 10**30):
        r = client.patch(f"/api/sites/{site_id}", json={"fallback_team_id": value})
        assert r.status_code in (400, 404), (value, r.text)


def test_long_poll_cursors_take_ascii_ids_only(appliance, owner) -> None:
    widget = Widget(appliance, owner[1]["site"]["widget_key"])
    for cursors in ({"²": 0}, {"١": 0}, {"99999999999999999999": 0}, {"1": 2**70}, {"1": 1.5},
                    {"-1": 0}):
        r = widget.http.post("/api/widget/poll", headers=widget.headers,
                             json={"cursors": cursors, "timeout": 0})
        assert r.status_code in (400, 404), (cursors, r.text)


# -- e-mail: exactly one address ---------------------------------------------------------------

NOT_ONE_ADDRESS = [
    "a@example.com,b@example.com", "a@example.com;b@example.com", "a@example.com b@example.com",
    "<a@example.com>", "Alice <a@example.com>", '"Alice" a@example.com', "a@@example.com",
    "a@b@example.com", "a b@example.com", "a@exam ple.com", "a\r\n@example.com",
    "a@example.com\r\nBcc: x@example.org", "a\t@example.com", "a\x00@example.com",
    "@example.com", "a@", "a", "a@example", "a@.example.com", "a@example..com",
    "a..b@example.com", ".a@example.com", "a.@example.com", "a@-example.com",
    "a@example-.com", "x" * 65 + "@example.com", "a@" + "b" * 250 + ".com",
    "a@example.com.", "a@[127.0.0.1]", "a@1.2.3.4", "用户@例子.中国", "a@example.c",
    "a(comment)@example.com", "a@example.com>", "a\\@example.com",
]


@pytest.mark.parametrize("bad", NOT_ONE_ADDRESS)
def test_an_email_field_holds_exactly_one_valid_address(bad: str) -> None:
    with pytest.raises(Invalid):
        clean_email(bad)


def test_good_addresses_pass_lower_cased() -> None:
    for good in ("li@example.com", "Li.Na+kefu@Mail.Example.CN", "a_b-c@x-y.example.com",
                 "o'brien@example.ie", "a@example.xn--fiqs8s"):
        assert clean_email(good) == good.lower()


def test_every_email_field_refuses_a_list_of_recipients(appliance, owner) -> None:
    client, setup = owner
    site = setup["site"]
    listed = "li@example.com, boss@evil.example"
    r = client.patch(f"/api/sites/{site['id']}", json={"notify_email": listed})
    assert r.status_code == 400 and r.json()["error"]["field"] == "notify_email"
    r = client.post("/api/settings/smtp/test", json={"to": listed})
    assert r.status_code == 400 and r.json()["error"]["field"] == "to"
    r = client.put("/api/settings/smtp", json={"host": "127.0.0.1", "port": 25,
                                                "security": "none", "username": "",
                                                "from_address": listed})
    assert r.status_code == 400 and r.json()["error"]["field"] == "from_address"
    r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN}, json={
        "site_key": site["widget_key"], "identify": {"email": listed}})
    assert r.status_code == 400 and r.json()["error"]["field"] == "identify.email"
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
        "name": "李", "contact": {"email": listed}, "message": "hi"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "contact.email"
    r = client.post("/api/users", json={"login": "a@example.com,b@example.com",
                                        "display_name": "x", "role": "agent",
                                        "password": AGENT_PASSWORD_FOR_TESTS})
    assert r.status_code == 400 and r.json()["error"]["field"] == "login"


# -- nested objects -----------------------------------------------------------------------------

def test_a_nested_object_of_the_wrong_type_or_with_an_unknown_key_is_named(appliance,
                                                                           owner) -> None:
    """Every object inside a body is named by its path when it is not an object, and its
    unknown keys by theirs (`page`, `page.colour`), so a client knows what to fix."""
    client, setup = owner
    site = setup["site"]
    widget = Widget(appliance, site["widget_key"])
    rules = f"/api/sites/{site['id']}/invitation-rules"
    rule = {"name": "r", "message": "m"}
    calls = [
        (lambda body: appliance.client().post(
            "/api/widget/session", headers={"Origin": SITE_ORIGIN},
            json={"site_key": site["widget_key"], **body}), ("page", "identify")),
        (lambda body: widget.http.post("/api/widget/leave-message", headers=widget.headers,
                                       json={"name": "李", "message": "hi", **body}),
         ("contact",)),
        (lambda body: client.post(rules, json={**rule, **body}), ("conditions",)),
        (lambda body: client.patch(f"/api/companies/{setup['company']['id']}",
                                   json=body), ("settings",)),
    ]
    for call, names in calls:
        for name in names:
            for wrong in ("x", [], 3, True):
                r = call({name: wrong})
                assert r.status_code == 400, (name, wrong, r.text)
                assert r.json()["error"]["field"] == name, (name, wrong, r.text)
            r = call({name: {"surprise": 1}})
            assert r.status_code == 400, (name, r.text)
            assert r.json()["error"]["field"] == f"{name}.surprise", (name, r.text)


# -- tokens of the wrong type ------------------------------------------------------------------

def test_tokens_of_the_wrong_json_type(appliance, owner) -> None:
    site = owner[1]["site"]
    for token in (123, ["x"], {"a": 1}, True, 1.5):
        r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                                    json={"site_key": site["widget_key"], "visitor_token": token})
        assert r.status_code == 400 and r.json()["error"]["field"] == "visitor_token"
        r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN},
                                    json={"site_key": token})
        assert r.status_code == 400 and r.json()["error"]["field"] == "site_key"

    async def closed_with(frame: str) -> int:
        ws = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                      origin=SITE_ORIGIN)
        await ws.send(frame)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        return closed.value.rcvd.code

    async def scenario() -> None:
        for token in (123, ["x"], {"a": 1}, True, None):
            frame = {"type": "auth", "site_key": site["widget_key"], "visitor_token": token}
            assert await closed_with(json.dumps(frame)) == (4001 if token is None else 4400)
            frame = {"type": "auth", "site_key": token, "visitor_token": "x" * 40}
            assert await closed_with(json.dumps(frame)) == (4001 if token is None else 4400)
        assert await closed_with('{"type": "auth", "visitor_token": NaN}') == 4400
        assert await closed_with("[" * 60_000) == 4400
        deep = '{"type": "auth", "x": ' + "[" * 50 + "]" * 50 + "}"
        assert await closed_with(deep) == 4400

    asyncio.run(scenario())
    assert appliance.client().get("/healthz").status_code == 200


def test_non_standard_frames_close_only_that_socket(appliance, owner) -> None:
    owner_client, setup = owner
    widget = Widget(appliance, setup["site"]["widget_key"])

    async def scenario() -> None:
        bystander = await agent_socket(appliance, owner_client)
        for frame in ('{"type": "ping", "x": NaN}', '{"type": "typing", "draft": "\\ud800"}',
                      '{"type": "sync", "conversation_id": 1, "after_seq": 1e999}',
                      '{"type": "ping", "x": ' + "[" * 40 + "]" * 40 + "}", "[" * 60_000):
            for ws in (await widget.connect(), await agent_socket(appliance, owner_client)):
                await ws.send(frame)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await next_of(ws, "never", timeout=5)
                assert closed.value.rcvd.code == 4400, frame[:40]
        await bystander.send(json.dumps({"type": "ping"}))
        assert (await next_of(bystander, "pong"))["type"] == "pong"
        await bystander.close()

    asyncio.run(scenario())


# -- a foreign conversation answers like a missing one -------------------------------------

def _site_agent(appliance: Appliance, owner_client, login: str, site_id: int):
    r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                              "role": "agent", "site_ids": [site_id],
                                              "password": AGENT_PASSWORD_FOR_TESTS})
    assert r.status_code == 201, r.text
    return appliance.login(login, AGENT_PASSWORD_FOR_TESTS)


def test_foreign_and_missing_conversations_answer_the_same_everywhere(appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    other = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                              ).json()["site"]
    outsider = _site_agent(appliance, owner_client, "outsider", other["id"])
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    conv = alice.http.post("/api/widget/send", headers=alice.headers,
                           json={"client_id": cid(), "body": "alice"}).json()["conversation_id"]
    missing = conv + 1000

    def same(foreign, absent) -> dict:
        assert foreign.status_code == absent.status_code == 404, (foreign.text, absent.text)
        assert foreign.json() == absent.json()
        return foreign.json()

    for method, path, body in (
            ("GET", "/api/conversations/{}", None), ("GET", "/api/conversations/{}/messages", None),
            ("POST", "/api/conversations/{}/messages", {"client_id": cid(), "body": "x"}),
            ("POST", "/api/conversations/{}/claim", {}),
            ("POST", "/api/conversations/{}/close", {}),
            ("POST", "/api/conversations/{}/reopen", {}),
            ("POST", "/api/conversations/{}/read", {"seq": 1}),
            ("POST", "/api/conversations/{}/transfer", {"agent_id": 1}),
            ("GET", "/api/conversations/{}/transfer-targets", None)):
        same(outsider.request(method, path.format(conv), json=body),
             outsider.request(method, path.format(missing), json=body))
    for path, body in (("send", lambda c: {"client_id": cid(), "body": "x", "conversation_id": c}),
                       ("read", lambda c: {"conversation_id": c, "seq": 1}),
                       ("typing", lambda c: {"conversation_id": c, "typing": True}),
                       ("poll", lambda c: {"cursors": {str(c): 0}, "timeout": 0}),
                       ("close", lambda c: {"conversation_id": c}),
                       ("rating", lambda c: {"conversation_id": c, "rating": 5}),
                       ("transcript", lambda c: {"conversation_id": c, "email": "b@example.com"})):
        answer = same(bob.http.post(f"/api/widget/{path}", headers=bob.headers, json=body(conv)),
                      bob.http.post(f"/api/widget/{path}", headers=bob.headers,
                                    json=body(missing)))
        assert answer["error"]["code"] == "not_found"

    async def frames(ws, frame: dict) -> dict:
        await ws.send(json.dumps(frame))
        return await next_of(ws, "error" if frame["type"] != "send" else "nack")

    async def scenario() -> None:
        for ws in (await bob.connect(), await agent_socket(appliance, outsider)):
            for kind, extra in (("sync", {"after_seq": 0}), ("read", {"seq": 1}),
                                ("typing", {"typing": True}),
                                ("send", {"client_id": cid(), "body": "x"})):
                if kind == "send":
                    extra = {**extra, "client_id": cid()}
                foreign = await frames(ws, {"type": kind, "conversation_id": conv, **extra})
                if kind == "send":
                    extra = {**extra, "client_id": cid()}
                absent = await frames(ws, {"type": kind, "conversation_id": missing, **extra})
                foreign.pop("conversation_id", None), absent.pop("conversation_id", None)
                foreign.pop("client_id", None), absent.pop("client_id", None)
                assert foreign == absent and foreign["error"]["code"] == "not_found", kind
            await ws.close()

    asyncio.run(scenario())
    history = owner_client.get(f"/api/conversations/{conv}/messages").json()["messages"]
    assert [m["body"] for m in history] == ["alice"]


def test_a_foreign_attachment_answers_like_a_missing_one(appliance, owner) -> None:
    owner_client, setup = owner
    site = setup["site"]
    other = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                              ).json()["site"]
    outsider = _site_agent(appliance, owner_client, "outsider", other["id"])
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    text = b"receipt 2026-12\n"
    up = alice.http.post("/api/widget/upload", headers=alice.headers,
                         files={"file": ("r.txt", text, "text/plain")}).json()["attachment"]
    conv = alice.http.post("/api/widget/send", headers=alice.headers, json={
        "client_id": cid(), "kind": "file", "attachment_id": up["id"]}).json()["conversation_id"]
    # An agent's note with a file, in alice's conversation: never hers to fetch.
    note_file = owner_client.post(f"/api/conversations/{conv}/upload", files={
        "file": ("n.txt", b"internal\n", "text/plain")}).json()["attachment"]
    r = owner_client.post(f"/api/conversations/{conv}/messages", json={
        "client_id": cid(), "kind": "note", "body": "内部", "attachment_id": note_file["id"]})
    assert r.status_code == 200, r.text
    missing = f"/api/attachments/{note_file['id'] + 100}"
    assert alice.http.get(up["url"], headers=alice.headers).content == text
    for foreign in (bob.http.get(up["url"], headers=bob.headers),
                    alice.http.get(note_file["url"], headers=alice.headers)):
        absent = bob.http.get(missing, headers=bob.headers)
        assert foreign.status_code == absent.status_code == 404
        assert foreign.json() == absent.json()
    assert outsider.get(up["url"]).json() == outsider.get(missing).json()
    assert outsider.get(up["url"]).status_code == 404
    assert owner_client.get(note_file["url"]).status_code == 200


def test_a_list_of_recipients_stored_before_the_check_is_never_mailed(appliance, owner) -> None:
    """Addresses saved by an older version (a list in one field) are not used as recipients."""

    client, setup = owner
    site = setup["site"]
    r = appliance.client().post("/api/widget/session", headers={"Origin": SITE_ORIGIN}, json={
        "site_key": site["widget_key"], "identify": {"email": "li@example.com"}})
    widget = Widget(appliance, site["widget_key"], token=r.json()["visitor_token"])
    conv = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "body": "hi"}).json()["conversation_id"]
    listed = "li@example.com, boss@evil.example"
    db = appliance.database()
    db.execute("UPDATE visitor SET email = ?", (listed,))
    db.execute("UPDATE site SET notify_email = ?", (listed,))
    r = client.post(f"/api/conversations/{conv}/messages", json={"client_id": cid(),
                                                                  "body": "reply"})
    assert r.status_code == 200  # the visitor is offline: it would be mailed to them
    r = widget.http.post("/api/widget/leave-message", headers=widget.headers, json={
        "name": "李", "contact": {"phone": "13800000000"}, "message": "请回电"})
    assert r.status_code == 201
    r = widget.http.post("/api/widget/transcript", headers=widget.headers,
                         json={"conversation_id": conv})
    assert r.status_code == 403
    assert db.execute("SELECT count(*) FROM outbox").fetchall() == [(0,)]
    db.close()


def _chatting(appliance: Appliance, site: dict) -> tuple[Widget, int]:
    """A visitor of `site` who has said 在吗: their widget and the chat."""
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/send", headers=widget.headers,
                         json={"client_id": cid(), "body": "在吗"})
    assert r.status_code == 200, r.text
    return widget, r.json()["conversation_id"]


def test_a_body_documented_as_empty_takes_no_keys(appliance, owner) -> None:
    """`{}` bodies (docs/api.md): a key is an unknown field, refused before anything changes;
    `{}` and no body at all are accepted."""
    client, setup = owner
    site = setup["site"]
    widget, conversation = _chatting(appliance, site)
    customer = client.post(f"/api/companies/{setup['company']['id']}/customers",
                           json={"name": "甲", "phone": "13500001111"}).json()["customer"]
    other = client.post(f"/api/companies/{setup['company']['id']}/customers",
                        json={"name": "乙", "phone": "13500002222"}).json()["customer"]
    merge = client.post(f"/api/customers/{customer['id']}/merge",
                        json={"other_id": other["id"]}).json()["merge"]
    block = client.post("/api/blocks", json={"kind": "ip", "value": "203.0.113.9",
                                             "site_id": site["id"]}).json()["block"]
    user = client.post("/api/users", json={
        "login": "quiet", "display_name": "quiet", "role": "agent",
        "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [site["id"]]}).json()["user"]

    def state() -> tuple:
        return (client.get(f"/api/sites/{site['id']}").json()["site"]["widget_key"],
                client.get(f"/api/conversations/{conversation}").json()["conversation"],
                client.get(f"/api/customers/{other['id']}").status_code,
                client.get("/api/blocks").json())

    paths = [f"/api/sites/{site['id']}/widget-key", f"/api/sites/{site['id']}/identity-secret",
             f"/api/users/{user['id']}/activate", f"/api/conversations/{conversation}/claim",
             f"/api/conversations/{conversation}/take-over",
             f"/api/conversations/{conversation}/close",
             f"/api/conversations/{conversation}/reopen", f"/api/merges/{merge['id']}/undo",
             "/api/kb/improve/1/dismiss", f"/api/blocks/{block['id']}/remove",
             "/api/invitations/1/withdraw", "/api/auth/logout"]
    before = state()
    for path in paths:
        r = client.post(path, json={"bogus": 1})
        assert r.status_code == 400, (path, r.text)
        assert r.json()["error"] == {"code": "invalid", "message": "unknown field: bogus",
                                     "field": "bogus"}, path
        r = client.post(path, content=b"[]", headers=JSON)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid", path
    r = widget.http.post("/api/widget/availability", headers=widget.headers, json={"x": 1})
    assert r.status_code == 400 and r.json()["error"]["field"] == "x"
    assert state() == before
    for body in ({"json": {}}, {}):  # `{}`, and no body at all
        assert widget.http.post("/api/widget/availability", headers=widget.headers,
                                **body).status_code == 200
        r = client.post(f"/api/conversations/{conversation}/close", **body)
        assert r.status_code == 200, r.text
    assert client.post(f"/api/merges/{merge['id']}/undo", json={}).status_code == 200
    # A follow-up's `done` is what the request says, never assumed.
    follow_up = client.post(f"/api/customers/{customer['id']}/follow-ups",
                            json={"due_date": "2026-12-31"}).json()["follow_up"]
    r = client.patch(f"/api/follow-ups/{follow_up['id']}", json={})
    assert r.status_code == 400 and r.json()["error"]["field"] == "done"
    r = client.patch(f"/api/follow-ups/{follow_up['id']}", json={"done": True})
    assert r.status_code == 200 and r.json()["follow_up"]["done"] is True


def test_every_socket_frame_refuses_a_key_it_does_not_have(appliance, owner) -> None:
    """Unknown keys are refused everywhere (docs/protocol.md): on a socket, an `error` frame
    naming the key, and the frame does nothing (no `synced`, no `pong`, no status change);
    an `auth` frame with one closes the socket (4400). Typing drafts and statuses of the
    wrong type or length are named too."""
    owner_client, setup = owner
    site = setup["site"]
    widget, conversation = _chatting(appliance, site)
    page = {"tab": "t-1", "url": f"{SITE_ORIGIN}/p", "title": "页", "referrer": "",
            "language": "zh-CN", "visible": True, "screen": "desktop"}
    visitor_frames = [
        {"type": "sync", "conversation_id": conversation, "after_seq": 0},
        {"type": "read", "conversation_id": conversation, "seq": 1},
        {"type": "typing", "conversation_id": conversation, "typing": True},
        {"type": "page", **page}, {"type": "tab", "tab": "t-1", "visible": False},
        {"type": "tab_closed", "tab": "t-1"}, {"type": "exit_intent", "tab": "t-1"},
        {"type": "invitation_reply", "invitation_id": 1, "reply": "declined"},
        {"type": "ping"}, {"type": "pong"}]
    agent_frames = [
        {"type": "sync", "conversation_id": conversation, "after_seq": 0},
        {"type": "status", "status": "away"}, {"type": "activity"},
        {"type": "workbench", "present": False}, {"type": "visitors_watch", "watch": True},
        {"type": "board_watch", "company_id": setup["company"]["id"], "watch": True},
        {"type": "ping"}]

    async def refused(ws, frame: dict) -> None:
        await ws.send(json.dumps({**frame, "colour": "red"}))
        error = await next_of(ws, "error")
        assert error["request"] == frame["type"], error
        assert error["error"] == {"code": "invalid", "message": "unknown field: colour",
                                  "field": "colour"}, error

    async def quiet(ws) -> list[str]:
        """The types of what the socket got before an answer to a ping of ours."""
        await ws.send(json.dumps({"type": "ping"}))
        seen = []
        while (frame := json.loads(await asyncio.wait_for(ws.recv(), 3)))["type"] != "pong":
            seen.append(frame["type"])
        return seen

    async def scenario() -> None:
        ws = await widget.connect()
        for frame in visitor_frames:
            await refused(ws, frame)
        assert await quiet(ws) == []  # no synced, no pong, nothing done
        for draft in (12345, ["x"], "字" * 501):
            await ws.send(json.dumps({"type": "typing", "conversation_id": conversation,
                                      "typing": True, "draft": draft}))
            assert (await next_of(ws, "error"))["error"]["field"] == "draft"
        await ws.close()
        agent = await agent_socket(appliance, owner_client, workbench=False)
        for frame in agent_frames:
            await refused(agent, frame)
        assert await quiet(agent) == []
        for status in (5, None):
            await agent.send(json.dumps({"type": "status", "status": status}))
            assert (await next_of(agent, "error"))["error"]["field"] == "status"
        await agent.close()
        raw = await websockets.connect(appliance.url.replace("http", "ws") + "/api/widget/ws",
                                       origin=SITE_ORIGIN)
        await raw.send(json.dumps({"type": "auth", "site_key": site["widget_key"],
                                   "visitor_token": widget.token, "colour": "red"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await next_of(raw, "hello")
        assert closed.value.rcvd.code == 4400

    asyncio.run(scenario())
    assert owner_client.get("/api/me").json()["user"]  # still fine
    r = widget.http.post("/api/widget/typing", headers=widget.headers, json={
        "conversation_id": conversation, "typing": True, "draft": "字" * 501})
    assert r.status_code == 400 and r.json()["error"]["field"] == "draft"


def test_an_unknown_site_is_not_found_even_for_an_owner(appliance, owner) -> None:
    """Owners serve every site, but a site that does not exist is still `404`, not an empty
    list (the admin UI tells a missing site from one you are not assigned to)."""
    client, setup = owner
    for path in ("/api/sites/999/categories", "/api/sites/999/agents",
                 "/api/conversations?site_id=999", "/api/search?q=价格&site_id=999",
                 "/api/canned-replies?site_id=999"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["code"] == "not_found"
    for path in ("/api/sites/999/kb/suggest", "/api/sites/999/bot/preview"):
        r = client.post(path, json={"text": "价格"})
        assert r.status_code == 404, (path, r.text)
    company = setup["company"]["id"]
    r = client.get(f"/api/companies/{company}/leads?site_id=999")
    assert r.status_code == 404 and r.json()["error"]["field"] == "site_id"
    assert client.get(f"/api/companies/{company}/leads?site_id=0").status_code == 400
    site = setup["site"]["id"]
    assert client.get(f"/api/companies/{company}/leads?site_id={site}").status_code == 200
    assert client.get(f"/api/sites/{site}/categories").status_code == 200
    assert client.get(f"/api/conversations?site_id={site}").status_code == 200
