"""Customer search at 100,000 customers: latency (p50/p95/max) of the customer search through
the product's own code (services.customers.list_customers over storage/customers.py and its
FTS index), for the searches agents make: 2-character Chinese names, full names, a surname,
any digits of a phone, an e-mail prefix, a tag, a custom field.

The data is written through the product's storage code (storage.customers.create_customer in
writer jobs, as an import does). Baseline measured in the same run on the same file: the
naive search, `LIKE '%q%'` over the name, phone, e-mail and tags columns, newest first.

Usage: python bench/customers.py [N_CUSTOMERS] [N_QUERIES]
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.domain.model import Role, User
from appliance.services import customers as service
from appliance.services.context import Services
from appliance.storage import customers as store
from appliance.storage import sites as site_store
from appliance.storage.database import Database, bound_database
from appliance.storage.migrations import migrate

N_CUSTOMERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
N_QUERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
BATCH = 2000
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
            "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健"
         "俊帆帅旭宁龙林欣佳雪梅琳晨辉鹏飞")
TAGS = ["VIP", "老客户", "新客户", "抖音", "百度", "转介绍", "高意向", "已成交", "待回访", "投诉"]
SOURCES = ["抖音", "百度", "微信", "转介绍", "地推"]
NOW = datetime(2026, 12, 1, 8, 0, 0)


def person(rng: random.Random, i: int) -> dict:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    phone = f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    return {"name": name, "phone": phone, "email": f"user{i}.{rng.randrange(10**6)}@example.com",
            "wechat": f"wx_{i:06d}", "tags": tuple(rng.sample(TAGS, rng.choice((0, 1, 2)))),
            "custom": {"source": rng.choice(SOURCES)}}


async def fill(db: Database, company_id: int, people: list[dict]) -> float:
    start = time.perf_counter()
    for offset in range(0, len(people), BATCH):
        chunk = people[offset:offset + BATCH]

        def write(chunk: list[dict] = chunk, offset: int = offset) -> None:
            for index, fields in enumerate(chunk):
                store.create_customer(company_id, fields,
                                      NOW - timedelta(seconds=len(people) - offset - index))

        await db.write(write)
    return time.perf_counter() - start


def timed(fn, *args):
    """Run on the reader thread and time it there: the database's own cost, without the hop
    between threads (which a loaded machine stretches)."""
    start = time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - start) * 1000


def storage_query(company_id: int, params: dict) -> tuple[int, list]:
    from appliance.domain.customers import customer_match, filter_match

    match = customer_match(params["q"]) if params.get("q") else None
    match = filter_match(match, params.get("tag", ""), params.get("field", ""),
                         params.get("value", ""))
    return store.search(company_id, match=match, owner_id=None, limit=50, offset=0)


def baseline_query(company_id: int, text: str) -> list[int]:
    pattern = f"%{text}%"
    cursor = bound_database.obj.cursor()
    rows = cursor.execute(
        "SELECT id FROM customer WHERE company_id = ? AND (name LIKE ? OR phone LIKE ? OR "
        "email LIKE ? OR tags LIKE ?) ORDER BY updated_at DESC, id DESC LIMIT 50",
        (company_id, pattern, pattern, pattern, pattern)).fetchall()
    return [r[0] for r in rows]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> int:
    rng = random.Random(15)
    folder = Path(tempfile.mkdtemp(prefix="kefu-bench-customers-"))
    path = folder / "kefu.db"
    migrate(path, folder / "backups", now=NOW)
    db = Database(path)
    db.start()
    company = await db.write(site_store.create_company, "悦齿口腔", NOW)
    other = await db.write(site_store.create_company, "乙家装", NOW)
    people = [person(rng, i) for i in range(N_CUSTOMERS)]
    seconds = await fill(db, company.id, people)
    await fill(db, other.id, [person(rng, i) for i in range(N_CUSTOMERS // 10)])
    svc = Services(db=db, events=type("Sink", (), {"publish": lambda self, e: None})(),
                   clock=lambda: NOW, monotonic=time.monotonic)
    owner = User(id=1, login="boss", display_name="老板", role=Role.OWNER, active=True,
                 language="zh-CN", created_at=NOW)
    sample = rng.sample(people, N_QUERIES)
    kinds = {
        "2-char name (张伟)": [{"q": p["name"][:2]} for p in sample],
        "full name": [{"q": p["name"]} for p in sample],
        "surname (1 char)": [{"q": p["name"][0]} for p in sample],
        "phone, 4 digits": [{"q": p["phone"][-4:]} for p in sample],
        "phone, 7 digits": [{"q": p["phone"][5:12]} for p in sample],
        "phone, full": [{"q": p["phone"][3:]} for p in sample],
        "e-mail prefix": [{"q": p["email"].split(".")[0]} for p in sample],
        "tag": [{"tag": rng.choice(TAGS)} for _ in sample],
        "custom field": [{"field": "source", "value": rng.choice(SOURCES)} for _ in sample],
    }
    print(f"customer search, {N_CUSTOMERS:,} customers in the company (+{N_CUSTOMERS // 10:,} "
          f"in another), written in {seconds:.1f} s ({N_CUSTOMERS / seconds:,.0f}/s)\n")
    print("| search | service p50 ms | service p95 ms | database p50 ms | database p95 ms | "
          "hits (median, counted to 1,000) | baseline LIKE p50 ms | baseline p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    worst = worst_db = 0.0
    for label, queries in kinds.items():
        times, inner, hits, base = [], [], [], []
        for params in queries:
            start = time.perf_counter()
            total, _ = await service.list_customers(svc, owner, company.id, **params)
            times.append((time.perf_counter() - start) * 1000)
            hits.append(total)
            _, took = await db.read(timed, storage_query, company.id, params)
            inner.append(took)
            text = params.get("q") or params.get("tag") or params.get("value") or ""
            _, took = await db.read(timed, baseline_query, company.id, text)
            base.append(took)
        worst, worst_db = max(worst, pct(times, 0.95)), max(worst_db, pct(inner, 0.95))
        print(f"| {label} | {statistics.median(times):.1f} | {pct(times, 0.95):.1f} | "
              f"{statistics.median(inner):.1f} | {pct(inner, 0.95):.1f} | "
              f"{int(statistics.median(hits)):,} | "
              f"{statistics.median(base):.1f} | {pct(base, 0.95):.1f} |")
    db.close()
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    print(f"\nworst p95: service {worst:.1f} ms, database {worst_db:.1f} ms (target: 50 ms); "
          f"load average {' '.join(load)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
