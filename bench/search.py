"""Search latency at any size: the newest matches read straight from the index.

Builds (once, cached under bench/.data/, which git ignores) a database of N messages written
through the product's own storage code — `storage/sites.py` for the company and sites,
`storage/conversations.py` for visitors, conversations and messages (the per-message write path
of `storage/message_log.py`), `storage/search_index.py` for the index batches — in writer jobs
of the product's `Database`. Text: customer-service sentences drawn from a fixed vocabulary by a
seeded random generator, ~21 messages per conversation, over SITES sites.

Then measures `storage/conversations.py:search_messages` (what `GET /api/search` runs, on a
reader thread of `Database`) for common and rare two-character words, one-character words and a
Latin prefix, as the owner (every site) and as an agent of one site. Baseline in the same run on
the same file: the previous query shape, which collected every match before applying the limit
(`message.id IN (SELECT rowid … MATCH …) ORDER BY id DESC LIMIT`).

  python bench/search.py                 # 1,000,000 messages
  python bench/search.py --messages 10000000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

from relay import ROOT, pct, write_doc
from run import machine

from appliance.domain.conversations import VISITOR, Sender
from appliance.domain.search import match_expression
from appliance.storage import conversations as store
from appliance.storage import message_log, search_index, sites
from appliance.storage.database import Database, bound_database
from appliance.storage.migrations import migrate

DATA = ROOT / "bench" / ".data"
SECTION = "## Search at any size (`bench/search.py`)"
SITES = 4
PER_CONVERSATION = 21
WRITE_BATCH = 5000  # messages per writer job while generating
REPEAT = 60  # searches per query and scope
LIMIT = 50
TARGET_P95_MS = 5.0
NOW = dt.datetime(2026, 12, 1, 8, 0, 0)

SUBJECTS = ["我", "你们", "这个", "快递", "客服", "订单", "商品", "老板", "师傅", "朋友"]
VERBS = ["想问一下", "请问", "能不能", "什么时候", "怎么", "可以", "帮我看看", "需要", "还没有",
         "已经"]
OBJECTS = ["价格", "退款", "发货", "优惠券", "尺码", "颜色", "地址", "发票", "售后", "保修",
           "预约", "牙齿", "洗牙", "矫正", "种植牙", "会员卡", "积分", "物流", "包装", "型号"]
TAILS = ["吗？", "呢", "，谢谢", "，麻烦了", "!", "。", "？急", "，在线等", "", "~"]
LATIN = ["iPhone", "order", "refund", "VIP", "WeChat", "Alipay", "invoice", "size XL", "OK",
         "hello"]
# (label, query): a common and a rare two-character word, one character, a Latin prefix.
QUERIES = [("2 characters, common", "价格"), ("2 characters, rare", "积分"),
           ("2 characters, absent", "火箭"), ("1 character", "牙"), ("Latin prefix", "ref")]


def sentence(rng: random.Random) -> str:
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
    if rng.random() < 0.3:
        parts.append(rng.choice(OBJECTS))
    if rng.random() < 0.15:
        parts.append(" " + rng.choice(LATIN) + " ")
    # A rare word: about 1 message in 2,000.
    text = "".join(parts) + rng.choice(TAILS)
    return text.replace("积分", "会员") if rng.random() > 0.02 else text


def generate(path: Path, messages: int) -> float:
    """Write `messages` messages through the product's storage code; returns seconds."""
    started = time.monotonic()
    migrate(path, path.parent / "backups", now=NOW)
    db = Database(path, batch_max=1)
    db.start()
    rng = random.Random(20261206)

    def setup() -> list[int]:
        company = sites.create_company("Bench Co", NOW)
        return [sites.create_site({"company_id": company.id, "name": f"站点{n}",
                                   "url": f"https://shop{n}.example.com"},
                                  f"bench-key-{n}", NOW).id for n in range(SITES)]

    def write(site_ids: list[int], first: int, count: int) -> None:
        conversation = None
        for n in range(first, first + count):
            if conversation is None or n % PER_CONVERSATION == 0:
                site_id = site_ids[(n // PER_CONVERSATION) % len(site_ids)]
                visitor = store.create_visitor(site_id, f"bench-token-{n}", {}, "bench", NOW)
                created = store.create_conversation(site_id, visitor.id, NOW)
                conversation = store.require_head(created.id)
                sender = Sender(VISITOR, visitor.id, f"访客{visitor.id}")
            _, _, conversation = message_log.append(conversation, sender, "text",
                                                    sentence(rng), f"c{n:012d}", None, NOW)

    async def run() -> None:
        site_ids = await db.write(setup)
        for first in range(0, messages, WRITE_BATCH):
            await db.write(write, site_ids, first, min(WRITE_BATCH, messages - first))
            while await db.write(search_index.index_batch, 20_000):
                pass
            if first % (WRITE_BATCH * 40) == 0:
                print(f"  {first:,} messages written", flush=True)

    try:
        asyncio.run(run())
    finally:
        db.close()
    return time.monotonic() - started


INDEX_TABLE = """CREATE VIRTUAL TABLE "message_index" USING fts5 ("terms", "prefixes", "site",
  content='', contentless_delete=1, tokenize="unicode61", prefix='1')"""  # as migration 9


def rebuild_index(path: Path) -> float:
    """Drop the cached file's search index and fill it again with this tree's indexer (an
    index of an older shape, or to time a full rebuild); returns seconds."""
    started = time.monotonic()
    db = Database(path, batch_max=1)
    db.start()

    def empty() -> None:
        database = bound_database.obj
        database.execute_sql('DROP TABLE IF EXISTS "message_index"')
        database.execute_sql(INDEX_TABLE)
        database.execute_sql("UPDATE search_mark SET last_message_id = 0 WHERE id = 1")

    async def run() -> None:
        await db.write(empty)
        done = 0
        while indexed := await db.write(search_index.index_batch, 20_000):
            done += indexed
            if done % 1_000_000 < 20_000:
                print(f"  {done:,} messages indexed ({time.monotonic() - started:.0f} s)",
                      flush=True)

    try:
        asyncio.run(run())
    finally:
        db.close()
    return time.monotonic() - started


def old_search(match: str, site_ids: list[int] | None, limit: int) -> list[int]:
    """The query before: every match collected, then scope and limit applied; the same rows
    fetched and turned into messages as the new path does."""
    sql = (f"SELECT {', '.join('m.' + c.strip() for c in message_log._MESSAGE_COLUMNS.split(','))}"
           ", c.site_id FROM message m JOIN conversation c ON c.id = m.conversation_id "
           "WHERE m.id IN (SELECT rowid FROM message_index WHERE message_index MATCH ?)")
    args: list[object] = [f"({match})"]
    if site_ids is not None:
        sql += f" AND c.site_id IN ({', '.join('?' * len(site_ids))})"
        args += site_ids
    sql += " ORDER BY m.id DESC LIMIT ?"
    rows = bound_database.obj.execute_sql(sql, [*args, limit]).fetchall()
    return [message_log.message_from_row(row[:-1], None).id for row in rows]


def new_search(match: str, site_ids: list[int] | None, limit: int) -> list[int]:
    return [m.id for m, _ in store.search_messages(match, site_ids, limit)]


def measure(path: Path) -> list[tuple[str, str, str, list[float], list[float], int]]:
    db = Database(path)
    db.start()
    rows = []

    async def timed(fn: object, *args: object) -> tuple[float, int]:
        started = time.perf_counter()
        found = await db.read(fn, *args)  # type: ignore[arg-type]
        return time.perf_counter() - started, len(found)

    async def run() -> None:
        site_ids = await db.read(lambda: [row[0] for row in bound_database.obj.execute_sql(
            "SELECT id FROM site ORDER BY id").fetchall()])
        for label, query in QUERIES:
            match = match_expression(query)
            assert match is not None
            for scope, ids in (("every site", None), ("one site", [site_ids[1]])):
                for fn in (new_search, old_search):  # warm both
                    await timed(fn, match, ids, LIMIT)
                new, old = [], []
                found = 0
                for _ in range(REPEAT):  # alternating, so that load changes hit both
                    seconds, found = await timed(new_search, match, ids, LIMIT)
                    new.append(seconds)
                    seconds, _ = await timed(old_search, match, ids, LIMIT)
                    old.append(seconds)
                rows.append((label, query, scope, new, old, found))
                print(f"  {label} {query!r} {scope}: new p50 {pct(new, .5):.2f} ms "
                      f"p95 {pct(new, .95):.2f} ms; old p50 {pct(old, .5):.2f} ms", flush=True)

    try:
        asyncio.run(run())
    finally:
        db.close()
    return rows


def count_matches(path: Path, query: str) -> int:
    import apsw

    match = match_expression(query)
    conn = apsw.Connection(str(path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        return int(conn.execute("SELECT count(*) FROM message_index WHERE message_index MATCH ?",
                                (f"({match})",)).fetchone()[0])
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rebuild-index", action="store_true",
                        help="first rebuild the cached file's index with this tree's indexer")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"search-{args.messages}.db"
    built = ""
    if not path.exists():
        partial = DATA / f"search-{args.messages}.partial.db"
        for leftover in DATA.glob(f"search-{args.messages}.partial.db*"):
            leftover.unlink()
        seconds = generate(partial, args.messages)
        partial.rename(path)
        built = f" (generated in {seconds:.0f} s)"
    elif args.rebuild_index:
        seconds = rebuild_index(path)
        built = f" (its index rebuilt by this tree's indexer in {seconds:.0f} s)"
    load_before = os.getloadavg()[0]
    rows = measure(path)
    size = path.stat().st_size
    table = ["| query | scope | matches in all history | results | p50 ms | p95 ms | "
             "before: p50 ms | before: p95 ms | × faster (p95) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    worst = 0.0
    for label, query, scope, new, old, found in rows:
        matches = count_matches(path, query)
        worst = max(worst, pct(new, .95))
        table.append(f"| {label}: `{query}` | {scope} | {matches:,} | {found} | "
                     f"{pct(new, .5):.2f} | {pct(new, .95):.2f} | {pct(old, .5):.2f} | "
                     f"{pct(old, .95):.2f} | {pct(old, .95) / pct(new, .95):.0f} |")
    text = "\n".join(table)
    print(text)
    heading = f"{SECTION} at {args.messages:,} messages"
    section = f"""{heading}

`bench/search.py --messages {args.messages}`: {args.messages:,} messages in
{args.messages // PER_CONVERSATION:,} conversations over {SITES} sites, written through the
product's storage code into a cached file ({size / 2**20:,.0f} MiB with its index){built}.
Each row: {REPEAT} searches (limit {LIMIT}) through `storage/conversations.py:search_messages`
on a reader thread, alternating with the previous query shape (every match collected before the
limit) on the same file as the baseline.

Measured {dt.date.today().isoformat()} on {machine()} (load average {load_before:.2f} when the
run started, {os.getloadavg()[0]:.2f} when it ended):

{text}

Scope and limit are applied inside the index, and every query shape here reads one list of it
newest first and stops at the limit, so its cost does not follow the number of matches: a
two-character word, a one-character word (the index's list of one-character prefixes), an
absent word, and a Latin-script prefix such as `ref` (refund, refunds, …): words of other
scripts than CJK are also indexed by their prefixes of 2 to 8 characters, in a column of their
own (`prefixes`, migration 9), so `ref` reads the one list of the prefix `ref` instead of
merging the lists of every word that starts with it. What still follows its matches: a prefix
of more than 8 characters of a longer word (`refundabl`), which FTS5 answers by merging the
lists of the words that start with it (few words share so long a prefix).

Target p95 ≤ {TARGET_P95_MS:.0f} ms: worst p95 {worst:.2f} ms — {'met' if worst <= TARGET_P95_MS
                                                                 else '**missed**'}.
"""
    write_doc(section, heading)
    return 0


if __name__ == "__main__":
    sys.exit(main())
