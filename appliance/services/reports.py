"""Reports per client company: effective consultations by day/week/month, site, source,
keyword and agent; the CSV/XLSX a team sends to bill its client; and the scheduled mail
(weekly or monthly, in the company's time zone, once per period even across restarts)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.events import OutboxChanged
from appliance.domain.leads import Lead
from appliance.domain.mail import MAIL, MailFile
from appliance.domain.model import Company
from appliance.domain.reports import (
    GRAINS,
    SCHEDULES,
    Period,
    Report,
    build_report,
    local_date,
    previous_period,
    recipients_of,
    utc_start,
    zone,
)
from appliance.services.context import Services, on_writer
from appliance.services.export_labels import MAIL_LANGUAGE, localise
from appliance.services.leads import EVERY_LEAD, LeadReach, period_of
from appliance.services.phones import display_phone
from appliance.services.spreadsheets import CSV_TYPE, XLSX_TYPE, write_csv, write_xlsx
from appliance.storage import accounts
from appliance.storage import leads as store
from appliance.storage import sites as site_store
from appliance.storage.database import Database
from appliance.storage.mail import enqueue_mail

log = logging.getLogger(__name__)
LEADS_MAX = 100_000
FORMATS = ("csv", "xlsx")
# `chat_started_at` (the day a lead counts on) last: the columns before it keep their places
# for spreadsheets made from earlier exports.
LEAD_COLUMNS = ("id", "created_at", "site", "source", "keyword", "agent", "name", "phone",
                "email", "wechat", "qq", "need", "category", "intent", "effective",
                "duplicate_of", "chat_started_at")


def clean_grain(value: str | None) -> str:
    return v.clean_choice(value or "day", "grain", GRAINS)


async def _leads_in(db: Database, company: Company, period: Period,
                   reach: LeadReach = EVERY_LEAD) -> list[Lead]:
    """The leads whose chat started in the period (the day a lead counts on)."""
    tz = zone(company.settings.timezone)
    _, found = await db.read(lambda: store.list_leads(
        company.id, start=utc_start(period.start, tz), end=utc_start(period.end, tz),
        site_ids=reach.sites, served_by=reach.agent, limit=LEADS_MAX))
    return found


async def company_report(svc: Services, company: Company, start: str | None, end: str | None,
                         grain: str | None, reach: LeadReach = EVERY_LEAD
                         ) -> tuple[Report, list[Lead]]:
    """Counted from the leads the caller may list (`reach`): a supervisor's of their sites;
    an agent's of the chats they served, and of the agents only their own row."""
    period, _, _ = period_of(company, start, end, svc.now())
    grain = clean_grain(grain)
    found = await _leads_in(svc.db, company, period, reach)
    report = build_report(company.id, found, period, company.settings.timezone, grain)
    if reach.agent is not None:
        report = replace(report, by_agent=[row for row in report.by_agent
                                           if row[0] == reach.agent])
    return report, found


async def _names(db: Database) -> tuple[dict[int, str], dict[int, str]]:
    sites = {s.id: s.name for s in await db.read(site_store.list_sites)}
    users = {u.id: u.display_name for u in await db.read(accounts.list_users)}
    return sites, users


async def labels(db: Database, report: Report,
                 reach: LeadReach = EVERY_LEAD) -> dict[str, dict[str, str]]:
    """Names for a report's ids: the company's sites the caller reads, and the people who
    captured its leads."""
    sites, users = await _names(db)
    own = [i for i in await db.read(site_store.site_ids_of_company, report.company_id)
           if reach.sites is None or i in reach.sites]
    agents = {a for a, _, _ in report.by_agent if a is not None}
    return {"sites": {str(i): sites[i] for i in own if i in sites},
            "agents": {str(i): users[i] for i in agents if i in users}}


