"""Re-flagging duplicate leads after an edit of an old lead with many newer leads: the time of
`storage.leads.save_lead` (the write behind `PUT /api/conversations/{id}/lead`, which judges
again every duplicate flag its change may concern) on a company with N leads newer than the
edited one. Baseline on the same file in the same run: the code before migration 16 (its
`reflag`, copied below) on the indexes before it; then the file is migrated to 16 and the
current code runs. With the plan SQLite picks for each of the three reads of a re-flag.

Usage: python bench/lead_reflag.py [N_NEWER_LEADS] [N_EDITS]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.domain.company_settings import DUPLICATE_DAYS_MAX
from appliance.storage import leads as store
from appliance.storage import sites as site_store
from appliance.storage.database import Database, bound_database
from appliance.storage.migrations import MIGRATIONS, migrate
from appliance.storage.tables import LeadRow

N_NEWER = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
N_EDITS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
NOW = datetime(2026, 12, 1, 8, 0, 0)
DUPLICATE_DAYS = 30
PHONE = "+8613900000000"


def fill(site_id: int, company_id: int) -> int:
    """The edited lead (the oldest, effective) and N newer ones within a year after it, a few
    with its phone (flagged against it), the rest with phones of their own."""
    cursor = bound_database.obj.cursor()
    start = NOW - timedelta(days=300)
    step = timedelta(days=299) / N_NEWER
    rows = []
    for i in range(N_NEWER + 1):
        phone = PHONE if i % 10_000 == 0 else f"+86138{i:08d}"
        rows.append((company_id, site_id, f"客户{i}", phone, "想了解价格", str(start + step * i)))
    cursor.executemany(
        'INSERT INTO lead (company_id, site_id, agent_name, name, phone, email, wechat, qq, need, '
        "category, intent, source, keyword, landing_page, effective, created_at, updated_at) "
        "VALUES (?, ?, '小李', ?, ?, '', '', '', ?, '', '', 'direct', '', '', 1, ?, ?)",
        [(*row, row[-1]) for row in rows])
    first = int(cursor.execute("SELECT min(id) FROM lead").fetchone()[0])
    store.reflag(first, {PHONE}, DUPLICATE_DAYS)  # the flags as saving made them
    return first


def reflag_before(lead_id: int, phones: set[str], duplicate_days: int) -> None:
    """`storage.leads.reflag` as it was before migration 16 (the baseline)."""
    lead = LeadRow.get_by_id(lead_id)
    store._judge_duplicate(lead, duplicate_days)
    later = (LeadRow.company == lead.company_id) & (LeadRow.created_at >= lead.created_at) & (
        LeadRow.id != lead_id)
    flagged = LeadRow.select().where(
        later & (LeadRow.created_at <= lead.created_at + timedelta(days=DUPLICATE_DAYS_MAX))
        & (LeadRow.duplicate_of == lead_id))
    concerned = {row.id: row for row in flagged}
    phones = {p for p in phones if p}
    if phones and duplicate_days > 0:
        same_phone = LeadRow.select().where(
            later & LeadRow.phone.in_(sorted(phones)) & (LeadRow.id > lead_id)
            & (LeadRow.created_at <= lead.created_at + timedelta(days=duplicate_days)))
        concerned.update((row.id, row) for row in same_phone)
    for _, row in sorted(concerned.items()):
        store._judge_duplicate(row, duplicate_days)


def edits(lead_id: int, before: bool) -> list[float]:
    """Edit the lead's need N times (each judges the flags again), timed on the writer thread."""
    lead = store.get_lead(lead_id)
    times = []
    for n in range(N_EDITS):
        start = time.perf_counter()
        if before:
            LeadRow.update(updated_at=NOW, need=f"想了解价格 {n}").where(
                LeadRow.id == lead_id).execute()
            reflag_before(lead_id, {PHONE}, DUPLICATE_DAYS)
        else:
            lead = store.save_lead(lead, {"need": f"想了解价格 {n}"}, NOW, DUPLICATE_DAYS)
        times.append((time.perf_counter() - start) * 1000)
    return times


def plans(lead_id: int, before: bool) -> list[str]:
    """The plan of each read of a re-flag: flagged against it, later with its phone, and the
    earlier effective lead with the phone (`earlier_with_phone`)."""
    lead = LeadRow.get_by_id(lead_id)
    later = (LeadRow.company == lead.company_id) & (LeadRow.created_at >= lead.created_at) & (
        LeadRow.id != lead_id)
    flagged = (LeadRow.duplicate_of == lead_id) & (later & (
        LeadRow.created_at <= lead.created_at + timedelta(days=DUPLICATE_DAYS_MAX))
        if before else True)
    queries = [
        LeadRow.select().where(flagged),
        LeadRow.select().where(later & LeadRow.phone.in_([PHONE]) & (LeadRow.id > lead_id) & (
            LeadRow.created_at <= lead.created_at + timedelta(days=DUPLICATE_DAYS))),
        LeadRow.select(LeadRow.id).where(
            (LeadRow.company == lead.company_id) & (LeadRow.phone == PHONE)
            & (LeadRow.created_at >= lead.created_at - timedelta(days=DUPLICATE_DAYS))
            & (LeadRow.effective == True) & (LeadRow.id < lead_id))  # noqa: E712
        .order_by(LeadRow.created_at, LeadRow.id)]
    cursor = bound_database.obj.cursor()
    found = []
    for query in queries:
        text, args = query.sql()
        found.append("; ".join(str(r[-1]) for r in cursor.execute(
            "EXPLAIN QUERY PLAN " + text, args)).replace("t1 USING INDEX ", ""))
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="kefu-bench-reflag-"))
    path = folder / "kefu.db"
    migrate(path, folder / "backups", now=NOW, migrations=tuple(
        m for m in MIGRATIONS if m.version < 16))
    results = {}
    for before in (True, False):
        if not before:
            migrate(path, folder / "backups", now=NOW)
        db = Database(path)
        db.start()
        if before:
            company = await db.write(site_store.create_company, "悦齿口腔", NOW)
            site = await db.write(site_store.create_site, {
                "company_id": company.id, "name": "官网", "url": "https://example.com"},
                "k" * 32, NOW)
            lead_id = await db.write(fill, site.id, company.id)
        await db.write(edits, lead_id, before)  # warm-up: the pages in the cache
        results[before] = (await db.write(edits, lead_id, before),
                           await db.read(plans, lead_id, before))
        db.close()
    print(f"Edit of the oldest lead with {N_NEWER:,} newer leads (a few with its phone), "
          f"{N_EDITS} edits each, duplicate_days {DUPLICATE_DAYS}\n")
    print("| code | save_lead p50 ms | p95 ms | max ms | flagged against it | later with its "
          "phone | earlier effective with the phone |")
    print("|---|---:|---:|---:|---|---|---|")
    for before, label in ((True, "before m0016 (baseline)"), (False, "m0016")):
        times, found = results[before]
        print(f"| {label} | {statistics.median(times):.2f} | {pct(times, 0.95):.2f} | "
              f"{max(times):.2f} | {' | '.join(found)} |")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
