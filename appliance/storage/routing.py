"""What routing reads and writes: agents' limits and load, teams, the queue."""

from __future__ import annotations

from datetime import datetime

from appliance.domain.conversations import OPEN
from appliance.domain.errors import Invalid, NotFound
from appliance.domain.model import Role
from appliance.domain.teams import AgentRecord, Category, SiteRouting, Team
from appliance.storage.database import bound_database
from appliance.storage.tables import (
    CategoryRow,
    ConversationRow,
    InvitationRuleRow,
    SiteRow,
    TeamMemberRow,
    TeamRow,
    UserRow,
    UserSiteRow,
)


def site_routing(site_id: int) -> SiteRouting:
    row = bound_database.obj.execute_sql(
        "SELECT id, routing_strategy, fallback_team_id, unanswered_seconds FROM site "
        "WHERE id = ?", (site_id,)).fetchone()
    if row is None:
        raise NotFound("No such site")
    return SiteRouting(*row)


_MANAGERS = tuple(role.value for role in Role if role.manages_install)
# Built once from the constant role list above; values are always bound.
_SERVING = ('SELECT u.id, u.display_name, u.max_chats, u.status_choice FROM "user" u '  # noqa: S608
            f"WHERE u.active AND u.role != '{Role.CLIENT.value}' "
            f"AND (u.role IN ({', '.join('?' * len(_MANAGERS))}) "
            "OR u.id IN (SELECT user_id FROM user_site WHERE site_id = ?)) ORDER BY u.id")


# Open chats and whether their agent may still serve them: active staff, not a client account,
# serving the chat's site (owners and admins serve every site). From the users: the index on
# (assignee, status) finds each one's open chats, whatever the history's size.
_HELD = ("SELECT c.id, c.site_id, c.assignee_id, c.team_id, c.created_at, "  # noqa: S608
         f"u.active AND u.role != '{Role.CLIENT.value}' "
         f"AND (u.role IN ({', '.join('?' * len(_MANAGERS))}) OR EXISTS (SELECT 1 FROM "
         "user_site us WHERE us.user_id = u.id AND us.site_id = c.site_id)) "
         'FROM "user" u CROSS JOIN conversation c ON c.assignee_id = u.id '
         "AND c.status = 'open' ORDER BY c.id")


def held_chats() -> list[tuple[int, int, int, int | None, datetime, bool]]:
    """(conversation, site, agent, team, opened at, whether the agent may still serve it) of
    every open chat that has an agent."""
    rows = bound_database.obj.execute_sql(_HELD, _MANAGERS).fetchall()
    return [(cid, site, agent, team, datetime.fromisoformat(at), bool(serves))
            for cid, site, agent, team, at, serves in rows]


def unrouted(before: datetime, limit: int) -> list[tuple[int, int, int | None]]:
    """(conversation, site, category) of open chats that people serve, nobody has and no
    queue holds, opened before `before` and not missed, oldest first: never routed (the
    process stopped between the visitor's ack and the routing after it) or nobody could take
    them then. The index on (assignee, status) finds them."""
    query = (ConversationRow.select(ConversationRow.id, ConversationRow.site,
                                    ConversationRow.category_id)
             .where(ConversationRow.assignee.is_null() & (ConversationRow.status == OPEN)
                    & ConversationRow.queued_at.is_null()
                    & (ConversationRow.missed == False)  # noqa: E712
                    & (ConversationRow.created_at < before))
             .order_by(ConversationRow.id).limit(limit))
    return [(r.id, r.site_id, r.category_id) for r in query]


def return_to_queue(conversation_id: int, from_agent: int, queued_at: datetime,
                    team_id: int | None) -> bool:
    """Take an open chat from `from_agent` and put it in the queue at `queued_at` (its place:
    it has waited since then); False if it is no longer theirs or no longer open."""
    return bool(ConversationRow.update(assignee=None, queued_at=queued_at, team_id=team_id)
                .where((ConversationRow.id == conversation_id)
                       & (ConversationRow.assignee == from_agent)
                       & (ConversationRow.status == OPEN)).execute())