def _sheets(report: Report, leads: list[Lead], sites: dict[int, str],
            users: dict[int, str]) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    tz = zone(report.timezone)
    summary: list[list[Any]] = [["period", report.period.label], ["time zone", report.timezone],
               ["leads", report.leads], ["effective", report.effective],
               ["duplicates", report.duplicates], ["billable", report.billable]]
    header = ("leads", "effective (billable)")
    return [
        ("summary", ("item", "value"), summary),
        (f"by {report.grain}", (report.grain, *header), [list(r) for r in report.by_period]),
        ("by site", ("site", *header),
         [[sites.get(s, f"#{s}"), n, b] for s, n, b in report.by_site]),
        ("by source", ("source", *header), [list(r) for r in report.by_source]),
        ("by keyword", ("keyword", *header), [list(r) for r in report.by_keyword]),
        ("by agent", ("agent", *header),
         [[users.get(a, "") if a else "", n, b] for a, n, b in report.by_agent]),
        ("leads", LEAD_COLUMNS, [[
            lead.id, local_time(lead.created_at, tz), sites.get(lead.site_id, ""),
            lead.source, lead.keyword, lead.agent_name, lead.name, display_phone(lead.phone),
            lead.email, lead.wechat, lead.qq, lead.need, lead.category, lead.intent,
            "1" if lead.effective else "0", lead.duplicate_of or "",
            local_time(lead.chat_started_at, tz)] for lead in leads]),
    ]


def local_time(moment: datetime, tz: Any) -> str:
    return moment.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def report_file(db: Database, report: Report, leads: list[Lead],
                      fmt: str, lang: str | None = None) -> tuple[bytes, str]:
    """The report as XLSX (a sheet per breakdown and the leads) or CSV (the leads), in machine
    names or in `lang`'s words (export_labels)."""
    fmt = v.clean_choice(fmt, "format", FORMATS)
    sites, users = await _names(db)
    sheets = [localise(sheet, lang) for sheet in _sheets(report, leads, sites, users)]
    if fmt == "csv":
        _, header, rows = sheets[-1]
        return write_csv(header, rows), CSV_TYPE
    return write_xlsx(sheets), XLSX_TYPE


def file_name(company: Company, period: Period, fmt: str) -> str:
    return f"report-{company.id}-{period.label.replace('..', '_')}.{fmt}"


# -- the scheduled mail ---------------------------------------------------------------------

class ReportAttachments:
    """Makes a report mail's XLSX when the mail is sent (the outbox keeps only the spec), in
    MAIL_LANGUAGE's words."""

    def __init__(self, db: Database, svc: Services | None = None) -> None:
        self.db = db
        self.svc = svc  # set once the services exist (runtime.py): adds the activity sheets

    async def __call__(self, spec: dict[str, Any]) -> MailFile:
        if spec.get("kind") != "report":
            raise ValueError(f"unknown attachment kind {spec.get('kind')!r}")
        company = await self.db.read(site_store.get_company, int(spec["company_id"]))
        start, end = date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"])
        period = Period(start, end, str(spec.get("label", start.isoformat())))
        found = await _leads_in(self.db, company, period)
        report = build_report(company.id, found, period, company.settings.timezone, "day")
        sites, users = await _names(self.db)
        sheets = _sheets(report, found, sites, users)
        if self.svc is not None:
            sheets += await _activity_sheets(self.svc, company, period)
        sheets = [localise(sheet, MAIL_LANGUAGE) for sheet in sheets]
        return MailFile(str(spec.get("name") or "report.xlsx"), write_xlsx(sheets), XLSX_TYPE)


async def _activity_sheets(svc: Services, company: Company, period: Period
                           ) -> list[tuple[str, tuple[str, ...], list[list[Any]]]]:
    """The chats, traffic and agents of the period, a sheet each (summary and per agent)."""
    from appliance.services import report_exports, report_views

    found = []
    for kind, table in (("chats", "summary"), ("traffic", "summary"), ("agents", "agents")):
        made = await report_views.for_period(svc, company, kind, period)
        labels = {"agents": await _agent_names(svc.db)}
        _, header, rows = next(t for t in report_exports.tables(made, labels) if t[0] == table)
        found.append((kind, header, rows))
    return found


