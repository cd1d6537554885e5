"""The words of every report export (sheet names, column headers, summary items, coded cells)
in Chinese and English, for `?lang=`; without a language an export keeps its machine names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appliance.domain import validation as v
from appliance.domain.model import LANGUAGES

Table = tuple[str, tuple[str, ...], list[list[Any]]]
Words = tuple[str, str]  # (zh-CN, en)
# The scheduled report mail's attachment: no company or site setting names the language its
# readers (the client company's staff) want — a site's `language` is its widget's, for
# visitors — so the product's default.
MAIL_LANGUAGE = "zh-CN"

_TIMINGS: dict[str, Words] = {
    "first_response": ("首次响应", "First response"),
    "duration": ("对话时长", "Chat length"),
    "queue_wait": ("排队等待", "Queue wait"),
    "left_message_answer": ("留言回复用时", "Left message answered in"),
}
_STATS: dict[str, Words] = {
    "median": ("中位数（秒）", "median (s)"),
    "p90": (" 90% 分位（秒）", "90th percentile (s)"),
    "average": ("平均（秒）", "average (s)"),
    "count": ("样本数", "chats measured"),
}

# Column headers, and the items of a summary table (a summary is one row of such figures).
COLUMNS: dict[str, Words] = {
    "item": ("指标", "Item"),
    "value": ("数值", "Value"),
    "from": ("开始日期", "From"),
    "to": ("结束日期", "To"),
    "timezone": ("时区", "Time zone"),
    "time zone": ("时区", "Time zone"),
    "period": ("期间", "Period"),  # a summary's range; a series' `period` column is its grain
    "day": ("日期", "Day"),
    "week": ("周", "Week"),
    "month": ("月份", "Month"),
    # traffic
    "visits": ("访问次数", "Visits"),
    "new_visitors": ("新访客", "New visitors"),
    "returning_visits": ("回访次数", "Returning visits"),
    "page_views": ("浏览量", "Page views"),
    "chats": ("对话数", "Chats"),
    "chat_rate": ("咨询率（对话数/访问次数，0–1）", "Chat rate (chats per visit, 0–1)"),
    "kind": ("来源类型", "Kind of source"),
    "source": ("来源", "Source"),
    "keyword": ("搜索关键词", "Keyword"),
    "page": ("入口页", "Entry page"),
    "device": ("设备", "Device"),
    "country": ("国家/地区", "Country"),
    "province": ("省份", "Province"),
    # chats
    "answered": ("已回复", "Answered"),
    "missed": ("漏接", "Missed"),
    "unanswered": ("未回复", "Unanswered"),
    "left_messages": ("留言", "Left messages"),
    "left_messages_answered": ("已回复留言", "Left messages answered"),
    "transfers": ("转接", "Transfers"),
    "bot_only": ("仅机器人接待", "Bot only"),
    "human": ("人工接待", "Served by agents"),
    "rated": ("评价数", "Rated"),
    "queued": ("排队过的对话", "Chats that queued"),
    "weekday": ("星期", "Weekday"),
    # agents
    "agent_id": ("客服编号", "Agent ID"),
    "agent": ("客服", "Agent"),
    "site_id": ("站点编号", "Site ID"),
    "site": ("站点", "Site"),
    "team_id": ("团队编号", "Team ID"),
    "team": ("团队", "Team"),
    "rating_average": ("平均评分（1–5 星）", "Rating, average (1–5 stars)"),
    "rating_count": ("评价数", "Ratings"),
    "chat_seconds": ("对话时长合计（秒）", "Chat time (s)"),
    "average_load": ("平均同时接待对话数", "Average concurrent chats"),
    "online_seconds": ("在线时长（秒）", "Online (s)"),
    "busy_seconds": ("忙碌时长（秒）", "Busy (s)"),
    "away_seconds": ("离开时长（秒）", "Away (s)"),
    # conversion
    "rule_id": ("邀请规则编号", "Invitation rule ID"),
    "invitations": ("邀请展示", "Invitations shown"),
    "accepted": ("接受邀请", "Invitations accepted"),
    "leads": ("全部线索", "All leads"),
    "effective": ("有效咨询", "Effective"),
    # the effective-consultation (billing) workbook
    "effective (billable)": ("有效咨询（计费）", "Effective (billable)"),
    "billable": ("有效咨询（计费）", "Effective (billable)"),
    "duplicates": ("重复线索", "Duplicates"),
    "id": ("线索编号", "Lead ID"),
    "created_at": ("保存时间", "Saved at"),
    "name": ("姓名", "Name"),
    "phone": ("手机", "Phone"),
    "email": ("邮箱", "Email"),
    "wechat": ("微信", "WeChat"),
    "qq": ("QQ", "QQ number"),
    "need": ("需求", "Need"),
    "category": ("需求分类", "Category"),
    "intent": ("意向", "Intent"),
    "duplicate_of": ("重复于线索编号", "Duplicate of lead ID"),
    "chat_started_at": ("对话开始时间", "Chat started at"),
    **{f"{timing}_{stat}": (zt + zs, f"{et}, {es}")
       for timing, (zt, et) in _TIMINGS.items() for stat, (zs, es) in _STATS.items()},
    **{f"rating_{n}": (f"{n} 星评价数", f"{n}-star ratings") for n in range(1, 6)},
}

# Sheet names (at most 31 characters, none of []:*?/\ — a test checks).
SHEETS: dict[str, Words] = {
    "summary": ("汇总", "Summary"),
    "series": ("趋势", "Over time"),
    "sources": ("来源", "Sources"),
    "keywords": ("搜索关键词", "Keywords"),
    "entry_pages": ("入口页", "Entry pages"),
    "devices": ("设备", "Devices"),
    "regions": ("地区", "Regions"),
    "heatmap": ("对话时段", "Chats by hour"),
    "agents": ("客服工作量", "Agents"),
    "load_series": ("同时接待量", "Load over time"),
    "funnel": ("邀请转化漏斗", "Invitation funnel"),
    "by_rule": ("按邀请规则", "By invitation rule"),
    "by_source": ("按来源", "By source"),
    "by_keyword": ("按搜索关键词", "By keyword"),
    "by_page": ("按入口页", "By entry page"),
    # the effective-consultation workbook
    "by day": ("按日", "By day"),
    "by week": ("按周", "By week"),
    "by month": ("按月", "By month"),
    "by site": ("按站点", "By site"),
    "by source": ("按来源", "By source"),
    "by keyword": ("按搜索关键词", "By keyword"),
    "by agent": ("按客服", "By agent"),
    "leads": ("线索明细", "Leads"),
    # the scheduled mail's activity sheets
    "chats": ("对话汇总", "Chats summary"),
    "traffic": ("流量汇总", "Traffic summary"),
}

_OTHER: dict[Any, Words] = {"(other)": ("其他", "Other")}
_SOURCE_KINDS: dict[Any, Words] = {
    "direct": ("直接访问", "Direct"),
    "search": ("搜索引擎", "Search engine"),
    "paid": ("付费推广", "Paid ad"),
    "campaign": ("活动链接", "Campaign link"),
    "portal": ("B2B 平台", "B2B portal"),
    "social": ("社交媒体", "Social media"),
    "website": ("其他网站", "Website"),
    **_OTHER,
}
# A source is a name (百度, a host, a utm_source: data), or one of these codes.
_SOURCES: dict[Any, Words] = {"direct": _SOURCE_KINDS["direct"], "unknown": ("未知", "Unknown"),
                              **_OTHER}
_DEVICES: dict[Any, Words] = {"desktop": ("电脑", "Desktop"), "phone": ("手机", "Phone"),
                              "tablet": ("平板", "Tablet"), "": ("未知", "Unknown"), **_OTHER}
WEEKDAYS: dict[Any, Words] = {
    "Mon": ("星期一", "Monday"), "Tue": ("星期二", "Tuesday"), "Wed": ("星期三", "Wednesday"),
    "Thu": ("星期四", "Thursday"), "Fri": ("星期五", "Friday"), "Sat": ("星期六", "Saturday"),
    "Sun": ("星期日", "Sunday"),
}
# Cells whose codes a person reads, by column; names, keywords, pages and places are data.
CELLS: dict[str, Mapping[Any, Words]] = {
    "kind": _SOURCE_KINDS,
    "source": _SOURCES,
    "device": _DEVICES,
    "weekday": WEEKDAYS,
    "keyword": _OTHER,
    "page": _OTHER,
    "country": _OTHER,
    "rule_id": {None: ("客服手动邀请", "Invited by an agent")},
    "intent": {"high": ("高", "High"), "medium": ("中", "Medium"), "low": ("低", "Low")},
}
# `effective` is a yes/no of each lead in the leads sheet, a count everywhere else.
SHEET_CELLS: dict[tuple[str, str], Mapping[Any, Words]] = {
    ("leads", "effective"): {"1": ("是", "Yes"), "0": ("否", "No")},
}


def clean_lang(value: str | None) -> str | None:
    """An export's `lang`: absent is None (the machine names); else `zh-CN` or `en`, any other
    value `400 invalid` `field: "lang"`."""
    return None if value is None else v.clean_choice(value, "lang", LANGUAGES)


def _word(words: Words, lang: str) -> str:
    return words[0] if lang == "zh-CN" else words[1]


def column_label(key: str, lang: str | None, grain: str = "day") -> str:
    """A header in `lang` (a series' `period` named by its grain); an unknown key as it is."""
    if lang is None:
        return key
    if key == "period":
        key = grain
    return _word(COLUMNS[key], lang) if key in COLUMNS else key


def item_label(key: str, lang: str | None) -> str:
    return key if lang is None or key not in COLUMNS else _word(COLUMNS[key], lang)


def sheet_label(key: str, lang: str | None) -> str:
    return key if lang is None or key not in SHEETS else _word(SHEETS[key], lang)


def cell_label(sheet: str, column: str, value: Any, lang: str | None) -> Any:
    if lang is None:
        return value
    words = SHEET_CELLS.get((sheet, column)) or CELLS.get(column)
    if words is None or not _hashable(value) or value not in words:
        return value
    return _word(words[value], lang)


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


def localise(table: Table, lang: str | None, grain: str = "day") -> Table:
    """The table in `lang`: its sheet name, header, the items of a summary (`item`, `value`)
    and the coded cells; with no language, the table as it is."""
    if lang is None:
        return table
    name, header, rows = table
    summary = header == ("item", "value")
    rows = [[item_label(row[0], lang), *row[1:]] if summary else
            [cell_label(name, column, cell, lang) for column, cell in zip(header, row,
                                                                         strict=True)]
            for row in rows]
    return (sheet_label(name, lang), tuple(column_label(key, lang, grain) for key in header),
            rows)
