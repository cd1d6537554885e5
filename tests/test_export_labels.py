"""Exports in people's words (`?lang=zh-CN|en`): every sheet name, header and summary item of
every report kind and of the effective-consultation (billing) workbook has a label, built
through the product from the reports' dataset; without `lang` the machine names of before."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from python_calamine import CalamineWorkbook
from test_reports import RANGE, TABLES, world  # noqa: F401

from appliance.services import export_labels as labels
from appliance.services.export_labels import COLUMNS, SHEETS

LANGS = ("zh-CN", "en")
# The machine names every export had before `lang` (docs/api.md), which scripts may read.
HEADERS = {
    "summary": ["item", "value"],
    "traffic.series": ["period", "visits", "new_visitors", "page_views", "chats"],
    "sources": ["kind", "source", "visits"],
    "keywords": ["keyword", "visits"],
    "entry_pages": ["page", "visits"],
    "devices": ["device", "visits"],
    "regions": ["country", "province", "visits"],
    "chats.series": ["period", "chats", "answered", "missed", "left_messages",
                     "first_response_median"],
    "heatmap": ["weekday", *(f"{h:02d}" for h in range(24))],
    "agents": ["agent_id", "agent", "chats", "answered", "first_response_median",
               "first_response_p90", "first_response_average", "first_response_count",
               "rating_average", "rating_count", "rating_1", "rating_2", "rating_3", "rating_4",
               "rating_5", "chat_seconds", "average_load", "online_seconds", "busy_seconds",
               "away_seconds"],
    "load_series": ["period", "agent_id", "agent", "chat_seconds", "average_load"],
    "funnel": ["invitations", "accepted", "chats", "leads", "effective"],
    "by_rule": ["rule_id", "invitations", "accepted", "chats", "leads", "effective"],
    "by_source": ["source", "visits", "invitations", "accepted", "chats", "leads", "effective"],
    "by_keyword": ["keyword", "visits", "invitations", "accepted", "chats", "leads",
                   "effective"],
    "by_page": ["page", "visits", "invitations", "accepted", "chats", "leads", "effective"],
}
TIMED = [f"{t}_{s}" for t in ("first_response", "duration", "queue_wait", "left_message_answer")
         for s in ("median", "p90", "average", "count")]
ITEMS = {"traffic": ["from", "to", "timezone", "visits", "new_visitors", "returning_visits",
                     "page_views", "chats", "chat_rate"],
         "chats": ["from", "to", "timezone", "chats", "answered", "missed", "unanswered",
                   "left_messages", "left_messages_answered", "transfers", "bot_only", "queued",
                   "human", "rated", *TIMED]}
LEAD_SHEETS = ["summary", "by day", "by site", "by source", "by keyword", "by agent", "leads"]
LEAD_HEADERS = {"summary": ["item", "value"], "by day": ["day", "leads", "effective (billable)"],
                "by site": ["site", "leads", "effective (billable)"],
                "by source": ["source", "leads", "effective (billable)"],
                "by keyword": ["keyword", "leads", "effective (billable)"],
                "by agent": ["agent", "leads", "effective (billable)"],
                "leads": ["id", "created_at", "site", "source", "keyword", "agent", "name",
                          "phone", "email", "wechat", "qq", "need", "category", "intent",
                          "effective", "duplicate_of", "chat_started_at"]}
LEAD_ITEMS = ["period", "time zone", "leads", "effective", "duplicates", "billable"]


def _book(client: Any, path: str, **query: str) -> dict[str, list[list[Any]]]:
    r = client.get(path, params={**RANGE, "format": "xlsx", **query})
    assert r.status_code == 200, r.text
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _csv(client: Any, path: str, **query: str) -> tuple[bytes, list[list[str]]]:
    r = client.get(path, params={**RANGE, "format": "csv", **query})
    assert r.status_code == 200, r.text
    return r.content, list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def _routes(w: dict[str, Any]) -> list[tuple[Any, str, str]]:
    """(client, path, kind) of every export: each report kind and the leads workbook
    ("leads"), the staff's and the portal's."""
    a = w["a"]
    found = [(w["owner"], f"/api/companies/{a}/reports/{kind}/export", kind) for kind in TABLES]
    found += [(w["client-a"], f"/api/portal/reports/{kind}/export", kind)
              for kind in TABLES if kind != "agents"]
    return [*found, (w["owner"], f"/api/companies/{a}/reports/export", "leads"),
            (w["client-a"], "/api/portal/reports/export", "leads")]


def _header_of(kind: str, table: str) -> list[str]:
    return HEADERS.get(f"{kind}.{table}") or HEADERS[table]


def test_without_lang_every_export_keeps_its_machine_names(world) -> None:  # noqa: F811
    for client, path, kind in _routes(world):
        book = _book(client, path)
        if kind == "leads":
            assert list(book) == LEAD_SHEETS, path
            for sheet, rows in book.items():
                assert rows[0] == LEAD_HEADERS[sheet], (path, sheet)
            assert [row[0] for row in book["summary"][1:]] == LEAD_ITEMS
            raw, rows = _csv(client, path)
            assert raw.startswith(("\ufeff" + ",".join(LEAD_HEADERS["leads"]) + "\r\n")
                                  .encode()), raw[:200]
            assert rows[1][LEAD_HEADERS["leads"].index("effective")] in ("0", "1")
            continue
        assert list(book) == list(TABLES[kind]), path
        for table in TABLES[kind]:
            want = _header_of(kind, table)
            assert book[table][0] == want, (path, table)
            raw, rows = _csv(client, path, table=table)
            assert raw.startswith(("\ufeff" + ",".join(want) + "\r\n").encode()), raw[:200]
            assert rows == _csv(client, path, table=table, lang="")[1]  # blank: absent
        if kind in ITEMS:
            assert [row[0] for row in book["summary"][1:]] == ITEMS[kind], path
        if kind == "chats":
            assert [row[0] for row in book["heatmap"][1:]] == [
                "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_sheet_header_and_item_has_a_label_in_each_language(world, lang) -> None:  # noqa: F811
    """Each export, with `lang`: no sheet name, header or summary item is its machine key
    (the hours 00–23 of the heat map are numbers, the same in both languages), each is the
    table's label, and the CSV of a table has the header of its sheet."""
    def words(table: dict[str, tuple[str, str]], key: str) -> str:
        return table[key][LANGS.index(lang)]

    for client, path, kind in _routes(world):
        machine, shown = _book(client, path), _book(client, path, lang=lang)
        assert len(shown) == len(machine), path
        for (key, rows), (name, local) in zip(machine.items(), shown.items(), strict=True):
            assert name == words(SHEETS, key) != key, (path, key, name)
            assert len(local) == len(rows), (path, key)
            for was, now in zip(rows[0], local[0], strict=True):
                if was.isdigit():
                    assert now == was
                    continue
                column = kind_grain_key(was)
                assert now == words(COLUMNS, column) != was, (path, key, was, now)
            if rows[0] == ["item", "value"]:
                for was, now in zip(rows[1:], local[1:], strict=True):
                    assert now[0] == words(COLUMNS, was[0]) != was[0], (path, was[0], now[0])
                    assert now[1:] == was[1:]
            if kind != "leads":
                assert _csv(client, path, table=key, lang=lang)[1][0] == local[0], (path, key)
        if kind == "leads":
            assert _csv(client, path, lang=lang)[1][0] == list(shown.values())[-1][0]