async def _agent_names(db: Database) -> dict[str, str]:
    return {str(u.id): u.display_name for u in await db.read(accounts.list_users)}


def report_mail_text(company: Company, report: Report,
                     activity: dict[str, Any] | None = None) -> tuple[str, str]:
    label = report.period.label
    subject = f"[{company.name}] 报表 / Report {label}"
    last_day = report.period.end - timedelta(days=1)  # `end` is exclusive: the day after
    lines = [f"{company.name} — {label} ({report.period.start} – {last_day}, "
             f"{report.timezone})", ""]
    if activity is not None:
        chats, traffic = activity["chats"]["totals"], activity["traffic"]["totals"]
        median = activity["chats"]["first_response"]["median"]
        lines += [f"对话 / Chats: {chats['chats']}",
                  f"已回复 / Answered: {chats['answered']}",
                  f"未接 / Missed: {chats['missed']}",
                  "首次响应中位数 / First response (median): "
                  + ("-" if median is None else f"{median} s"),
                  f"访问 / Visits: {traffic['visits']}", ""]
    lines += [f"有效咨询 / Effective consultations (billable): {report.billable}",
              f"全部线索 / All leads: {report.leads}",
              f"重复 / Duplicates: {report.duplicates}", "",
              "明细见附件 / Details in the attached XLSX.", ""]
    return subject, "\n".join(lines)


async def send_due_reports(svc: Services, now: datetime | None = None) -> list[str]:
    """Queue each company's scheduled reports for the last complete day, week or month, once
    per schedule and period: the run is recorded (unique per company, schedule and period)
    in the same transaction as its mails. Returns what was queued ("<company id>:<label>")."""
    moment = now or svc.now()
    queued: list[str] = []
    for company in await svc.db.read(site_store.list_companies):
        settings = company.settings
        for schedule in SCHEDULES[1:]:
            addresses = recipients_of(schedule, settings.report_schedule,
                                      settings.report_emails, settings.report_recipients)
            if addresses and await _queue_report(svc, company, schedule, addresses, moment):
                period = previous_period(schedule, local_date(moment, zone(settings.timezone)))
                queued.append(f"{company.id}:{period.label}")
    return queued


async def _queue_report(svc: Services, company: Company, schedule: str, addresses: list[str],
                        moment: datetime) -> bool:
    from appliance.services import report_views

    settings = company.settings
    period = previous_period(schedule, local_date(moment, zone(settings.timezone)))
    found = await _leads_in(svc.db, company, period)
    report = build_report(company.id, found, period, settings.timezone, "day")
    activity = {kind: await report_views.for_period(svc, company, kind, period)
                for kind in ("chats", "traffic")}
    subject, body = report_mail_text(company, report, activity)
    spec = {"kind": "report", "company_id": company.id, "start": period.start.isoformat(),
            "end": period.end.isoformat(), "label": period.label,
            "name": file_name(company, period, "xlsx")}
    queued_at = svc.now()  # `now` may be a test's idea of the date; the mail goes now

    sent = await svc.commit(on_writer(_queue_report_job, company.id, schedule, period.label,
                                      list(addresses), subject, body, spec, queued_at),
                            lambda sent: [OutboxChanged(MAIL)] if sent else [])
    if sent:
        log.info("queued the %s report %s of company %d", schedule, period.label, company.id)
    return sent


def _queue_report_job(company_id: int, schedule: str, label: str, addresses: list[str],
                      subject: str, body: str, spec: dict[str, Any], queued_at: datetime) -> bool:
    if not store.claim_report_run(company_id, schedule, label, queued_at):
        return False
    for address in addresses:
        enqueue_mail(address, subject, body, queued_at, (spec,))
    return True
