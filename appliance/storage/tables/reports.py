"""Tables: The reports' aggregates and the agents' status log."""

from __future__ import annotations

import peewee as pw
from playhouse.apsw_ext import DateTimeField

from appliance.storage.tables.base import BaseTable


class ReportAggRow(BaseTable):
    """Counts and sums of one metric per company, local period, site, team, agent and key
    (migration 12; see storage/report_aggregates.py)."""

    company_id = pw.IntegerField()
    metric = pw.TextField()
    period = pw.TextField()
    site_id = pw.IntegerField()
    team_id = pw.IntegerField()
    agent_id = pw.IntegerField()
    key = pw.TextField()
    n = pw.IntegerField()
    total = pw.FloatField()

    class Meta:
        table_name = "report_agg"
        primary_key = pw.CompositeKey("company_id", "metric", "period", "site_id", "team_id",
                                      "agent_id", "key")
        without_rowid = True


class ReportFactRow(BaseTable):
    """What one conversation or invitation added to the aggregates, and from what."""

    source = pw.TextField()
    row_id = pw.IntegerField()
    company_id = pw.IntegerField()
    fingerprint = pw.TextField()
    contrib = pw.TextField()  # JSON

    class Meta:
        table_name = "report_fact"
        primary_key = pw.CompositeKey("source", "row_id")
        without_rowid = True


class ReportMarkRow(BaseTable):
    """How far the aggregates have read each growing source; `zones`: the time zones used."""

    source = pw.TextField(primary_key=True)
    last_id = pw.IntegerField()
    timezones = pw.TextField()

    class Meta:
        table_name = "report_mark"


class AgentStatusRow(BaseTable):
    """One span of an agent's effective status (online, busy, away) at the workbench."""

    user_id = pw.IntegerField()
    status = pw.TextField()
    started_at = DateTimeField()
    ended_at = DateTimeField()

    class Meta:
        table_name = "agent_status"
        indexes = ((("user_id", "started_at"), False),)
