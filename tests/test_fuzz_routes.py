"""Property: no input gives a 500. Malformed path parameters, queries and bodies are thrown at
every route the app's router knows (a new route is covered without touching this file), signed
in as the owner, as a visitor and as nobody; every answer is a documented status with a
documented error code, and the server logs no traceback."""

from __future__ import annotations

import json
import logging
import os
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from conftest import OWNER_PASSWORD, SETUP_CODE, ApiClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.config import load_config
from appliance.runtime import Runtime
from appliance.web.app import create_app
from appliance.web.server import BackgroundServer, bind_socket

EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "25"))
SITE_ORIGIN = "https://www.example.com"
API = Path(__file__).resolve().parents[1] / "docs" / "api.md"
STATUSES = {200, 201, 202, 204, 302, 304, 400, 401, 403, 404, 405, 409, 413, 415, 429}
# Field names the API knows, so that bodies reach the checks behind "unknown field".
FIELDS = (
    "name", "url", "login", "password", "display_name", "role", "site_ids", "language",
    "conversation_id", "client_id", "body", "kind", "attachment_id", "category_id", "seq",
    "typing", "draft", "cursors", "timeout", "email", "contact", "message", "rating",
    "comment", "agent_id", "team_id", "note", "status", "site_key", "visitor_token", "page",
    "identify", "max_chats", "business_hours", "offline_mode", "notify_email",
    "routing_strategy", "fallback_team_id", "unanswered_seconds", "allowed_origins",
    "theme_color", "prechat_fields", "typing_preview", "host", "port", "security",
    "username", "from_address", "to", "member_ids", "position", "shortcut",
    "current_password", "new_password", "setup_code", "company_name", "owner", "site",
    "company_id", "greeting", "logo_url", "widget_position", "display_name", "new_password",
    "phone", "wechat", "attributes", "user_id", "signature", "title", "referrer",
)
QUERY_KEYS = ("limit", "site_id", "after_seq", "before", "view", "q", "timeout", "x")
RAW_BODIES = (
    b"", b"{", b"null", b"[]", b'"x"', b"1e999", b'{"name": NaN}', b'{"name": Infinity}',
    b'{"name": -Infinity}', b'{"body": "\\ud800"}', b'{"\\udfff": 1}', b"\xff\xfe\x00",
    b"[" * 40 + b"]" * 40, b"[" * 5000, b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"conversation_id": 99999999999999999999999999}', b'{"seq": -1e308}',
    b'{"cursors": {"\xd9\xa1": 0}}', b'{"site_ids": [1e400]}',
)


def _documented_codes() -> set[str]:
    conventions = API.read_text("utf-8").split("## Public")[0]
    return set(re.findall(r"`([a-z_]+)`\s+\(\d{3}", conventions)) | {
        "bad_json", "invalid", "too_large", "bad_credentials"}


@dataclass
class Target:
    url: str
    owner: ApiClient
    visitor_token: str
    errors: list[logging.LogRecord]


