"""What each raw record adds to the report aggregates, in the company's local time; the
histogram that gives medians and p90; and which stored periods cover a range of local dates.

Pure: the storage layer hands records in and applies the contributions returned. Everything
a record adds is attributed to the local day (and month) it started, so a change of the
company's time zone re-buckets by recomputing (storage/report_aggregates.py)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# A contribution: (metric, site id, team id, agent id, key, count, total). Ids are 0 for none.
Row = tuple[str, int, int, int, str, int, float]
KEY_MAX = 300
# Figures read per agent only (never rolled up per site or company).
AGENT_ONLY = frozenset({"served", "agent_answered", "agent_first_response",
                        "agent_first_response_hist", "chat_seconds", "online_seconds",
                        "busy_seconds", "away_seconds"})
# The chats report of one agent (its `agent_id` filter, an agent's own view) reads its figures
# under this prefix: each chat counted for every agent who served it, kept per agent only.
SERVED = "a:"
HIST_STEPS = 20  # log buckets per decade above 10 s: each within ±6% of its values
EXACT_BELOW = 10


def agent_only(metric: str) -> bool:
    return metric in AGENT_ONLY or metric.startswith(SERVED)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local wall time of a naive-UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(tz)


def day_period(day: date) -> str:
    return "d" + day.isoformat()


def month_period(day: date) -> str:
    return f"m{day.year:04d}-{day.month:02d}"


def cover(start: date, end: date) -> tuple[list[str], list[tuple[str, str]]]:
    """Stored periods whose sum is exactly [start, end): whole months as month periods, the
    rest as ranges of day periods (inclusive bounds, for BETWEEN)."""
    months: list[str] = []
    ranges: list[tuple[str, str]] = []
    day = start
    while day < end:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        if day == first and following <= end:
            months.append(month_period(day))
        else:
            last = min(following, end) - timedelta(days=1)
            ranges.append((day_period(day), day_period(last)))
        day = following
    return months, ranges


def bucket(seconds: float) -> int:
    """Histogram bucket of a duration: exact seconds below 10 s, then 20 per decade."""
    seconds = max(0.0, seconds)
    if seconds < EXACT_BELOW:
        return int(seconds)
    return EXACT_BELOW + math.floor(HIST_STEPS * math.log10(seconds / EXACT_BELOW))


def bucket_value(index: int) -> float:
    """The value a bucket stands for: its own second, or the geometric middle of its bounds."""
    if index < EXACT_BELOW:
        return float(index)
    return EXACT_BELOW * 10 ** ((index - EXACT_BELOW + 0.5) / HIST_STEPS)


def hist_key(seconds: float) -> str:
    return f"{bucket(seconds):04d}"


def quantile(hist: dict[str, int], q: float) -> int | None:
    """Nearest-rank quantile (the ceil(q·n)-th smallest value) read from a histogram."""
    total = sum(hist.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for key in sorted(hist):
        seen += hist[key]
        if seen >= rank:
            return round(bucket_value(int(key)))
    return None


def page_key(url: str) -> str:
    """A page without its query or fragment, bounded."""
    try:
        parts = urlsplit(url)
        text = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else url
    except ValueError:
        text = url
    return clean_key(text)


def clean_key(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())[:KEY_MAX]


def timing(metric: str, ids: tuple[int, int, int], seconds: float) -> list[Row]:
    """A duration: its count and sum, and its histogram bucket."""
    site, team, agent = ids
    value = max(0, round(seconds))
    return [(metric, site, team, agent, "", 1, float(value)),
            (metric + "_hist", site, team, agent, hist_key(value), 1, 0.0)]


# -- visits, page views, presence spans ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class VisitRecord:
    site_id: int
    started_at: datetime
    number: int
    source_kind: str
    source_name: str
    keyword: str
    entry_url: str
    device: str
    country: str
    province: str


NO_VISIT = "unknown"  # the source of a chat or invitation with no recorded visit before it


def source_of(kind: str, name: str) -> str:
    """A visit's source as the conversion report and the leads name it: the engine, site,
    portal or campaign's `utm_source` ("百度", "example.org", "newsletter"), else its kind."""
    return clean_key(name or kind or "direct")