def move_chat(conversation_id: int, from_agent: int, to_agent: int) -> bool:
    """Give an open chat of `from_agent` to `to_agent`; False if it is no longer theirs."""
    return bool(ConversationRow.update(assignee=to_agent).where(
        (ConversationRow.id == conversation_id) & (ConversationRow.assignee == from_agent)
        & (ConversationRow.status == OPEN)).execute())


def agents_of_site(site_id: int) -> list[AgentRecord]:
    """Active staff who serve the site (owners and admins serve every site); never a client
    account, whatever rows an older install left for one. Plain SQL: it runs for every new
    chat."""
    db = bound_database.obj
    found = db.execute_sql("SELECT company.max_chats FROM site JOIN company "
                           "ON company.id = site.company_id WHERE site.id = ?",
                           (site_id,)).fetchone()
    if found is None:
        raise NotFound("No such site")
    users = db.execute_sql(_SERVING, (*_MANAGERS, site_id)).fetchall()
    ids = [u[0] for u in users]
    load = open_loads(ids)
    teams: dict[int, set[int]] = {i: set() for i in ids}
    if ids:
        for user_id, team_id in db.execute_sql(
                "SELECT user_id, team_id FROM team_member "  # noqa: S608
                f"WHERE user_id IN ({', '.join('?' * len(ids))})", ids).fetchall():
            teams[user_id].add(team_id)
    return [AgentRecord(uid, name, own_max or found[0], load.get(uid, 0),
                        frozenset(teams[uid]), choice) for uid, name, own_max, choice in users]


def open_loads(user_ids: list[int]) -> dict[int, int]:
    """Open conversations assigned to each of `user_ids`, counted in the caller's transaction
    (on the writer: the load an assignment decided there must respect)."""
    if not user_ids:
        return {}
    marks = ", ".join("?" * len(user_ids))
    return dict(bound_database.obj.execute_sql(
        "SELECT assignee_id, count(*) FROM conversation WHERE status = 'open' "  # noqa: S608
        f"AND assignee_id IN ({marks}) GROUP BY assignee_id", user_ids).fetchall())


def previous_agent(visitor_id: int, before_conversation: int) -> int | None:
    row = (ConversationRow.select(ConversationRow.assignee)
           .where((ConversationRow.visitor == visitor_id)
                  & (ConversationRow.id < before_conversation)
                  & ConversationRow.assignee.is_null(False))
           .order_by(ConversationRow.id.desc()).first())
    return None if row is None else row.assignee_id


def mark_queued(conversation_id: int, team_id: int | None, now: datetime) -> bool:
    """Put an unassigned open conversation in the queue; False if someone took it meanwhile."""
    return bool(ConversationRow.update(queued_at=now, team_id=team_id).where(
        (ConversationRow.id == conversation_id) & ConversationRow.assignee.is_null()
        & (ConversationRow.status == OPEN)).execute())


def queued(site_id: int | None = None) -> list[tuple[int, int, int | None, datetime]]:
    """(conversation id, site id, team id, queued at) of every chat waiting in a queue."""
    query = ConversationRow.select(ConversationRow.id, ConversationRow.site,
                                   ConversationRow.team_id, ConversationRow.queued_at).where(
        (ConversationRow.status == OPEN) & ConversationRow.assignee.is_null()
        & ConversationRow.queued_at.is_null(False))
    if site_id is not None:
        query = query.where(ConversationRow.site == site_id)
    return [(r.id, r.site_id, r.team_id, r.queued_at) for r in query]


