"""Smoke test of the built executable (run by .ci/run after `make package`, not by make test).

KEFU_EXECUTABLE names the file. It must behave like `kefu` from source: version, setup,
serve, /healthz, a visitor <-> agent exchange over the real protocol, backup, and the data
still there after a restart.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import websockets

EXE = os.environ.get("KEFU_EXECUTABLE", "")


@pytest.fixture(scope="module")
def exe() -> str:
    if not EXE or not Path(EXE).is_file():
        pytest.fail("set KEFU_EXECUTABLE to the built executable (installer/build.sh)")
    return EXE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(exe: str, data: Path, port: int,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen, float]:
    start = time.monotonic()
    proc = subprocess.Popen([exe, "serve", "--data-dir", str(data), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = start + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc, time.monotonic() - start
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the executable never answered /healthz")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.communicate(timeout=30)  # also closes the output pipe
    assert proc.returncode == 0, proc.returncode


def holders(path: Path) -> list[int]:
    """Processes that have `path` open."""
    target, found = str(path.resolve()), []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(os.readlink(fd) == target for fd in (proc / "fd").iterdir()):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_the_executable_serves_like_the_source(exe: str, tmp_path: Path, writer: str) -> None:
    """With the database writer on a thread and in a process of its own (setting `writer`:
    the compiled executable starts that process by running itself again)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KEFU_")},
           "KEFU_WRITER": writer}
    version = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("kefu ")
    data = tmp_path / "data"
    password = tmp_path / "pw"
    password.write_text("packaged-password\n")
    setup = subprocess.run([exe, "setup", "--data-dir", str(data), "--company", "Acme",
                            "--owner", "boss", "--password-file", str(password),
                            "--site-name", "Web", "--site-url", "https://www.example.com"],
                           capture_output=True, text=True, timeout=60)
    assert setup.returncode == 0, setup.stderr
    assert "/embed.js" in setup.stdout
    port = free_port()
    proc, startup = serve(exe, data, port, env)
    base = f"http://127.0.0.1:{port}"
    try:
        health = httpx.get(f"{base}/healthz").json()
        assert health["status"] == "ok" and health["database"] == "ok"
        assert httpx.get(f"{base}/embed.js").status_code == 200
        assert "<html" in httpx.get(f"{base}/login").text.lower()
        body = asyncio.run(exchange(base))
        assert body == "您好，这里是打包版"
        backup = subprocess.run([exe, "backup", "--data-dir", str(data),
                                 "--to", str(tmp_path / "copy.db")],
                                capture_output=True, text=True, timeout=60)
        assert backup.returncode == 0, backup.stderr
    finally:
        stop(proc)
    proc, _ = serve(exe, data, port, env)
    try:
        with httpx.Client(base_url=base) as client:
            r = client.post("/api/auth/login", json={"login": "boss",
                                                     "password": "packaged-password"})
            assert r.status_code == 200
            convs = client.get("/api/conversations?view=open").json()["conversations"]
            assert len(convs) == 1 and convs[0]["last_message"]["body"] == "您好，这里是打包版"
            knowledge_base(client)
            model_endpoint(client)
    finally:
        stop(proc)
    # A stopped server leaves nothing behind holding its database (a writer process ends).
    deadline = time.monotonic() + 15
    while holders(data / "kefu.db") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert holders(data / "kefu.db") == []
    print(f"packaged ({writer} writer): start-up to a ready /healthz {startup:.2f} s")


def knowledge_base(client: httpx.Client) -> None:
    """The knowledge base's compiled parts: the sanitiser (nh3), segmentation and pinyin
    (rjieba, pypinyin with its data files), and the spreadsheet round trip (xlsxwriter,
    python-calamine)."""
    csrf = {"X-CSRF-Token": client.cookies["kefu_csrf"]}
    company = client.get("/api/companies").json()["companies"][0]["id"]
    site = client.get("/api/sites").json()["sites"][0]["id"]
    r = client.post(f"/api/companies/{company}/kb/entries", headers=csrf, json={
        "question": "下单后多久发货？",
        "answer": "付款后24小时内发货<script>alert(1)</script>"})
    assert r.status_code == 201, r.text
    assert "<script" not in r.json()["entry"]["answer"]
    r = client.post(f"/api/sites/{site}/kb/suggest", headers=csrf,
                    json={"text": "付完款多久fa货"})
    assert r.status_code == 200, r.text
    assert r.json()["suggestions"][0]["entry"]["question"] == "下单后多久发货？"
    exported = client.get(f"/api/companies/{company}/kb/export?format=xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    r = client.post(f"/api/companies/{company}/kb/import?format=xlsx&mode=replace",
                    headers=csrf, files={"file": ("kb.xlsx", exported.content)})
    assert r.status_code == 201 and r.json()["imported"] == 1, r.text


