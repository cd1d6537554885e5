"""Raw rows written straight into a real appliance's database (its writer), for reports tests:
conversations with their messages, visits and page views, invitations, leads, status spans."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.storage.database import bound_database

if TYPE_CHECKING:
    from pathlib import Path

    from appliance.services.context import Services

_serial = itertools.count(1)


def insert(table: str, **cols: Any) -> int:
    """On the writer: one row; datetimes stored as peewee stores them."""
    values = [str(v) if isinstance(v, datetime) else v for v in cols.values()]
    db = bound_database.obj
    db.execute_sql(f'INSERT INTO "{table}" ({", ".join(cols)}) '
                   f'VALUES ({", ".join("?" * len(cols))})', values)
    return int(db.execute_sql("SELECT last_insert_rowid()").fetchone()[0])


def visitor(site_id: int, at: datetime) -> int:
    n = next(_serial)
    return insert("visitor", site_id=site_id, token_hash=f"seed-{n}-{at.timestamp()}", name="",
                  email="", phone="", attributes="{}", page_url="", page_title="", referrer="",
                  user_agent="", first_seen_at=at, last_seen_at=at)


def visit(visitor_id: int, site_id: int, at: datetime, *, number: int = 1,
          kind: str = "direct", source: str = "", keyword: str = "",
          entry: str = "https://www.example.com/", device: str = "desktop",
          country: str = "中国", province: str = "", pages: list[datetime] | None = None) -> int:
    pages = pages or [at]
    visit_id = insert("visit", visitor_id=visitor_id, site_id=site_id, number=number,
                      started_at=at, last_seen_at=pages[-1], entry_url=entry, entry_title="",
                      referrer="", source_kind=kind, source_name=source, keyword=keyword,
                      campaign="", user_agent="", browser="", os="", device=device,
                      language="zh-CN", ip="", ip_truncated=0, country=country,
                      province=province, city="", page_count=len(pages))
    for position, moment in enumerate(pages):
        insert("page_view", visit_id=visit_id, visitor_id=visitor_id, tab="t-1", url=entry,
               title="", started_at=moment, seconds=0, position=position)
    return visit_id


def conversation(site_id: int, visitor_id: int, at: datetime, messages: list[tuple],
                 *, status: str = "closed", assignee: int | None = None,
                 closed_at: datetime | None = None, missed: bool = False,
                 rating: int | None = None, team_id: int | None = None) -> int:
    """`messages`: (at, sender type, sender id, kind, body[, client id])."""
    first_reply = next((m[0] for m in messages if m[1] == "agent" and m[3] != "note"), None)
    cid = insert("conversation", site_id=site_id, visitor_id=visitor_id, status=status,
                 assignee_id=assignee, last_seq=len(messages), visitor_last_seq=0,
                 agent_read_seq=0, visitor_read_seq=0, unread=0, created_at=at,
                 last_activity_at=messages[-1][0] if messages else at, closed_at=closed_at,
                 team_id=team_id, first_response_at=first_reply, missed=int(missed),
                 rating=rating, rating_comment="")
    for seq, message in enumerate(messages, start=1):
        moment, sender_type, sender_id, kind, body, *rest = message
        insert("message", conversation_id=cid, seq=seq,
               client_id=rest[0] if rest else f"seed-{cid}-{seq}-{next(_serial)}",
               sender_type=sender_type, sender_id=sender_id, sender_name="x", kind=kind,
               body=body, created_at=moment)
    return cid


def invitation(site_id: int, visitor_id: int, at: datetime, status: str, *,
               rule_id: int | None = None, agent_id: int | None = None,
               conversation_id: int | None = None, page: str = "https://www.example.com/") -> int:
    return insert("invitation", site_id=site_id, visitor_id=visitor_id, visit_id=None,
                  agent_id=agent_id, rule_id=rule_id, message="hi", page_url=page,
                  status=status, created_at=at, answered_at=None,
                  conversation_id=conversation_id)


def lead(company_id: int, site_id: int, conversation_id: int, at: datetime, *,
         effective: bool, agent_id: int | None = None) -> int:
    """A lead saved at `at` in the conversation (it counts on the day its chat started)."""
    chat_started = bound_database.obj.execute_sql(
        'SELECT "created_at" FROM "conversation" WHERE "id" = ?', (conversation_id,)).fetchone()
    return insert("lead", company_id=company_id, site_id=site_id,
                  chat_started_at=chat_started[0] if chat_started else at,
                  conversation_id=conversation_id, visitor_id=None, customer_id=None,
                  agent_id=agent_id, agent_name="", name="n", phone="", email="", wechat="",
                  qq="", need="x", category="", intent="", follow_up_date=None,
                  source="direct", keyword="", landing_page="", effective=int(effective),
                  duplicate_of=None, created_at=at, updated_at=at)


def span(user_id: int, status: str, start: datetime, end: datetime) -> int:
    return insert("agent_status", user_id=user_id, status=status, started_at=start,
                  ended_at=end)


def quiet_services(path: Path, now: datetime) -> Services:
    """A started `Database` on a migrated file and services over it whose events go nowhere
    and whose clock stands at `now` (close `svc.db` at the end)."""
    import time

    from appliance.services.context import Services
    from appliance.storage.database import Database
    from appliance.storage.migrations import migrate

    migrate(path, path.parent / "backups", now=now)
    db = Database(path)
    db.start()
    return Services(db=db, events=type("Sink", (), {"publish": lambda self, e: None})(),
                    clock=lambda: now, monotonic=time.monotonic)