def visit_rows(visit: VisitRecord, tz: ZoneInfo) -> list[Row]:
    s = visit.site_id
    source = source_of(visit.source_kind, visit.source_name)
    page = page_key(visit.entry_url)
    rows: list[Row] = [
        ("visits", s, 0, 0, "", 1, 0.0),
        ("visit_hours", s, 0, 0, f"{local(visit.started_at, tz).hour:02d}", 1, 0.0),
        ("sources", s, 0, 0, f"{clean_key(visit.source_kind)}\t{source}", 1, 0.0),
        ("devices", s, 0, 0, clean_key(visit.device), 1, 0.0),
        ("regions", s, 0, 0, f"{clean_key(visit.country)}\t{clean_key(visit.province)}", 1,
         0.0),
        ("entry_pages", s, 0, 0, page, 1, 0.0),
        ("cv_visits", s, 0, 0, "s:" + source, 1, 0.0),
        ("cv_visits", s, 0, 0, "p:" + page, 1, 0.0),
    ]
    if visit.number <= 1:
        rows.append(("new_visitors", s, 0, 0, "", 1, 0.0))
    if visit.keyword:
        rows.append(("keywords", s, 0, 0, clean_key(visit.keyword), 1, 0.0))
        rows.append(("cv_visits", s, 0, 0, "k:" + clean_key(visit.keyword), 1, 0.0))
    return rows


def span_rows(status: str, seconds: float) -> list[Row]:
    """A presence span of an agent: counted for the agent, site 0."""
    return [(f"{status}_seconds", 0, 0, 0, "", 1, float(max(0, round(seconds))))]


# -- conversations -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MessageRecord:
    created_at: datetime
    sender_type: str  # visitor | agent | system | bot
    sender_id: int | None
    kind: str
    body: str
    client_id: str


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    site_id: int
    team_id: int | None
    assignee_id: int | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    missed: bool
    rating: int | None
    messages: list[MessageRecord] = field(default_factory=list)
    lead_effective: bool | None = None  # None: no lead
    source: str = NO_VISIT
    keyword: str = ""
    page: str = ""
    handed_over: bool = False  # the answer bot handed it to people (an agent's take-over too)


def _replies(messages: Iterable[MessageRecord]) -> list[MessageRecord]:
    return [m for m in messages if m.sender_type == "agent" and m.kind != "note"]


def _segments(c: ConversationRecord) -> list[tuple[int, datetime]]:
    """(agent, since) for each time the chat was given to an agent."""
    return [(m.sender_id, m.created_at) for m in c.messages
            if m.kind == "system" and m.body in ("agent_joined", "transferred")
            and m.sender_id is not None]


def _left_first(left: MessageRecord | None, replies: list[MessageRecord],
                segments: list[tuple[int, datetime]]) -> bool:
    """The chat came to people as a left message: the visitor left it before any agent was
    given the chat or replied in it. How fast it was answered is `left_message_answer`; it
    counts in no first response, queue wait or `queued` (nobody was asked to take it live)."""
    if left is None:
        return False
    return not any(m.created_at < left.created_at for m in replies) and not any(
        since < left.created_at for _, since in segments)


def _bot_only(c: ConversationRecord, replies: list[MessageRecord],
              segments: list[tuple[int, datetime]]) -> bool:
    """Handled by the answer bot alone: it wrote, no agent replied, and no person had the chat
    (the bot never handed it over, an agent taking it over included, and no agent was given
    it)."""
    return (not replies and not segments and not c.handed_over
            and any(m.sender_type == "bot" for m in c.messages))