class _Errors(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.into.append(record)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Any]]:
    """One appliance for the whole run (hypothesis examples share it), with limits high
    enough that rate limiting does not hide the checks behind it."""
    config = load_config({
        "data_dir": tmp_path_factory.mktemp("fuzz") / "data", "setup_code": SETUP_CODE,
        "login_max_failures": 100_000, "login_ip_max_failures": 100_000,
        "visitor_sessions_per_minute": 100_000, "address_new_visitors_per_minute": 100_000,
        "visitor_messages_per_minute": 100_000, "address_messages_per_minute": 100_000,
        "visitor_uploads_per_hour": 100_000, "address_uploads_per_hour": 100_000,
        "visitor_left_messages_per_hour": 100_000, "address_left_messages_per_hour": 100_000,
        "visitor_transcripts_per_hour": 100_000, "address_transcripts_per_hour": 100_000,
        "visitor_signals_per_minute": 100_000, "address_signals_per_minute": 100_000,
        "visitor_polls_per_minute": 100_000, "address_polls_per_minute": 100_000,
    }, environ={})
    runtime = Runtime.open(config)
    server = BackgroundServer(create_app(runtime), bind_socket("127.0.0.1", 0)).start()
    url = f"http://127.0.0.1:{server.port}"
    errors: list[logging.LogRecord] = []
    handler = _Errors(errors)
    logging.getLogger().addHandler(handler)
    owner = ApiClient(base_url=url, timeout=30)
    try:
        r = owner.post("/api/setup", json={
            "setup_code": SETUP_CODE, "company_name": "甲",
            "owner": {"login": "boss", "display_name": "老板", "password": OWNER_PASSWORD},
            "site": {"name": "官网", "url": SITE_ORIGIN}})
        assert r.status_code == 201, r.text
        site = r.json()["site"]
        owner.post("/api/users", json={"login": "xiaoli", "display_name": "小李",
                                       "role": "agent", "password": OWNER_PASSWORD,
                                       "site_ids": [site["id"]]})
        owner.post("/api/teams", json={"name": "售前", "site_id": site["id"], "member_ids": []})
        owner.post(f"/api/sites/{site['id']}/categories", json={"name": "售前"})
        owner.post("/api/canned-replies", json={"shortcut": "hi", "body": "您好",
                                                "site_id": None})
        r = httpx.post(f"{url}/api/widget/session", headers={"Origin": SITE_ORIGIN},
                       json={"site_key": site["widget_key"]})
        token = r.json()["visitor_token"]
        widget = {"Authorization": f"Bearer {token}", "Origin": SITE_ORIGIN}
        conv = httpx.post(f"{url}/api/widget/send", headers=widget, json={
            "client_id": "fuzz-seed-0001", "body": "你好"}).json()["conversation_id"]
        httpx.post(f"{url}/api/widget/upload", headers=widget,
                   files={"file": ("a.txt", b"hello\n", "text/plain")})
        owner.post(f"/api/conversations/{conv}/messages", json={"client_id": "fuzz-reply-1",
                                                                 "body": "在的"})
        yield Target(url, owner, token, errors), server.app
    finally:
        logging.getLogger().removeHandler(handler)
        owner.close()
        server.stop()
        runtime.close()


# -- strategies -----------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=30)
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30) | any_text
           | st.sampled_from(["", "1", "١٢", "²", "a@b.com, c@d.com", "open", "text", "note",
                              "agent", "owner", "https://x.example", "#zzzzzz", "\u202e"]))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4), max_leaves=10)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6).map(
        lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(RAW_BODIES),
    st.binary(max_size=40),
)
segment_chars = st.characters(exclude_categories=("Cs",), exclude_characters="/?#%\\")
EDGE_SEGMENTS = ["1", "2", "3", "0", "-1", "١", "²", "0x1", "1e3", "99999999999999999999",
                 "9223372036854775808", "9223372036854775807", "18446744073709551617", "007",
                 "a", " 1", "1 ", "+1", "１"]
path_values = st.one_of(
    st.sampled_from(EDGE_SEGMENTS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=segment_chars, min_size=1, max_size=12).filter(
        lambda s: s.strip(".") != ""),
)
queries = st.dictionaries(st.sampled_from(QUERY_KEYS),
                          st.one_of(st.text(alphabet=segment_chars, max_size=12),
                                    st.integers(min_value=-(2**70), max_value=2**70).map(str),
                                    st.sampled_from(["²", "١", "", "2026-13-45T99:00:00Z",
                                                     "2026-01-01T00:00:00+08:00", "mine"])),
                          max_size=3)
auths = st.sampled_from(["owner", "visitor", "nobody"])
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "multipart/form-data; boundary=x", None])


def _routes(app: Any) -> list[tuple[str, str, list[str]]]:
    found = []
    for route in app.router.routes:
        if getattr(route.extra, "websocket", False):
            continue
        params = [param.name for param in route.params.values()]
        for method in sorted(route.methods):
            found.append((method, "/" + route.path, params))
    return sorted(found)


def _fill(path: str, params: list[str], values: list[str]) -> str:
    for name, value in zip(params, values, strict=True):
        path = re.sub(rf"<{name}(:[^>]*)?>", lambda _m, v=value: quote(v, safe=""), path)
    return path


