"""The visitor's ack while the bot's model endpoint is slow (issue 17).

Kefu runs in its own process (`kefu setup` on a fresh data directory, then `kefu serve`) with
one knowledge-base entry, the site's bot `first`, and the company's model endpoint pointed at a
fake OpenAI-compatible server on loopback (in this process, an external service) that takes
MODEL_SECONDS to answer, citing the entry; the endpoint's `timeout_seconds` is TIMEOUT. VISITORS
new visitors, one after another, each open a widget socket and send a question the entry
answers. Measured per visitor, from sending: the `ack`, the bot's `typing` frame, and the bot's
reply. The same with the model endpoint off (the bot's own answer) is the floor.

Baseline in the same run: the code before the change (`--baseline REF`: a git commit whose tree
is extracted to a temporary folder and served the same way).

  python bench/bot_model_ack.py                       # this tree
  python bench/bot_model_ack.py --baseline 12f6a8b~2  # plus the code before
  python bench/bot_model_ack.py --write               # and the table into docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from queue_burst import baseline_command
from relay import (
    OP_TIMEOUT,
    OWNER,
    PASSWORD,
    kefu_command,
    new_sessions,
    open_socket,
    pct,
    start_kefu,
)
from relay import write_doc as write_section
from run import machine

SECTION = "## The bot's model endpoint and the visitor's ack (`bench/bot_model_ack.py`)"
MODEL_SECONDS = 2.0
TIMEOUT = 5
VISITORS = 20
QUESTION = "亲，付完款多久能发货呀"
ENTRY = {"question": "下单后多久发货？", "answer": "付款后24小时内发货。"}
now = time.perf_counter


class FakeModel:
    """An OpenAI-compatible endpoint that answers after MODEL_SECONDS, citing entry 1."""

    def __init__(self) -> None:
        self.calls = 0
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                model.calls += 1
                time.sleep(MODEL_SECONDS)
                out = json.dumps({"choices": [{"message": {
                    "role": "assistant", "content": "付款后24小时内就会发货。[1]"}}]},
                    ensure_ascii=False).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Result:
    name: str
    model: bool
    ack: list[float] = field(default_factory=list)
    typing: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)
    model_answers: int = 0


async def configure(base: str, model_url: str | None) -> None:
    """The entry, the bot `first`, and the model endpoint (or none)."""
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=OP_TIMEOUT) as owner:
        r = await owner.post("/api/auth/login", json={"login": OWNER, "password": PASSWORD})
        r.raise_for_status()
        csrf = {"X-CSRF-Token": owner.cookies["kefu_csrf"]}
        site = (await owner.get("/api/sites")).json()["sites"][0]
        company = site["company_id"]
        r = await owner.post(f"/api/companies/{company}/kb/entries", headers=csrf, json=ENTRY)
        r.raise_for_status()
        r = await owner.patch(f"/api/sites/{site['id']}/bot", headers=csrf,
                              json={"mode": "first"})
        r.raise_for_status()
        if model_url is not None:
            r = await owner.patch(f"/api/companies/{company}/bot/llm", headers=csrf, json={
                "enabled": True, "base_url": model_url, "model": "bench",
                "timeout_seconds": TIMEOUT})
            r.raise_for_status()


async def one_visitor(ws_base: str, site_key: str, token: str, result: Result) -> None:
    ws = await open_socket(f"{ws_base}/api/widget/ws")
    try:
        await ws.send(json.dumps({"type": "auth", "site_key": site_key, "visitor_token": token}))
        while json.loads(await asyncio.wait_for(ws.recv(), OP_TIMEOUT))["type"] != "hello":
            pass
        sent = now()
        await ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex,
                                  "body": QUESTION}, ensure_ascii=False))
        typing, acked, replied = None, False, False
        while not (acked and replied):  # the code before sent the reply before the ack
            frame = json.loads(await asyncio.wait_for(ws.recv(), OP_TIMEOUT))
            if frame["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif frame["type"] == "ack":
                result.ack.append(now() - sent)
                acked = True
            elif frame["type"] == "typing" and frame["typing"] and typing is None:
                typing = now() - sent
                result.typing.append(typing)
            elif frame["type"] == "message" and frame["sender"]["type"] == "bot":
                result.reply.append(now() - sent)
                result.model_answers += frame["body"] == "付款后24小时内就会发货。"
                replied = True
    finally:
        await ws.close()


async def run(tmp: Path, name: str, command: list[str], model: FakeModel | None) -> Result:
    server, site_key = start_kefu(tmp, command)
    try:
        base = f"http://127.0.0.1:{server.port}"
        await configure(base, None if model is None else model.base_url)
        tokens = await new_sessions(base, site_key, VISITORS)
        result = Result(name, model is not None)
        for token in tokens:
            await one_visitor(f"ws://127.0.0.1:{server.port}", site_key, token, result)
        return result
    finally:
        server.stop()


def table(results: list[Result]) -> str:
    rows = ["| code | model | ack p50 / p95 / max (ms) | bot typing p50 (ms) "
            "| reply p50 / p95 (ms) | model's answers |",
            "|---|---|---|---|---|---|"]
    for r in results:
        typing = f"{pct(r.typing, 0.5):.0f}" if r.typing else "none"
        rows.append(f"| {r.name} | {'on, ' + str(MODEL_SECONDS) + ' s' if r.model else 'off'} "
                    f"| {pct(r.ack, 0.5):.0f} / {pct(r.ack, 0.95):.0f} / {max(r.ack) * 1000:.0f} "
                    f"| {typing} | {pct(r.reply, 0.5):.0f} / {pct(r.reply, 0.95):.0f} "
                    f"| {r.model_answers} of {len(r.reply)} |")
    return "\n".join(rows)


async def measure(tmp: Path, baseline: str | None) -> list[Result]:
    model = FakeModel()
    try:
        runs: list[tuple[str, list[str], FakeModel | None]] = []
        if baseline:
            old = baseline_command(baseline, tmp / "baseline-tree")
            runs.append((f"before ({baseline})", old, model))
        runs += [("after", kefu_command(), model), ("after", kefu_command(), None)]
        results = []
        for n, (name, command, fake) in enumerate(runs):
            folder = tmp / f"run-{n}"
            folder.mkdir()
            results.append(await run(folder, name, command, fake))
        return results
    finally:
        model.close()


def compare_main(doc: str | None, measure: Callable[[Path, str | None], Awaitable[list[Any]]],
                 table: Callable[[list[Any]], str], section: str,
                 describe: Callable[[str | None], str]) -> int:
    """The command line of the bot's ack benchmarks (this one and bot_model_burst.py):
    `--baseline REF` and `--write`; runs `measure`, prints `table` with the machine and its
    load, and with `--write` puts `describe(baseline)` and the table in `section`."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--baseline", help="git ref of the code to compare with")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        results = asyncio.run(measure(Path(tmp), args.baseline))
    after_load = os.getloadavg()
    text = table(results)
    print(text)
    loads = (f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} before, "
             f"{after_load[0]:.2f} / {after_load[1]:.2f} / {after_load[2]:.2f} after")
    print(f"\n{machine()}; {loads}")
    if args.write:
        write_section(f"""{section}

{describe(args.baseline)}

{text}

Machine: {machine()}; {loads} (a shared machine: other work ran meanwhile).
""", section)
    return 0


def describe(baseline: str | None) -> str:
    return f"""`bench/bot_model_ack.py{' --baseline ' + baseline if baseline else ''}`: the site's
bot `first`, one knowledge-base entry, the company's model endpoint a fake OpenAI-compatible
server on loopback answering after {MODEL_SECONDS} s (`timeout_seconds` {TIMEOUT}); {VISITORS}
new visitors one after another, each sending a question the entry answers on a new widget
socket. Times from sending: the `ack`, the bot's `typing` frame, the bot's reply. The last
row, the model off, is the floor."""


def main() -> int:
    return compare_main(__doc__, measure, table, SECTION, describe)


if __name__ == "__main__":
    raise SystemExit(main())