def conversation_rows(c: ConversationRecord, tz: ZoneInfo) -> list[Row]:
    """Everything one conversation adds, on the local day and hour it started."""
    s, t = c.site_id, c.team_id or 0
    a = c.assignee_id or 0
    ids = (s, t, a)
    start = local(c.created_at, tz)
    rows: list[Row] = [("chats", s, t, a, "", 1, 0.0),
                       ("heat", s, t, a, f"{start.weekday()}-{start.hour:02d}", 1, 0.0)]

    def count(metric: str, n: int = 1) -> None:
        if n:
            rows.append((metric, s, t, a, "", n, 0.0))

    replies = _replies(c.messages)
    segments = _segments(c)
    left = next((m for m in c.messages
                 if m.sender_type == "visitor" and m.client_id.startswith("left-")), None)
    live = not _left_first(left, replies, segments)
    if replies:
        count("answered")
        first = replies[0]
        if live:
            rows += timing("first_response", ids,
                           (first.created_at - c.created_at).total_seconds())
        if live and first.sender_id:
            rows += timing("agent_first_response", (s, t, first.sender_id),
                           (first.created_at - c.created_at).total_seconds())
    else:
        count("unanswered")
    count("bot_only", int(_bot_only(c, replies, segments)))
    count("missed", int(c.missed))
    count("transfers", sum(1 for m in c.messages if m.kind == "system"
                           and m.body == "transferred" and m.sender_id is not None))
    if left is not None:
        count("left_messages")
        answer = next((m for m in replies if m.created_at >= left.created_at), None)
        if answer is not None:
            count("left_messages_answered")
            rows += timing("left_message_answer", ids,
                           (answer.created_at - left.created_at).total_seconds())
    if segments and live:
        wait = (segments[0][1] - c.created_at).total_seconds()
        rows += timing("queue_wait", ids, wait)
        count("queued", int(wait >= 1))
    if c.status == "closed" and c.closed_at is not None:
        rows += timing("duration", ids, (c.closed_at - c.created_at).total_seconds())
        rows += _chat_seconds(c, segments, s, t)
    if c.rating is not None:
        rows.append(("rating", s, t, a, str(c.rating), 1, float(c.rating)))
    served = sorted({agent for agent, _ in segments} | {m.sender_id for m in replies
                                                        if m.sender_id})
    for agent in served:
        rows.append(("served", s, t, agent, "", 1, 0.0))
        rows += _served_rows(c, (s, t, agent), start, replies, segments, left)
    for agent in sorted({m.sender_id for m in replies if m.sender_id}):
        rows.append(("agent_answered", s, t, agent, "", 1, 0.0))
    rows += _conversion_rows(c, s)
    return rows


def _served_rows(c: ConversationRecord, ids: tuple[int, int, int], start: datetime,
                 replies: list[MessageRecord], segments: list[tuple[int, datetime]],
                 left: MessageRecord | None) -> list[Row]:
    """The chat as one agent who served it sees it in their chats report (SERVED metrics):
    the chat's own figures (start, duration, wait, transfers, left message); what they did
    themselves (answered: they replied; the first response if theirs was the chat's first
    reply; a left message answered by their reply; missed: a missed chat they never replied
    in); the rating as the agents report credits it (the agent holding the chat)."""
    s, t, agent = ids
    rows: list[Row] = [(SERVED + "chats", s, t, agent, "", 1, 0.0),
                       (SERVED + "heat", s, t, agent, f"{start.weekday()}-{start.hour:02d}", 1,
                        0.0)]

    def count(metric: str, n: int = 1) -> None:
        if n:
            rows.append((SERVED + metric, s, t, agent, "", n, 0.0))

    mine = any(m.sender_id == agent for m in replies)
    live = not _left_first(left, replies, segments)
    count("answered" if mine else "unanswered")
    if live and replies and replies[0].sender_id == agent:
        rows += timing(SERVED + "first_response", ids,
                       (replies[0].created_at - c.created_at).total_seconds())
    count("bot_only", int(_bot_only(c, replies, segments)))
    count("missed", int(c.missed and not mine))
    count("transfers", sum(1 for m in c.messages if m.kind == "system"
                           and m.body == "transferred" and m.sender_id is not None))
    if left is not None:
        count("left_messages")
        answer = next((m for m in replies if m.created_at >= left.created_at), None)
        if answer is not None and answer.sender_id == agent:
            count("left_messages_answered")
            rows += timing(SERVED + "left_message_answer", ids,
                           (answer.created_at - left.created_at).total_seconds())
    if segments and live:
        wait = (segments[0][1] - c.created_at).total_seconds()
        rows += timing(SERVED + "queue_wait", ids, wait)
        count("queued", int(wait >= 1))
    if c.status == "closed" and c.closed_at is not None:
        rows += timing(SERVED + "duration", ids, (c.closed_at - c.created_at).total_seconds())
    if c.rating is not None and agent == c.assignee_id:
        rows.append((SERVED + "rating", s, t, agent, str(c.rating), 1, float(c.rating)))
    return rows