def test_every_route_answers_malformed_input_with_a_documented_4xx(target) -> None:
    spot, app = target
    routes = _routes(app)
    assert len(routes) > 60  # the whole API, pages and widget routes
    codes = _documented_codes()
    client = httpx.Client(base_url=spot.url, timeout=30)

    def check(method: str, path: str, params: list[str], values: list[str],
              query: dict[str, str], body: bytes, content_type: str | None, auth: str) -> None:
        spot.errors.clear()
        headers: dict[str, str] = {}
        if content_type:
            headers["Content-Type"] = content_type
        if auth == "owner":
            cookies = spot.owner.cookies
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
            headers["X-CSRF-Token"] = cookies.get("kefu_csrf") or ""
        elif auth == "visitor":
            headers["Authorization"] = f"Bearer {spot.visitor_token}"
            headers["Origin"] = SITE_ORIGIN
        url = _fill(path, params, values)
        # Bodies go with the methods that have one here (POST, PUT, PATCH); Sanic itself logs
        # a body sent with GET, OPTIONS or DELETE as "not consumed".
        response = client.request(method, url, params=query, headers=headers,
                                  content=body if method in ("POST", "PUT", "PATCH") else None)
        where = f"{method} {url} {query} {body[:80]!r} as {auth}: {response.status_code}"
        assert response.status_code in STATUSES, f"{where} {response.text[:200]}"
        if response.status_code >= 400 and method != "HEAD":
            error = response.json()["error"]
            assert error["code"] in codes, f"{where}: undocumented code {error['code']}"
        assert not spot.errors, f"{where}: logged {spot.errors[0].getMessage()}"
        if path == "/api/auth/logout" and response.status_code == 200:
            r = spot.owner.post("/api/auth/login", json={"login": "boss",
                                                         "password": OWNER_PASSWORD})
            assert r.status_code == 200

    def fuzz(method: str, path: str, params: list[str]) -> Any:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(values=st.lists(path_values, min_size=len(params), max_size=len(params)),
               query=queries, body=bodies, content_type=content_types, auth=auths)
        def one_route(values: list[str], query: dict[str, str], body: bytes,
                      content_type: str | None, auth: str) -> None:
            check(method, path, params, values, query, body, content_type, auth)

        return one_route

    for method, path, params in routes:
        for edge in EDGE_SEGMENTS if params else ():  # every edge, not only those drawn
            for auth in ("owner", "visitor"):
                check(method, path, params, [edge] * len(params), {}, b"{}",
                      "application/json", auth)
        fuzz(method, path, params)()
    client.close()


def test_documented_codes_are_read_from_the_api_document() -> None:
    codes = _documented_codes()
    assert {"rate_limited", "quota_exceeded", "not_found", "method_not_allowed",
            "unsupported_media_type", "csrf"} <= codes
    assert set(string.ascii_uppercase) & set("".join(codes)) == set()


frame_types = st.sampled_from(["send", "sync", "read", "typing", "ping", "pong", "status",
                               "activity", "auth", "hello", ""]) | scalars
frames = st.one_of(
    st.builds(lambda kind, rest: json.dumps({**rest, "type": kind}),
              frame_types, st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5)),
    json_values.map(json.dumps),
    st.sampled_from([b.decode("utf-8", "replace") for b in RAW_BODIES]),
    st.binary(max_size=20),
)
SOCKET_CLOSES = {4400, 1007, 1009}


def test_every_socket_frame_gets_an_answer_or_a_documented_close(target) -> None:
    """The same property for frames on both sockets: a malformed frame is answered (error,
    nack) or closes that socket with a documented code, and nothing is logged as an error."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    spot, _ = target
    base = spot.url.replace("http", "ws")
    cookie = "; ".join(f"{k}={v}" for k, v in spot.owner.cookies.items())

    def open_socket(who: str) -> Any:
        if who == "agent":
            return connect(f"{base}/api/agent/ws", origin=spot.url,
                           additional_headers={"Cookie": cookie})
        return connect(f"{base}/api/widget/ws", origin=SITE_ORIGIN)

    @settings(max_examples=EXAMPLES * 2, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(who=st.sampled_from(["agent", "visitor"]), sent=st.lists(frames, min_size=1,
                                                                     max_size=6))
    def one_socket(who: str, sent: list[Any]) -> None:
        spot.errors.clear()
        with open_socket(who) as ws:
            if who == "visitor":
                ws.send(json.dumps({"type": "auth", "visitor_token": spot.visitor_token}))
            assert json.loads(ws.recv(5))["type"] == "hello"
            try:
                for frame in sent:  # one at a time: a close is seen before the next is sent
                    ws.send(frame)
                    ws.send(json.dumps({"type": "ping"}))
                    while True:
                        answer = json.loads(ws.recv(10))
                        assert answer["type"] != "error" or answer["error"]["code"], answer
                        if answer["type"] == "pong":
                            break
            except ConnectionClosed as closed:
                assert closed.rcvd is not None and closed.rcvd.code in SOCKET_CLOSES, (
                    who, sent, closed.rcvd)
        assert not spot.errors, f"{who} {sent}: logged {spot.errors[0].getMessage()}"

    one_socket()
