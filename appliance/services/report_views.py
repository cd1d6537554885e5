"""The reports of one company — traffic, chats, agents, conversion — read from the aggregates,
with who may see what: owners and admins everything, supervisors their sites, agents their own
chats, a client account its own company (the portal)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from appliance.domain import report_metrics as rm
from appliance.domain import validation as v
from appliance.domain.errors import Forbidden, Invalid, NotFound
from appliance.domain.model import Company, Role, User
from appliance.domain.reports import GRAINS, Period, bucket, clean_range, local_date, zone
from appliance.services.context import Services
from appliance.services.customers import access_company
from appliance.services.leads import portal_company
from appliance.storage import accounts, routing
from appliance.storage import report_reads as store
from appliance.storage import sites as site_store

KINDS = ("traffic", "chats", "agents", "conversion")
PORTAL_KINDS = ("traffic", "chats", "conversion")
PER_AGENT_KINDS = ("chats", "agents")  # the reports `team_id`/`agent_id` filter
LIST_MAX = 100
OTHER = "(other)"
TIMINGS = ("first_response", "duration", "queue_wait", "left_message_answer")
CHAT_COUNTS = ("chats", "answered", "missed", "unanswered", "left_messages",
               "left_messages_answered", "transfers", "bot_only", "queued")
STAGES = ("inv_shown", "inv_accepted", "inv_chats", "inv_leads", "inv_effective")
STAGE_NAMES = ("invitations", "accepted", "chats", "leads", "effective")


@dataclass(frozen=True, slots=True)
class Scope:
    company: Company
    kind: str
    site_ids: list[int] | None  # None: every site of the company
    site_id: int | None
    team_id: int | None
    agent_id: int | None
    reach: str  # company | sites | self


def _id(raw: str | None, field: str) -> int | None:
    if raw in (None, ""):
        return None
    return v.clean_digits(raw, low=1, high=2**62, field=field)


async def access_report(svc: Services, actor: User, company_id: int | None, kind: str,
                        args: dict[str, str | None]) -> Scope:
    """The company, sites and filters a caller may read this report with (`company_id` None:
    the portal, for client accounts)."""
    if company_id is None:
        company = await portal_company(svc, actor)
        if kind not in PORTAL_KINDS:
            raise NotFound("No such report")
    else:
        if actor.role is Role.CLIENT:
            raise Forbidden("Client accounts read their reports in the portal")
        if actor.role is Role.AGENT and kind in ("traffic", "conversion", "board"):
            raise Forbidden("Agents see their own figures only")
        company = await access_company(svc, actor, company_id)
    own = await svc.db.read(site_store.site_ids_of_company, company.id)
    site_ids: list[int] | None = None
    reach = "company"
    if company_id is not None and not actor.role.manages_install:
        site_ids = sorted(set(own) & set(actor.site_ids))
        reach = "self" if actor.role is Role.AGENT else "sites"
    site_id = _id(args.get("site_id"), "site_id")
    if site_id is not None:
        if site_id not in own:
            raise NotFound("No such site", field="site_id")
        if site_ids is not None and site_id not in site_ids:
            raise Forbidden("You are not assigned to this site")
        site_ids = [site_id]
    team_id = _id(args.get("team_id"), "team_id")
    agent_id = _id(args.get("agent_id"), "agent_id")
    if company_id is None and agent_id is not None:
        # The portal offers no agents report: nor a person's figures through a filter.
        raise Invalid("The portal's reports are not counted per agent", field="agent_id")
    if kind not in PER_AGENT_KINDS:
        # A figure filtered by a filter that does not apply would read as "none for them".
        if team_id is not None:
            raise Invalid(f"The {kind} report is not counted per team", field="team_id")
        if agent_id is not None:
            raise Invalid(f"The {kind} report is not counted per agent", field="agent_id")
    if team_id is not None:
        await _check_team(svc, team_id, own)
    if agent_id is not None:
        await _check_agent(svc, agent_id, own)
    if actor.role is Role.AGENT and company_id is not None:
        if agent_id not in (None, actor.id):
            raise Forbidden("Agents see their own figures only")
        agent_id = actor.id
    return Scope(company, kind, site_ids, site_id, team_id, agent_id, reach)


async def _check_team(svc: Services, team_id: int, own: list[int]) -> None:
    try:
        team = await svc.db.read(routing.get_team, team_id)
    except NotFound:
        raise NotFound("No such team", field="team_id") from None
    if team.site_id is not None:
        if team.site_id not in own:
            raise NotFound("No such team", field="team_id")
        return
    users = {u.id: u for u in await svc.db.read(accounts.list_users)}
    if not any(set(users[m].site_ids) & set(own) for m in team.member_ids if m in users):
        raise NotFound("No such team", field="team_id")


async def _check_agent(svc: Services, agent_id: int, own: list[int]) -> None:
    try:
        user = await svc.db.read(accounts.get_user, agent_id)
    except NotFound:
        raise NotFound("No such agent", field="agent_id") from None
    if user.role is Role.CLIENT or not (set(user.site_ids) & set(own)
                                        or user.role.manages_install):
        raise NotFound("No such agent", field="agent_id")


# -- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Request:
    scope: Scope
    period: Period
    grain: str


def clean_request(svc: Services, scope: Scope, args: dict[str, str | None]) -> Request:
    tz = zone(scope.company.settings.timezone)
    period = clean_range(args.get("from"), args.get("to"), local_date(svc.now(), tz))
    return Request(scope, period, v.clean_choice(args.get("grain") or "day", "grain", GRAINS))


class _Reader:
    def __init__(self, svc: Services, req: Request) -> None:
        self.svc, self.req = svc, req
        self.months, self.ranges = rm.cover(req.period.start, req.period.end)
        self._labels: dict[str, str] = {}

    async def sums(self, metrics: tuple[str, ...], *, by_period: bool = False,
                   by_agent: bool = False, key_prefix: str | None = None,
                   keys: list[str] | None = None, presence: bool = False,
                   ) -> list[tuple[str, str, int, str, int, float]]:
        s = self.req.scope
        months, ranges = self.months, self.ranges
        if by_period and self.req.grain != "month":
            months = []
            ranges = [(rm.day_period(self.req.period.start),
                       rm.day_period(self.req.period.end - timedelta(days=1)))]
        sites = [0] if presence else s.site_ids
        return await self.svc.db.read(lambda: store.read(
            s.company.id, metrics, months, ranges, site_ids=sites,
            team_id=None if presence else s.team_id, agent_id=s.agent_id, by_period=by_period,
            by_agent=by_agent, key_prefix=key_prefix, keys=keys))

    async def agent_series(self) -> list[tuple[str, int, float, float]]:
        """(period, agent, seconds holding chats, seconds at work) by the report's grain."""
        s = self.req.scope
        months, ranges = self.months, self.ranges
        if self.req.grain != "month":
            months = []
            ranges = [(rm.day_period(self.req.period.start),
                       rm.day_period(self.req.period.end - timedelta(days=1)))]
        return await self.svc.db.read(lambda: store.agent_series(
            s.company.id, months, ranges, site_ids=s.site_ids, team_id=s.team_id,
            agent_id=s.agent_id))

    async def top(self, metric: str, key_prefix: str | None = None,
                  limit: int = LIST_MAX) -> tuple[list[tuple[str, int]], int]:
        s = self.req.scope
        return await self.svc.db.read(lambda: store.top_keys(
            s.company.id, metric, self.months, self.ranges, site_ids=s.site_ids,
            team_id=s.team_id, agent_id=s.agent_id, key_prefix=key_prefix, limit=limit))

    async def listing(self, metric: str, limit: int = LIST_MAX) -> list[tuple[str, int]]:
        """The largest keys; past `limit`, the rest summed as "(other)"."""
        top, total = await self.top(metric, limit=limit + 1)
        if len(top) <= limit:
            return top
        kept = top[:limit - 1]
        return [*kept, (OTHER, total - sum(n for _, n in kept))]

    def labels(self) -> list[str]:
        seen: list[str] = []
        day = self.req.period.start
        while day < self.req.period.end:
            label = bucket(day, self.req.grain)
            if not seen or seen[-1] != label:
                seen.append(label)
            day += timedelta(days=1)
        return seen

    def label_of(self, period: str) -> str:
        label = self._labels.get(period)
        if label is None:
            label = period[1:] if period.startswith("m") else bucket(
                date.fromisoformat(period[1:]), self.req.grain)
            self._labels[period] = label
        return label