def waiting_line(site_id: int) -> list[tuple[int, int, int | None, datetime]]:
    """(conversation, visitor, team, queued at) of the site's waiting chats, oldest first."""
    rows = bound_database.obj.execute_sql(
        "SELECT id, visitor_id, team_id, queued_at FROM conversation WHERE site_id = ? "
        "AND status = 'open' AND assignee_id IS NULL AND queued_at IS NOT NULL "
        "ORDER BY queued_at, id", (site_id,)).fetchall()
    return [(cid, visitor, team, datetime.fromisoformat(at)) for cid, visitor, team, at in rows]


def assign_if_unassigned(conversation_id: int, user_id: int) -> bool:
    return bool(ConversationRow.update(assignee=user_id, queued_at=None).where(
        (ConversationRow.id == conversation_id) & ConversationRow.assignee.is_null()
        & (ConversationRow.status == OPEN)).execute())


def set_status_choice(user_id: int, status: str) -> None:
    UserRow.update(status_choice=status).where(UserRow.id == user_id).execute()


def status_choice(user_id: int) -> str:
    row = UserRow.get_or_none(UserRow.id == user_id)
    return "online" if row is None else str(row.status_choice)


def set_category(conversation_id: int, category_id: int, site_id: int) -> int | None:
    """Record the visitor's question category; returns its team."""
    category = CategoryRow.get_or_none((CategoryRow.id == category_id)
                                       & (CategoryRow.site == site_id))
    if category is None:
        raise Invalid("No such question category for this site", field="category_id")
    ConversationRow.update(category_id=category_id, team_id=category.team_id).where(
        ConversationRow.id == conversation_id).execute()
    return int(category.team_id) if category.team_id is not None else None


# -- teams ----------------------------------------------------------------------------------

def _team(row: TeamRow) -> Team:
    members = tuple(m.user_id for m in TeamMemberRow.select().where(TeamMemberRow.team == row.id)
                    .order_by(TeamMemberRow.user))
    return Team(row.id, row.site_id, row.name, members)


def list_teams() -> list[Team]:
    return [_team(r) for r in TeamRow.select().order_by(TeamRow.id)]


def get_team(team_id: int) -> Team:
    row = TeamRow.get_or_none(TeamRow.id == team_id)
    if row is None:
        raise NotFound("No such team", field="team_id")
    return _team(row)


def require_team_serves(team_id: int, site_id: int | None, field: str) -> None:
    """A site's setting may name a team of that site or a shared one, never another site's
    (let alone another company's): its members would get the site's chats. An unknown team is
    `404 not_found` with `field`; `site_id` None (a site not created yet) takes shared ones."""
    row = TeamRow.get_or_none(TeamRow.id == team_id)
    if row is None:
        raise NotFound("No such team", field=field)
    if row.site_id is not None and row.site_id != site_id:
        raise Invalid("That team does not serve this site", field=field)


def _uses_elsewhere(team_id: int, site_id: int) -> str | None:
    """What of a site other than `site_id` names the team (its fallback, a category, an
    invitation rule), or None: a team moved to `site_id` may not take those along."""
    site = SiteRow.get_or_none((SiteRow.fallback_team_id == team_id) & (SiteRow.id != site_id))
    if site is not None:
        return f"site {site.id} falls back to it"
    category = CategoryRow.get_or_none((CategoryRow.team == team_id)
                                       & (CategoryRow.site != site_id))
    if category is not None:
        return f"category {category.id} of site {category.site_id} routes to it"
    rule = InvitationRuleRow.get_or_none((InvitationRuleRow.team_id == team_id)
                                         & (InvitationRuleRow.site != site_id))
    if rule is not None:
        return f"invitation rule {rule.id} of site {rule.site_id} names it"
    return None


def _outsiders(site_id: int | None, member_ids: tuple[int, ...]) -> list[int]:
    """Of active staff `member_ids`, those who do not serve `site_id` (owners and admins
    serve every site; a shared team, None, takes anyone)."""
    if site_id is None or not member_ids:
        return []
    serving = {r.user_id for r in UserSiteRow.select(UserSiteRow.user).where(
        (UserSiteRow.site == site_id) & UserSiteRow.user.in_(member_ids))}
    managers = {u.id for u in UserRow.select(UserRow.id).where(
        UserRow.id.in_(member_ids) & UserRow.role.in_(_MANAGERS))}
    return sorted(set(member_ids) - serving - managers)


