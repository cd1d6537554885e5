"""The tables of each report as CSV (one table) or XLSX (a sheet per table), cells escaped so
no spreadsheet runs them as formulas; in machine names, or in Chinese or English words."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.services.export_labels import localise
from appliance.services.spreadsheets import CSV_TYPE, XLSX_TYPE, write_csv, write_xlsx

FORMATS = ("csv", "xlsx")
TABLES = {
    "traffic": ("summary", "series", "sources", "keywords", "entry_pages", "devices",
                "regions"),
    "chats": ("summary", "series", "heatmap"),
    "agents": ("agents", "load_series"),
    "conversion": ("funnel", "by_rule", "by_source", "by_keyword", "by_page"),
}
Table = tuple[str, tuple[str, ...], list[list[Any]]]
_COUNTS = ("invitations", "accepted", "chats", "leads", "effective")
_TIMING = ("median", "p90", "average", "count")
# The flattened JSON fields of each list table's rows, for the header of an empty table
# (a table with rows takes its header from them; tests keep the two the same).
COLUMNS: dict[str, tuple[str, ...]] = {
    "traffic.series": ("period", "visits", "new_visitors", "page_views", "chats"),
    "sources": ("kind", "source", "visits"),
    "keywords": ("keyword", "visits"),
    "entry_pages": ("page", "visits"),
    "devices": ("device", "visits"),
    "regions": ("country", "province", "visits"),
    "chats.series": ("period", "chats", "answered", "missed", "left_messages",
                     "first_response_median"),
    "agents": ("agent_id", "chats", "answered", *(f"first_response_{t}" for t in _TIMING),
               "rating_average", "rating_count", *(f"rating_{n}" for n in range(1, 6)),
               "chat_seconds", "average_load", "online_seconds", "busy_seconds",
               "away_seconds"),
    "load_series": ("period", "agent_id", "chat_seconds", "average_load"),
    "by_rule": ("rule_id", *_COUNTS),
    "by_source": ("source", "visits", *_COUNTS),
    "by_keyword": ("keyword", "visits", *_COUNTS),
    "by_page": ("page", "visits", *_COUNTS),
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    for name, n in inner.items():
                        out[f"{key}_{name}"] = n
                else:
                    out[f"{key}_{sub}"] = inner
        else:
            out[key] = value
    return out


def _named(row: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    """Ids followed by their names."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        out[key] = value
        for field, group, name in (("agent_id", "agents", "agent"), ("site_id", "sites", "site"),
                                   ("team_id", "teams", "team")):
            if key == field:
                out[name] = labels.get(group, {}).get(str(value), "")
    return out


def _table(name: str, rows: list[dict[str, Any]], labels: dict[str, Any],
           columns: tuple[str, ...]) -> Table:
    flat = [_named(_flat(row), labels) for row in rows]
    header: list[str] = [] if flat else list(_named(dict.fromkeys(columns, ""), labels))
    for row in flat:
        for key in row:
            if key not in header:
                header.append(key)
    return name, tuple(header), [[row.get(key, "") for key in header] for row in flat]


def tables(report: dict[str, Any], labels: dict[str, Any]) -> list[Table]:
    kind = report["kind"]
    found: list[Table] = []
    for name in TABLES[kind]:
        if name == "summary":
            summary = {"from": report["from"], "to": last_day(report),
                       "timezone": report["timezone"], **report["totals"]}
            for timing in ("first_response", "duration", "queue_wait", "left_message_answer"):
                if timing in report:
                    summary.update(_flat({timing: report[timing]}))
            found.append(("summary", ("item", "value"), [[k, val] for k, val in summary.items()]))
        elif name == "heatmap":
            found.append(("heatmap", ("weekday", *(f"{h:02d}" for h in range(24))),
                          [[WEEKDAYS[i], *row] for i, row in enumerate(report["heatmap"])]))
        elif name == "funnel":
            found.append(_table("funnel", [report["funnel"]], labels, ()))
        else:
            columns = COLUMNS.get(f"{kind}.{name}") or COLUMNS[name]
            found.append(_table(name, report[name], labels, columns))
    return found


def export(report: dict[str, Any], labels: dict[str, Any], fmt: str | None,
           table: str | None, lang: str | None = None) -> tuple[bytes, str, str]:
    """(file, media type, extension). `table` is a machine name whatever `lang` (export_labels:
    None keeps the machine names)."""
    fmt = v.clean_choice(fmt or "xlsx", "format", FORMATS)
    made = tables(report, labels)
    if fmt == "csv":
        names = [t[0] for t in made]
        if table not in names:
            raise Invalid(f"table must be one of {', '.join(names)}", field="table")
        _, header, rows = localise(next(t for t in made if t[0] == table), lang,
                                   report["grain"])
        return write_csv(header, rows), CSV_TYPE, "csv"
    if table not in (None, ""):
        made = [t for t in made if t[0] == table]
        if not made:
            raise Invalid("No such table in this report", field="table")
    return write_xlsx([localise(t, lang, report["grain"]) for t in made]), XLSX_TYPE, "xlsx"


def last_day(report: dict[str, Any]) -> str:
    """The report's inclusive end, as asked for (its JSON `to` is the day after)."""
    return (date.fromisoformat(report["to"]) - timedelta(days=1)).isoformat()


def file_name(report: dict[str, Any], ext: str) -> str:
    return f"{report['kind']}-{report['company_id']}-{report['from']}_{last_day(report)}.{ext}"