def _counts(rows: list[tuple[str, str, int, str, int, float]]) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for metric, _, _, _, n, _ in rows:
        found[metric] += n
    return found


def _timing(rows: list[tuple[str, str, int, str, int, float]], metric: str) -> dict[str, Any]:
    count = sum(n for m, _, _, _, n, _ in rows if m == metric)
    total = sum(t for m, _, _, _, _, t in rows if m == metric)
    hist: dict[str, int] = defaultdict(int)
    for m, _, _, key, n, _ in rows:
        if m == metric + "_hist":
            hist[key] += n
    return {"median": rm.quantile(hist, 0.5), "p90": rm.quantile(hist, 0.9),
            "average": round(total / count) if count else None, "count": count}


def _top(counter: dict[str, int], limit: int = LIST_MAX) -> list[tuple[str, int]]:
    ranked = sorted(((k, n) for k, n in counter.items() if n), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) <= limit:
        return ranked
    return [*ranked[:limit - 1], (OTHER, sum(n for _, n in ranked[limit - 1:]))]


def _keyed(rows: list[tuple[str, str, int, str, int, float]], metric: str) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for m, _, _, key, n, _ in rows:
        if m == metric:
            found[key] += n
    return found


def _envelope(req: Request) -> dict[str, Any]:
    s = req.scope
    return {"kind": s.kind, "company_id": s.company.id, "from": req.period.start.isoformat(),
            "to": req.period.end.isoformat(), "timezone": s.company.settings.timezone,
            "grain": req.grain,
            "filters": {"site_id": s.site_id, "team_id": s.team_id, "agent_id": s.agent_id},
            "scope": s.reach}


