"""A company's settings for customers, leads and reports: checks, and their stored form."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from appliance.domain import validation as v
from appliance.domain.customers import clean_custom_fields
from appliance.domain.leads import clean_required
from appliance.domain.model import CompanySettings, CustomField
from appliance.domain.reports import SCHEDULES, clean_emails, clean_recipients, clean_timezone

FIELDS = ("timezone", "customer_fields", "lead_required", "duplicate_days", "report_schedule",
          "report_emails", "report_recipients", "retention_days")
RETENTION_DAYS_MAX = 3650
DUPLICATE_DAYS_MAX = 365  # the widest duplicate-lead window a company may set


def clean_settings(body: dict[str, Any], current: CompanySettings) -> CompanySettings:
    """`current` with the settings present in `body` (a company's PATCH) checked and applied;
    a refused one is named by its path (`settings.retention_days`)."""
    with v.named_under("settings"):
        return _cleaned(body, current)


def _cleaned(body: dict[str, Any], current: CompanySettings) -> CompanySettings:
    changes: dict[str, Any] = {}
    if "timezone" in body:
        changes["timezone"] = clean_timezone(body["timezone"])
    if "customer_fields" in body:
        changes["customer_fields"] = clean_custom_fields(body["customer_fields"])
    if "lead_required" in body:
        changes["lead_required"] = clean_required(body["lead_required"])
    if "duplicate_days" in body:
        changes["duplicate_days"] = v.clean_int(body["duplicate_days"], "duplicate_days", 0,
                                                DUPLICATE_DAYS_MAX)
    if "report_schedule" in body:
        changes["report_schedule"] = v.clean_choice(body["report_schedule"], "report_schedule",
                                                    SCHEDULES)
    if "report_emails" in body:
        changes["report_emails"] = clean_emails(body["report_emails"])
    if "report_recipients" in body:
        changes["report_recipients"] = clean_recipients(body["report_recipients"])
    if "retention_days" in body:
        changes["retention_days"] = v.clean_int(body["retention_days"], "retention_days", 0,
                                                RETENTION_DAYS_MAX)
    return replace(current, **changes)


def settings_json(settings: CompanySettings) -> dict[str, Any]:
    return {
        "timezone": settings.timezone,
        "customer_fields": [{"key": f.key, "label": f.label, "type": f.type,
                             "choices": list(f.choices)} for f in settings.customer_fields],
        "lead_required": list(settings.lead_required),
        "duplicate_days": settings.duplicate_days,
        "report_schedule": settings.report_schedule,
        "report_emails": list(settings.report_emails),
        "report_recipients": [{"email": e, "schedule": s}
                              for e, s in settings.report_recipients],
        "retention_days": settings.retention_days,
    }


def settings_from_json(data: dict[str, Any]) -> CompanySettings:
    """The stored form back (written by settings_json, so trusted); defaults fill gaps."""
    default = CompanySettings()
    return CompanySettings(
        timezone=data.get("timezone", default.timezone),
        customer_fields=tuple(CustomField(f["key"], f["label"], f["type"],
                                          tuple(f.get("choices", ())))
                              for f in data.get("customer_fields", ())),
        lead_required=tuple(data.get("lead_required", default.lead_required)),
        duplicate_days=int(data.get("duplicate_days", default.duplicate_days)),
        report_schedule=data.get("report_schedule", default.report_schedule),
        report_emails=tuple(data.get("report_emails", ())),
        report_recipients=tuple((r["email"], r["schedule"])
                                for r in data.get("report_recipients", ())),
        retention_days=int(data.get("retention_days", 0)),
    )