def kind_grain_key(header: str) -> str:
    """A series' `period` column is named by the report's grain (the dataset's: day)."""
    return "day" if header == "period" else header


def test_coded_cells_are_words_and_data_stays_as_it_is(world) -> None:  # noqa: F811
    owner, a = world["owner"], world["a"]
    base = f"/api/companies/{a}/reports"
    chats = _book(owner, f"{base}/chats/export", lang="zh-CN")
    assert [row[0] for row in chats["对话时段"][1:]] == [
        "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
    traffic = _book(owner, f"{base}/traffic/export", lang="en")
    assert [row[:2] for row in traffic["Sources"][1:]] == [
        ["Direct", "Direct"], ["Search engine", "百度"], ["Website", "example.org"]]
    assert {row[0] for row in traffic["Devices"][1:]} == {"Desktop", "Phone"}
    assert {row[0] for row in traffic["Keywords"][1:]} == {"牙齿矫正"}  # data
    assert traffic["Entry pages"][1][0].startswith("https://www.example.com/")
    conversion = _book(owner, f"{base}/conversion/export", lang="zh-CN")
    assert [row[0] for row in conversion["按邀请规则"][1:]] == [77, "客服手动邀请"]
    assert conversion["按来源"][1][0] == "直接访问"
    leads = _book(owner, f"{base}/export", lang="zh-CN")["线索明细"]
    header = leads[0]
    assert sorted(row[header.index("有效咨询")] for row in leads[1:]) == ["否", "是"]
    assert {row[header.index("来源")] for row in leads[1:]} == {"直接访问"}
    assert {row[header.index("站点")] for row in leads[1:]} == {"官网"}
    # The week grain names the series' period column.
    series = _csv(owner, f"{base}/chats/export", table="series", grain="week", lang="en")[1]
    assert series[0][0] == "Week"


def test_a_lang_other_than_zh_cn_or_en_is_refused_before_any_work(world) -> None:  # noqa: F811
    for client, path, _ in _routes(world):
        for lang in ("fr", "zh", "EN", "zh-cn"):
            # `from` is bad too: `lang` is judged first, as `format` (which comes before it).
            r = client.get(path, params={"lang": lang, "from": "2026-13-01"})
            assert r.status_code == 400, (path, lang, r.text)
            assert (r.json()["error"]["code"], r.json()["error"]["field"]) == ("invalid",
                                                                               "lang"), r.text
        r = client.get(path, params={"lang": "fr", "format": "pdf"})
        assert r.json()["error"]["field"] == "format", path


def test_the_tables_of_labels() -> None:
    """XLSX sheet names: at most 31 characters, none of []:*?/\\, distinct (as Excel compares
    them, ignoring case) within every workbook an export or the report mail makes."""
    mail = [*LEAD_SHEETS, "chats", "traffic", "agents"]
    workbooks = [list(tables) for tables in TABLES.values()] + [LEAD_SHEETS, mail]
    for lang in LANGS:
        for sheets in workbooks:
            names = [labels.sheet_label(s, lang) for s in sheets]
            assert all(n != s for n, s in zip(names, sheets, strict=True)), names
            assert len({n.casefold() for n in names}) == len(names), names
        for key in SHEETS:
            name = labels.sheet_label(key, lang)
            assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
            assert name.strip() == name and not name.startswith("'"), name
    assert labels.column_label("no_such_column", "en") == "no_such_column"
    assert labels.sheet_label("no_such_sheet", "zh-CN") == "no_such_sheet"
    assert labels.localise(("summary", ("item", "value"), [["x", 1]]), None) == (
        "summary", ("item", "value"), [["x", 1]])
    # Units where a figure has one.
    assert labels.column_label("first_response_median", "zh-CN") == "首次响应中位数（秒）"
    assert labels.column_label("first_response_median", "en") == "First response, median (s)"
    assert labels.column_label("effective (billable)", "zh-CN") == "有效咨询（计费）"
    assert labels.column_label("effective (billable)", "en") == "Effective (billable)"
    assert labels.clean_lang(None) is None and labels.clean_lang("en") == "en"