def _check_members(member_ids: tuple[int, ...], site_id: int | None) -> None:
    # Teams take chats: active staff only, never a client account (their portal serves none),
    # and of a site's team only who serves that site.
    found = {u.id: u.role for u in UserRow.select(UserRow.id, UserRow.role).where(
        UserRow.id.in_(member_ids) & UserRow.active)}
    missing = sorted(set(member_ids) - set(found))
    if missing:
        raise Invalid(f"No such active user: {missing[0]}", field="member_ids")
    clients = sorted(i for i, role in found.items() if role == Role.CLIENT.value)
    if clients:
        raise Invalid(f"A client account cannot join a team: {clients[0]}",
                      field="member_ids")
    outside = _outsiders(site_id, member_ids)
    if outside:
        raise Invalid(f"User {outside[0]} does not serve the team's site", field="member_ids")


def save_team(team_id: int | None, site_id: int | None, name: str,
              member_ids: tuple[int, ...] | None, now: datetime) -> Team:
    if site_id is not None and SiteRow.get_or_none(SiteRow.id == site_id) is None:
        raise Invalid("No such site", field="site_id")
    current = None if team_id is None else get_team(team_id)
    if current is not None and site_id is not None and site_id != current.site_id:
        used = _uses_elsewhere(current.id, site_id)
        if used is not None:
            raise Invalid(f"The team cannot move to site {site_id}: {used}", field="site_id")
        outside = [] if member_ids is not None else _outsiders(site_id, current.member_ids)
        if outside:
            raise Invalid(f"The team cannot move to site {site_id}: its member {outside[0]} "
                          "does not serve it", field="site_id")
    if member_ids is not None:
        _check_members(member_ids, site_id)
    if team_id is None:
        team_id = TeamRow.create(site=site_id, name=name, created_at=now).id
    else:
        TeamRow.update(site=site_id, name=name).where(TeamRow.id == team_id).execute()
    if member_ids is not None:
        TeamMemberRow.delete().where(TeamMemberRow.team == team_id).execute()
        if member_ids:
            TeamMemberRow.insert_many([{"team": team_id, "user": u} for u in member_ids]).execute()
    return get_team(team_id)


def leave_unserved_teams(user_id: int) -> None:
    """A user leaves the teams they can no longer serve in: every team for a client account,
    the teams of sites they no longer serve for agents and supervisors."""
    row = UserRow.get_or_none(UserRow.id == user_id)
    if row is None or row.role in _MANAGERS:
        return
    teams = TeamRow.select(TeamRow.id)
    if row.role != Role.CLIENT.value:
        served = UserSiteRow.select(UserSiteRow.site).where(UserSiteRow.user == user_id)
        teams = teams.where(TeamRow.site.is_null(False) & TeamRow.site.not_in(served))
    TeamMemberRow.delete().where((TeamMemberRow.user == user_id)
                                 & TeamMemberRow.team.in_(teams)).execute()


def delete_team(team_id: int) -> None:
    """The team goes; what named it names no team (anyone): a site's fallback, a category's
    team (by its foreign key), an invitation rule's and the chats waiting for it, which would
    otherwise wait for the members of a team that no longer exists — the rule never inviting
    anyone, the chats never served. (Chats it served keep its id, for the reports.)"""
    get_team(team_id)
    SiteRow.update(fallback_team_id=None).where(SiteRow.fallback_team_id == team_id).execute()
    InvitationRuleRow.update(team_id=None).where(InvitationRuleRow.team_id == team_id).execute()
    ConversationRow.update(team_id=None).where(
        (ConversationRow.team_id == team_id) & (ConversationRow.status == OPEN)
        & ConversationRow.assignee.is_null()).execute()
    TeamRow.delete().where(TeamRow.id == team_id).execute()


