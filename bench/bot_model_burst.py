"""The visitor's ack under a burst of questions with the bot's re-ranking model on (issue 17).

With `bot_model = "e5-small"` every question a visitor sends to the bot gets a vector from the
model before the bot decides, and the visitor's `ack` waits for that decision (the bot's reply
is written with the message). The model computes one vector at a time, so a burst of questions
queues for it. This measures how long: Kefu runs in its own process (`kefu setup` on a fresh
data directory, then `kefu serve`) with the 50 entries of one business from the evaluation set
(`../shared/eval/faq.jsonl`, site `shop`) and the site's bot `first`; once the entries' vectors
are made, VISITORS visitors with open widget sockets each send a question at the same moment
(ROUNDS bursts, fresh visitors each time). Measured per visitor from sending: the `ack` and the
bot's reply. The same with the model off is the floor; `--baseline REF` adds the code at REF
(its tree extracted to a temporary folder), served the same way, in the same run.

  python bench/bot_model_burst.py                        # this tree, model on and off
  python bench/bot_model_burst.py --baseline 5602417     # plus the code before
  python bench/bot_model_burst.py --write                # and the table into docs/benchmarks.md
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bot_model_ack import compare_main
from queue_burst import baseline_command
from relay import (
    OP_TIMEOUT,
    OWNER,
    PASSWORD,
    ROOT,
    kefu_command,
    new_sessions,
    open_socket,
    pct,
    start_kefu,
)

SECTION = "## The re-ranking model under a burst of questions (`bench/bot_model_burst.py`)"
FAQ = ROOT.parent / "shared" / "eval" / "faq.jsonl"
SITE = "shop"
VISITORS = 30
ROUNDS = 3
READY_SECONDS = 900.0
now = time.perf_counter


@dataclass
class Result:
    name: str
    model: bool
    ack: list[float] = field(default_factory=list)
    reply: list[float] = field(default_factory=list)
    weighed: int = 0  # replies whose decision had the model's similarity (preview, after)


def entries() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in FAQ.read_text(encoding="utf-8").splitlines() if line]
    return [{"question": r["question"], "answer": r["answer"]} for r in rows
            if r["site"] == SITE]


async def configure(base: str, model: bool) -> None:
    """The entries and the bot `first`; with the model, wait until the entries' vectors are
    made (the preview's candidates carry a similarity)."""
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=OP_TIMEOUT) as owner:
        r = await owner.post("/api/auth/login", json={"login": OWNER, "password": PASSWORD})
        r.raise_for_status()
        csrf = {"X-CSRF-Token": owner.cookies["kefu_csrf"]}
        site = (await owner.get("/api/sites")).json()["sites"][0]
        company = site["company_id"]
        for entry in entries():
            r = await owner.post(f"/api/companies/{company}/kb/entries", headers=csrf,
                                 json=entry)
            r.raise_for_status()
        r = await owner.patch(f"/api/sites/{site['id']}/bot", headers=csrf,
                              json={"mode": "first"})
        r.raise_for_status()
        deadline = now() + READY_SECONDS
        while model:
            r = await owner.post(f"/api/sites/{site['id']}/bot/preview", headers=csrf,
                                 json={"text": "下单后多久发货"})
            r.raise_for_status()
            candidates = r.json()["decision"]["candidates"]
            if any(c.get("similarity") for c in candidates):
                return
            if now() > deadline:
                raise RuntimeError("the entries' vectors were not made in time")
            await asyncio.sleep(2)


async def one_visitor(ws_base: str, site_key: str, token: str, question: str,
                      start: asyncio.Event, result: Result) -> None:
    ws = await open_socket(f"{ws_base}/api/widget/ws")
    try:
        await ws.send(json.dumps({"type": "auth", "site_key": site_key, "visitor_token": token}))
        while json.loads(await asyncio.wait_for(ws.recv(), OP_TIMEOUT))["type"] != "hello":
            pass
        await start.wait()
        sent = now()
        await ws.send(json.dumps({"type": "send", "client_id": uuid.uuid4().hex,
                                  "body": question}, ensure_ascii=False))
        acked = replied = False
        while not (acked and replied):
            frame = json.loads(await asyncio.wait_for(ws.recv(), OP_TIMEOUT))
            if frame["type"] == "ping":
                await ws.send('{"type":"pong"}')
            elif frame["type"] == "ack":
                result.ack.append(now() - sent)
                acked = True
            elif frame["type"] == "message" and frame["sender"]["type"] == "bot":
                result.reply.append(now() - sent)
                replied = True
    finally:
        await ws.close()


async def run(tmp: Path, name: str, command: list[str], model: bool) -> Result:
    env = ["env", f"KEFU_BOT_MODEL={'e5-small' if model else 'off'}"]
    server, site_key = start_kefu(tmp, [*env, *command])
    try:
        base = f"http://127.0.0.1:{server.port}"
        await configure(base, model)
        questions = [e["question"] for e in entries()][:VISITORS]
        result = Result(name, model)
        for _ in range(ROUNDS):
            tokens = await new_sessions(base, site_key, VISITORS)
            start = asyncio.Event()
            visitors = [asyncio.create_task(one_visitor(
                f"ws://127.0.0.1:{server.port}", site_key, token, question, start, result))
                for token, question in zip(tokens, questions, strict=True)]
            await asyncio.sleep(1.0)  # every socket authenticated
            start.set()
            await asyncio.gather(*visitors)
        return result
    finally:
        server.stop()


def table(results: list[Result]) -> str:
    rows = ["| code | model | ack p50 / p95 / max (ms) | bot reply p50 / p95 / max (ms) |",
            "|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.name} | {'e5-small' if r.model else 'off'} "
                    f"| {pct(r.ack, 0.5):.0f} / {pct(r.ack, 0.95):.0f} / {max(r.ack) * 1000:.0f} "
                    f"| {pct(r.reply, 0.5):.0f} / {pct(r.reply, 0.95):.0f} / "
                    f"{max(r.reply) * 1000:.0f} |")
    return "\n".join(rows)


async def measure(tmp: Path, baseline: str | None) -> list[Result]:
    runs: list[tuple[str, list[str], bool]] = []
    if baseline:
        runs.append((f"before ({baseline})", baseline_command(baseline, tmp / "before"), True))
    label = "after" if baseline else "this tree"
    runs += [(label, kefu_command(), True), (label, kefu_command(), False)]
    results = []
    for n, (name, command, model) in enumerate(runs):
        folder = tmp / f"run-{n}"
        folder.mkdir()
        results.append(await run(folder, name, command, model))
        print(table(results[-1:]).splitlines()[-1], flush=True)
    return results


def describe(baseline: str | None) -> str:
    return f"""`bench/bot_model_burst.py{' --baseline ' + baseline if baseline else ''}`: the
50 entries of the evaluation set's `{SITE}` business, the site's bot `first`; with the model,
after the entries' vectors are made. {ROUNDS} bursts of {VISITORS} new visitors, each sending
one question at the same moment on an open widget socket. Times from sending: the `ack` and
the bot's reply (written with the message, so they arrive together). The model makes
one question's vector at a time, so in a burst each question waits for the ones before it; the
word search alone also runs one question at a time on the one interpreter, faster. The
visitor's message is stored and acknowledged either way (the decision only picks the bot's
reply); the cost of the model is the difference between the two rows."""


def main() -> int:
    return compare_main(__doc__, measure, table, SECTION, describe)


if __name__ == "__main__":
    raise SystemExit(main())