def _chat_seconds(c: ConversationRecord, segments: list[tuple[int, datetime]], s: int,
                  t: int) -> list[Row]:
    """How long each agent held the closed chat: from being given it to the next move."""
    assert c.closed_at is not None
    held: dict[int, float] = {}
    for index, (agent, since) in enumerate(segments):
        until = segments[index + 1][1] if index + 1 < len(segments) else c.closed_at
        held[agent] = held.get(agent, 0.0) + max(0.0, (until - since).total_seconds())
    return [("chat_seconds", s, t, agent, "", 1, float(round(seconds)))
            for agent, seconds in sorted(held.items())]


def _conversion_rows(c: ConversationRecord, s: int) -> list[Row]:
    keys = ["s:" + clean_key(c.source or NO_VISIT), "p:" + page_key(c.page)]
    if c.keyword:
        keys.append("k:" + clean_key(c.keyword))
    rows: list[Row] = [("cv_chats", s, 0, 0, key, 1, 0.0) for key in keys]
    if c.lead_effective is not None:
        rows += [("cv_leads", s, 0, 0, key, 1, 0.0) for key in keys]
        rows.append(("leads", s, 0, c.assignee_id or 0, "", 1, 0.0))
        if c.lead_effective:
            rows += [("cv_effective", s, 0, 0, key, 1, 0.0) for key in keys]
            rows.append(("effective", s, 0, c.assignee_id or 0, "", 1, 0.0))
    return rows


# -- invitations -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InvitationRecord:
    site_id: int
    rule_id: int | None
    status: str
    created_at: datetime
    chatted: bool  # the invitation opened a chat
    lead_effective: bool | None
    source: str
    keyword: str
    page: str


def invitation_rows(i: InvitationRecord) -> list[Row]:
    s = i.site_id
    keys = ["", f"r:{i.rule_id or ''}", "s:" + clean_key(i.source or NO_VISIT),
            "p:" + page_key(i.page)]
    if i.keyword:
        keys.append("k:" + clean_key(i.keyword))
    stages = ["inv_shown"]
    if i.status == "accepted" or i.chatted:
        stages.append("inv_accepted")
    if i.chatted:
        stages.append("inv_chats")
        if i.lead_effective is not None:
            stages.append("inv_leads")
            if i.lead_effective:
                stages.append("inv_effective")
    return [(stage, s, 0, 0, key, 1, 0.0) for stage in stages for key in keys]


# -- time zones for set-based rebuilds ---------------------------------------------------------

SPAN_FIRST = datetime(1970, 1, 1)
SPAN_LAST = datetime(2100, 1, 1)
_SPAN_STEP = timedelta(hours=6)  # no zone changes its offset twice within six hours


def _offset(tz: ZoneInfo, moment: datetime) -> int:
    offset = moment.replace(tzinfo=UTC).astimezone(tz).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def offset_spans(tz: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets over naive-UTC [start, end): (first moment, offset in seconds)
    of each interval with one offset, the first starting at `start`. Each change is found to
    the second by bisection, so local day and hour computed as UTC + offset inside an interval
    are exactly what `local` gives (across DST changes and in half-hour zones)."""
    spans = [(start, _offset(tz, start))]
    moment = start
    while moment < end:
        following = min(moment + _SPAN_STEP, end)
        if _offset(tz, following) != spans[-1][1]:
            low, high = moment, following  # offset(low) is the current one, high differs
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _offset(tz, middle) == spans[-1][1]:
                    low = middle
                else:
                    high = middle
            spans.append((high, _offset(tz, high)))
        moment = following
    return spans