async def traffic(svc: Services, req: Request) -> dict[str, Any]:
    r = _Reader(svc, req)
    totals = _counts(await r.sums(("visits", "new_visitors", "page_views", "chats")))
    series: dict[str, dict[str, int]] = {label: {"visits": 0, "new_visitors": 0,
                                                 "page_views": 0, "chats": 0}
                                         for label in r.labels()}
    for metric, period, _, _, n, _ in await r.sums(
            ("visits", "new_visitors", "page_views", "chats"), by_period=True):
        series.setdefault(r.label_of(period), dict.fromkeys(
            ("visits", "new_visitors", "page_views", "chats"), 0))[metric] += n
    visits = totals.get("visits", 0)
    # Of the chats, those visitor tracking saw a visit for (a visit of the visitor started by
    # then): a chat with no recorded visit has no visit to be a share of. A chat whose visit
    # started before the range still counts in it, hence the bound.
    tracked = sum(n for _, _, _, key, n, _ in await r.sums(("cv_chats",), key_prefix="s:")
                  if key != "s:" + rm.NO_VISIT)

    async def listing(metric: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
        out = []
        for key, n in await r.listing(metric):
            parts = key.split("\t") if len(names) > 1 else [key]
            parts += [""] * (len(names) - len(parts))
            out.append({**dict(zip(names, parts, strict=False)), "visits": n})
        return out

    return {**_envelope(req), "totals": {
        "visits": visits, "new_visitors": totals.get("new_visitors", 0),
        "returning_visits": visits - totals.get("new_visitors", 0),
        "page_views": totals.get("page_views", 0), "chats": totals.get("chats", 0),
        "chat_rate": min(1.0, round(tracked / visits, 4)) if visits else 0},
        "series": [{"period": label, **counts} for label, counts in series.items()],
        "sources": await listing("sources", ("kind", "source")),
        "keywords": await listing("keywords", ("keyword",)),
        "entry_pages": await listing("entry_pages", ("page",)),
        "devices": await listing("devices", ("device",)),
        "regions": await listing("regions", ("country", "province"))}


class _ChatReader(_Reader):
    """The chats report's figures: of one agent (the `agent_id` filter, an agent's own view),
    every chat they served (report_metrics.SERVED), else every chat once."""

    async def sums(self, metrics: tuple[str, ...], **kwargs: Any
                   ) -> list[tuple[str, str, int, str, int, float]]:
        if self.req.scope.agent_id is None:
            return await super().sums(metrics, **kwargs)
        found = await super().sums(tuple(rm.SERVED + m for m in metrics), **kwargs)
        return [(m.removeprefix(rm.SERVED), period, agent, key, n, total)
                for m, period, agent, key, n, total in found]


async def chats(svc: Services, req: Request) -> dict[str, Any]:
    r = _ChatReader(svc, req)
    metrics = (*CHAT_COUNTS, *TIMINGS, *(t + "_hist" for t in TIMINGS), "rating")
    rows = await r.sums(metrics)
    counts = _counts(rows)
    totals = {name: counts.get(name, 0) for name in CHAT_COUNTS}
    totals["human"] = totals["answered"]
    totals["rated"] = counts.get("rating", 0)
    heat = [[0] * 24 for _ in range(7)]
    for _, _, _, key, n, _ in await r.sums(("heat",)):
        weekday, hour = key.split("-")
        heat[int(weekday)][int(hour)] += n
    by_period = await r.sums(("chats", "answered", "missed", "left_messages",
                              "first_response_hist"), by_period=True)
    series: dict[str, dict[str, Any]] = {label: {"chats": 0, "answered": 0, "missed": 0,
                                                 "left_messages": 0} for label in r.labels()}
    hists: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for metric, period, _, key, n, _ in by_period:
        label = r.label_of(period)
        if metric == "first_response_hist":
            hists[label][key] += n
        else:
            series.setdefault(label, defaultdict(int))[metric] += n
    return {**_envelope(req), "totals": totals,
            **{name: _timing(rows, name) for name in TIMINGS},
            "heatmap": heat,
            "series": [{"period": label, **counts,
                        "first_response_median": rm.quantile(hists.get(label, {}), 0.5)}
                       for label, counts in series.items()]}


AGENT_METRICS = ("served", "agent_answered", "agent_first_response",
                 "agent_first_response_hist", "rating", "chat_seconds")
PRESENCE = ("online_seconds", "busy_seconds", "away_seconds")


async def _agents_in_scope(svc: Services, scope: Scope, served: set[int]) -> set[int] | None:
    """Presence is recorded per agent, not per site: in a report narrowed to some sites or a
    team, the agents shown are those who served a chat in it and those who serve one of its
    sites (owners and admins serve them all) and, with a team, belong to it — as the live
    board. None: the whole company, everyone."""
    if scope.site_ids is None and scope.team_id is None:
        return None
    members: set[int] | None = None
    if scope.team_id is not None:
        members = set((await svc.db.read(routing.get_team, scope.team_id)).member_ids)
    shown = set(served)
    for user in await svc.db.read(accounts.list_users):
        if user.role is Role.CLIENT or (members is not None and user.id not in members):
            continue
        if scope.site_ids is None or user.role.manages_install or \
                set(user.site_ids) & set(scope.site_ids):
            shown.add(user.id)
    return shown


def _load(chat_seconds: float, at_work: float) -> float | None:
    """Average concurrent chats while at work; None without time at work (chats held by an
    agent whose online time counts on another day are no load of 0)."""
    return round(chat_seconds / at_work, 2) if at_work else None


async def agents(svc: Services, req: Request) -> dict[str, Any]:
    r = _Reader(svc, req)
    rows = await r.sums(AGENT_METRICS, by_agent=True)
    rows += await r.sums(PRESENCE, by_agent=True, presence=True)
    per: dict[int, list[tuple[str, str, int, str, int, float]]] = defaultdict(list)
    for row in rows:
        if row[2]:
            per[row[2]].append(row)
    shown = await _agents_in_scope(svc, req.scope, {row[2] for row in rows
                                                     if row[0] in AGENT_METRICS})
    if shown is not None:
        per = defaultdict(list, {a: mine for a, mine in per.items() if a in shown})
    table: list[dict[str, Any]] = []
    for agent_id in sorted(per):
        mine = per[agent_id]
        counts = _counts(mine)
        sums: dict[str, float] = defaultdict(float)
        for metric, _, _, _, _, total in mine:
            sums[metric] += total
        ratings = {str(k): 0 for k in range(1, 6)}
        for metric, _, _, key, n, _ in mine:
            if metric == "rating" and key in ratings:
                ratings[key] += n
        rated = sum(ratings.values())
        at_work = sums["online_seconds"] + sums["busy_seconds"]
        table.append({
            "agent_id": agent_id, "chats": counts.get("served", 0),
            "answered": counts.get("agent_answered", 0),
            "first_response": _timing(mine, "agent_first_response"),
            "rating": {"average": round(sums["rating"] / rated, 1) if rated else None,
                       "count": rated, "distribution": ratings},
            "chat_seconds": round(sums["chat_seconds"]),
            "average_load": _load(sums["chat_seconds"], at_work),
            **{name: round(sums[name]) for name in PRESENCE}})
    # Per period and agent (a year by day: 365 × agents points), summed inside SQLite; weeks
    # (stored as days) are merged here.
    series: dict[tuple[str, int], list[float]] = {}
    label_of = r.label_of
    for period, agent_id, chat_seconds, at_work in await r.agent_series():
        if shown is not None and agent_id not in shown:
            continue
        point = (label_of(period), agent_id)
        acc = series.get(point)
        if acc is None:
            series[point] = [chat_seconds, at_work]
        else:
            acc[0] += chat_seconds
            acc[1] += at_work
    rated_total = sum(a["rating"]["count"] for a in table)
    rating_sum = sum((a["rating"]["average"] or 0) * a["rating"]["count"] for a in table)
    return {**_envelope(req), "agents": table,
            "load_series": [{"period": period, "agent_id": agent_id,
                             "chat_seconds": round(held), "average_load": _load(held, at_work)}
                            for (period, agent_id), (held, at_work) in sorted(series.items())],
            "totals": {"chats": sum(a["chats"] for a in table),
                       "answered": sum(a["answered"] for a in table),
                       "rating_average": round(rating_sum / rated_total, 1) if rated_total
                       else None, "rated": rated_total}}


COUNTS = ("visits", "invitations", "accepted", "chats", "leads", "effective")
CV = {"cv_visits": "visits", "cv_chats": "chats", "cv_leads": "leads",
      "cv_effective": "effective", "inv_shown": "invitations", "inv_accepted": "accepted"}


async def _dimension(r: _Reader, dim: str, field: str) -> list[dict[str, Any]]:
    """The largest values of one dimension (source, keyword, page): the keys ranked first by
    visits, chats or invitations inside SQLite, then all their counts."""
    prefix = dim + ":"
    keys: set[str] = set()
    for metric in ("cv_visits", "cv_chats", "inv_shown"):
        top, _ = await r.top(metric, key_prefix=prefix)
        keys |= {key for key, _ in top}
    merged: dict[str, dict[str, int]] = {key[len(prefix):]: dict.fromkeys(COUNTS, 0)
                                         for key in keys}
    for metric, _, _, key, n, _ in await r.sums(tuple(CV), keys=sorted(keys)):
        merged[key[len(prefix):]][CV[metric]] += n
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1]["visits"], -kv[1]["chats"],
                                                   -kv[1]["invitations"], kv[0]))
    return [{field: value, **counts} for value, counts in ranked[:LIST_MAX]]


