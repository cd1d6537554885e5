"""A knowledge-base entry's id is never given to another entry. Bot answers, the "to improve"
list and the bot's replies in transcripts keep entry ids; SQLite gives a new row the largest
id plus one, so without this, deleting the newest entries — or an import that replaces the
knowledge base — handed their ids to new, unrelated entries, and a 👎 on an old answer then
pointed at one of them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import apsw

from appliance.domain.kb import Action, ImproveReason
from appliance.storage import kb, sites
from appliance.storage.database import Database
from appliance.storage.migrations import MIGRATIONS, migrate

NOW = datetime(2026, 12, 7, 9, 0, 0)


def run(path: Path, *jobs) -> list:
    db = Database(path)
    db.start()

    async def go() -> list:
        return [await db.write(*job) for job in jobs]

    try:
        return asyncio.run(go())
    finally:
        db.close()


def entry(question: str) -> dict:
    return {"site_id": None, "question": question, "phrasings": [],
            "answer": f"<p>{question}</p>", "category": "", "enabled": True}


def seed() -> tuple[int, int]:
    company = sites.create_company("Acme", NOW)
    site = sites.create_site({"company_id": company.id, "name": "s", "url": "https://s.example"},
                             "key-s", NOW)
    return company.id, site.id


def test_ids_of_deleted_entries_are_not_given_again(tmp_path: Path) -> None:
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW)
    company, site = run(path, (seed,))[0]
    first, newest = run(path, (kb.create_entries, company, [entry("包邮吗"), entry("几天到货")],
                               NOW))[0]
    # A visitor voted down the answer from the newest entry.
    run(path, (kb.log_answer, site, None, "多久能到", Action.ANSWER, [newest], NOW),
        (kb.note_question, company, site, "多久能到", ImproveReason.DOWNVOTED, newest, NOW))
    run(path, (kb.delete_entry, newest))
    [added] = run(path, (kb.create_entries, company, [entry("可以开发票吗")], NOW))[0]
    assert added not in (first, newest)
    # The list no longer points at the deleted entry (nor at the new one).
    [item] = run(path, (kb.list_questions, company, None))[0]
    assert item.entry_id is None
    # An import that replaces the knowledge base: the new entries get new ids as well.
    run(path, (kb.delete_company_entries, company))
    again = run(path, (kb.create_entries, company, [entry("包邮吗"), entry("几天到货")], NOW))[0]
    assert not set(again) & {first, newest, added}
    assert min(again) > added


def test_an_upgraded_knowledge_base_starts_above_every_id_it_refers_to(tmp_path: Path) -> None:
    """Entries deleted before the upgrade: their ids, still in bot answers and the list, are
    not given again after it."""
    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=NOW, migrations=MIGRATIONS[:20])
    company, site = run(path, (seed,))[0]
    ids = run(path, (kb.create_entries, company, [entry(f"问题{n}") for n in range(5)], NOW))[0]
    run(path, (kb.log_answer, site, None, "问", Action.SUGGEST, ids[3:], NOW),
        (kb.note_question, company, site, "问", ImproveReason.DOWNVOTED, ids[2], NOW))
    for gone in ids[2:]:
        run(path, (kb.delete_entry, gone))
    db = apsw.Connection(str(path))  # as the code before the upgrade left it
    db.execute("UPDATE kb_question SET entry_id = ?", (ids[2],))
    db.close()
    migrate(path, tmp_path / "backups", now=NOW)
    [added] = run(path, (kb.create_entries, company, [entry("新问题")], NOW))[0]
    assert added > max(ids)
    [item] = run(path, (kb.list_questions, company, None))[0]
    assert item.entry_id is None  # it named an entry deleted before the upgrade