# -- question categories --------------------------------------------------------------------

def _category(row: CategoryRow) -> Category:
    return Category(row.id, row.site_id, row.name, row.team_id, row.position)


def categories_of(site_id: int) -> list[Category]:
    return [_category(r) for r in CategoryRow.select().where(CategoryRow.site == site_id)
            .order_by(CategoryRow.position, CategoryRow.id)]


def get_category(category_id: int) -> Category:
    row = CategoryRow.get_or_none(CategoryRow.id == category_id)
    if row is None:
        raise NotFound("No such question category")
    return _category(row)


def save_category(category_id: int | None, site_id: int, name: str, team_id: int | None,
                  position: int) -> Category:
    if team_id is not None:
        require_team_serves(team_id, site_id, "team_id")
    if category_id is None:
        if SiteRow.get_or_none(SiteRow.id == site_id) is None:
            raise NotFound("No such site")
        category_id = CategoryRow.create(site=site_id, name=name, team=team_id,
                                         position=position).id
    else:
        CategoryRow.update(name=name, team=team_id, position=position).where(
            CategoryRow.id == category_id).execute()
    return get_category(category_id)


def delete_category(category_id: int) -> None:
    CategoryRow.delete().where(CategoryRow.id == category_id).execute()


def unanswered(now: datetime) -> list[tuple[int, int, int]]:
    """(conversation, site, agent) of open chats whose agent has not answered within the
    site's `unanswered_seconds` of getting them (joining or a transfer), and that have not
    had their one re-offer yet."""
    rows = bound_database.obj.execute_sql(
        "SELECT c.id, c.site_id, c.assignee_id, s.unanswered_seconds, "
        "(SELECT max(m.created_at) FROM message m WHERE m.conversation_id = c.id "
        " AND m.kind = 'system' AND m.body IN ('agent_joined', 'transferred')) "
        "FROM conversation c JOIN site s ON s.id = c.site_id "
        "WHERE c.status = 'open' AND c.assignee_id IS NOT NULL "
        "AND c.first_response_at IS NULL AND c.reoffered_at IS NULL").fetchall()
    due = []
    for conversation_id, site_id, agent_id, seconds, since in rows:
        if since is not None and (now - datetime.fromisoformat(since)).total_seconds() >= seconds:
            due.append((conversation_id, site_id, agent_id))
    return due


def agents_who_had(conversation_id: int) -> set[int]:
    """Everyone the chat was ever given to: the agents its `agent_joined` and `transferred`
    lines name (their sender id), and its current agent."""
    rows = bound_database.obj.execute_sql(
        "SELECT DISTINCT sender_id FROM message WHERE conversation_id = ? AND kind = 'system' "
        "AND body IN ('agent_joined', 'transferred') AND sender_id IS NOT NULL "
        "UNION SELECT assignee_id FROM conversation WHERE id = ? AND assignee_id IS NOT NULL",
        (conversation_id, conversation_id)).fetchall()
    return {row[0] for row in rows}


def mark_reoffered(conversation_id: int, from_agent: int, now: datetime) -> bool:
    """Record the chat's one re-offer, if it is still unanswered by `from_agent` and has not
    had one; False when an answer, a close or a transfer came first."""
    return bool(ConversationRow.update(reoffered_at=now).where(
        (ConversationRow.id == conversation_id) & (ConversationRow.assignee == from_agent)
        & (ConversationRow.status == OPEN) & ConversationRow.first_response_at.is_null()
        & ConversationRow.reoffered_at.is_null()).execute())


def reassign(conversation_id: int, from_agent: int, to_agent: int) -> bool:
    return bool(ConversationRow.update(assignee=to_agent).where(
        (ConversationRow.id == conversation_id) & (ConversationRow.assignee == from_agent)
        & ConversationRow.first_response_at.is_null()).execute())