async def conversion(svc: Services, req: Request) -> dict[str, Any]:
    r = _Reader(svc, req)
    funnel = {name: 0 for name in STAGE_NAMES}
    rules: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STAGE_NAMES, 0))
    for metric, _, _, _, n, _ in await r.sums(STAGES, keys=[""]):
        funnel[STAGE_NAMES[STAGES.index(metric)]] += n
    for metric, _, _, key, n, _ in await r.sums(STAGES, key_prefix="r:"):
        rules[key[2:]][STAGE_NAMES[STAGES.index(metric)]] += n
    by_rule = sorted(rules.items(), key=lambda kv: (-kv[1]["invitations"], kv[0]))
    return {**_envelope(req), "funnel": funnel,
            "by_rule": [{"rule_id": int(k) if k else None, **counts} for k, counts in by_rule],
            "by_source": await _dimension(r, "s", "source"),
            "by_keyword": await _dimension(r, "k", "keyword"),
            "by_page": await _dimension(r, "p", "page")}


BUILDERS = {"traffic": traffic, "chats": chats, "agents": agents, "conversion": conversion}


async def labels(svc: Services, scope: Scope, report: dict[str, Any]) -> dict[str, Any]:
    sites = {s.id: s.name for s in await svc.db.read(site_store.list_sites)
             if s.company_id == scope.company.id}
    if scope.site_ids is not None:
        sites = {i: n for i, n in sites.items() if i in scope.site_ids}
    teams = {t.id: t.name for t in await svc.db.read(routing.list_teams)
             if t.site_id in sites}
    agent_ids = {a["agent_id"] for a in report.get("agents", ())}
    agent_ids |= {a["agent_id"] for a in report.get("load_series", ())}
    if scope.agent_id:
        agent_ids.add(scope.agent_id)
    users = {u.id: u.display_name for u in await svc.db.read(accounts.list_users)
             if u.id in agent_ids}
    return {"sites": {str(k): n for k, n in sites.items()},
            "teams": {str(k): n for k, n in teams.items()},
            "agents": {str(k): n for k, n in users.items()}}


def company_scope(company: Company, kind: str) -> Scope:
    """The whole company (the scheduled mail's view)."""
    return Scope(company, kind, None, None, None, None, "company")


async def for_period(svc: Services, company: Company, kind: str, period: Period
                     ) -> dict[str, Any]:
    """A report of the whole company for one period (by day), up to date."""
    if svc.aggregator is not None:
        await svc.aggregator.catch_up()
    return await BUILDERS[kind](svc, Request(company_scope(company, kind), period, "day"))


async def report(svc: Services, scope: Scope, args: dict[str, str | None]
                 ) -> dict[str, Any]:
    req = clean_request(svc, scope, args)
    aggregator = svc.aggregator
    fresh = await aggregator.catch_up() if aggregator is not None else svc.now()
    body = await BUILDERS[scope.kind](svc, req)
    body["fresh_to"] = fresh.isoformat(timespec="seconds") + "Z"
    return {"report": body, "labels": await labels(svc, scope, body)}
