"""The log never holds a secret, at any level: `kefu serve` at debug level through setup,
sign-in, a widget session, sockets and the SMTP settings."""

from __future__ import annotations

import asyncio
import json
import signal

import httpx
import websockets
from conftest import OWNER_PASSWORD, SETUP_CODE
from served import Served, kefu_env

SMTP_PASSWORD = "smtp-secret-Pa55word"
ORIGIN = "https://www.example.com"


def _session_flow(base: str) -> list[str]:
    """Everything secret the flow handled."""
    secrets = [OWNER_PASSWORD, SETUP_CODE.replace("-", ""), SMTP_PASSWORD]
    with httpx.Client(base_url=base, timeout=10) as owner:
        r = owner.post("/api/setup", json={
            "setup_code": SETUP_CODE, "company_name": "悦齿",
            "owner": {"login": "boss", "display_name": "老板", "password": OWNER_PASSWORD},
            "site": {"name": "官网", "url": ORIGIN}})
        assert r.status_code == 201, r.text
        site = r.json()["site"]
        owner.cookies.clear()
        r = owner.post("/api/auth/login", json={"login": "boss", "password": OWNER_PASSWORD})
        assert r.status_code == 200
        csrf = owner.cookies["kefu_csrf"]
        secrets += [owner.cookies["kefu_session"], csrf]
        headers = {"X-CSRF-Token": csrf}
        r = owner.put("/api/settings/smtp", headers=headers, json={
            "host": "127.0.0.1", "port": 2525, "security": "none", "username": "kefu",
            "password": SMTP_PASSWORD, "from_address": "kefu@example.com"})
        assert r.status_code == 200
        r = owner.post(f"/api/sites/{site['id']}/identity-secret", headers=headers, json={})
        secrets.append(r.json()["identity_secret"])
        r = owner.post("/api/auth/login", json={"login": "boss", "password": "wrong-password"})
        assert r.status_code == 401
        visitor = httpx.post(f"{base}/api/widget/session", headers={"Origin": ORIGIN},
                             json={"site_key": site["widget_key"]})
        token = visitor.json()["visitor_token"]
        secrets.append(token)
        cookie = f"kefu_session={secrets[3]}"

        async def sockets() -> None:
            ws_base = base.replace("http", "ws")
            async with websockets.connect(f"{ws_base}/api/widget/ws", origin=ORIGIN) as ws:
                await ws.send(json.dumps({"type": "auth", "site_key": site["widget_key"],
                                          "visitor_token": token}))
                await ws.recv()
                await ws.send(json.dumps({"type": "send", "client_id": "c-0001-secret",
                                          "body": "你好"}))
                while json.loads(await ws.recv())["type"] != "ack":
                    pass
            async with websockets.connect(f"{ws_base}/api/agent/ws", origin=base,
                                          additional_headers={"Cookie": cookie}) as ws:
                await ws.recv()

        asyncio.run(sockets())
        r = httpx.post(f"{base}/api/widget/poll", json={"cursors": {}, "timeout": 0},
                       headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN})
        assert r.status_code == 200
        assert owner.post("/api/auth/logout", headers=headers, json={}).status_code == 200
    return secrets


def test_debug_log_holds_no_secret(tmp_path) -> None:
    env = kefu_env(KEFU_LOG_LEVEL="debug", KEFU_SETUP_CODE=SETUP_CODE,
                   KEFU_DATA_DIR=str(tmp_path / "data"))
    server = Served(env=env)
    try:
        secrets = _session_flow(server.wait_ready())
        server.stop(signal.SIGTERM)
    finally:
        server.kill()
    output = server.output
    assert " DEBUG " in output, "the server did not log at debug level"
    for secret in secrets:
        assert secret not in output, f"a secret ({secret[:4]}…) is in the log"
    assert "Traceback" not in output