class _FakeCompletions(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint on loopback (an outside service, not ours)."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _FakeCompletions.seen.append({"path": self.path,
                                      "auth": self.headers.get("Authorization"),
                                      "body": json.loads(self.rfile.read(length))})
        body = json.dumps({"id": "x", "object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"},
             "finish_reason": "stop"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def model_endpoint(client: httpx.Client) -> None:
    """The optional model endpoint's HTTP client (httpx over anyio's asyncio backend) works
    in the compiled build: the owner's "test connection" reaches a loopback endpoint."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        csrf = {"X-CSRF-Token": client.cookies["kefu_csrf"]}
        company = client.get("/api/companies").json()["companies"][0]["id"]
        r = client.post(f"/api/companies/{company}/bot/llm/test", headers=csrf, json={
            "base_url": f"http://127.0.0.1:{server.server_address[1]}/v1",
            "model": "m", "api_key": "sk-packaged-1234", "timeout_seconds": 10})
        assert r.status_code == 200, r.text
        assert r.json()["test"]["ok"] is True, r.text
        assert _FakeCompletions.seen[-1]["path"] == "/v1/chat/completions"
        assert _FakeCompletions.seen[-1]["auth"] == "Bearer sk-packaged-1234"
    finally:
        server.shutdown()
        server.server_close()


async def exchange(base: str) -> str:
    """A visitor writes over the widget socket; the owner answers over REST; the visitor
    hears it."""
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/api/auth/login", json={"login": "boss",
                                                       "password": "packaged-password"})
        assert r.status_code == 200
        sites = (await client.get("/api/sites")).json()["sites"]
        session = (await client.post("/api/widget/session",
                                     json={"site_key": sites[0]["widget_key"]})).json()
        ws_url = base.replace("http", "ws") + "/api/widget/ws"
        async with websockets.connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "auth", "visitor_token": session["visitor_token"]}))
            assert json.loads(await ws.recv())["type"] == "hello"
            await ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex,
                                      "body": "你好"}))
            while (frame := json.loads(await ws.recv()))["type"] != "ack":
                pass
            conv = frame["conversation_id"]
            r = await client.post(f"/api/conversations/{conv}/messages",
                                  headers={"X-CSRF-Token": client.cookies["kefu_csrf"]},
                                  json={"client_id": uuid.uuid4().hex,
                                        "body": "您好，这里是打包版"})
            assert r.status_code == 200, r.text
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if frame["type"] == "message" and frame["sender"]["type"] == "agent":
                    return str(frame["body"])


def double_click(exe: str, home: Path, **env: str) -> subprocess.Popen:
    """The executable with no arguments, as a file manager starts it."""
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("KEFU_") and k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                           "XDG_DATA_HOME", "BROWSER")}
    return subprocess.Popen([exe], env={**environ, "HOME": str(home), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_double_click_opens_the_console_in_the_browser(exe: str, tmp_path: Path) -> None:
    """The lean executable has no window toolkit: desktop mode opens the system browser."""
    home = tmp_path / "home"
    home.mkdir()
    # Without a graphical session it explains `serve` instead.
    headless = double_click(exe, home)
    out, _ = headless.communicate(timeout=60)
    assert headless.returncode == 3 and "kefu serve" in out, out

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"  # stands in for the system browser: records the address
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    env = {"DISPLAY": ":99", "BROWSER": str(browser)}
    first = double_click(exe, home, **env)
    try:
        deadline = time.monotonic() + 60
        while not opened.exists() and time.monotonic() < deadline:
            assert first.poll() is None, first.stdout.read() if first.stdout else ""
            time.sleep(0.1)
        url = opened.read_text().split()[0]
        base, _, fragment = url.partition("/setup#code=")
        assert base.startswith("http://127.0.0.1:") and len(fragment.replace("-", "")) == 12
        assert (home / ".local" / "share" / "kefu" / "kefu.db").is_file()
        assert httpx.get(f"{base}/api/setup/status").json()["needs_setup"] is True
        # The code in the address is the one that sets the appliance up.
        r = httpx.post(f"{base}/api/setup", json={
            "setup_code": fragment, "company_name": "Acme",
            "owner": {"login": "boss", "display_name": "Boss", "password": "packaged-password"},
            "site": {"name": "Web", "url": "https://www.example.com"}})
        assert r.status_code == 201, r.text

        # A second double-click starts nothing new: it shows the running console.
        second = double_click(exe, home, **env)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0 and "already running" in out, out
        assert opened.read_text().split()[1] == f"{base}/app/"
    finally:
        first.terminate()
        out, _ = first.communicate(timeout=30)
    assert first.returncode == 0 and "Kefu stopped." in out, out
