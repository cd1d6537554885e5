"""Users and sessions: queries and changes, run on the database threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.errors import Conflict, Invalid, NotFound
from appliance.domain.model import Role, Session, User
from appliance.storage.routing import leave_unserved_teams
from appliance.storage.tables import SessionRow, SiteRow, UserRow, UserSiteRow


@dataclass(frozen=True, slots=True)
class Credentials:
    user: User
    password_hash: str


def _user(row: UserRow, site_ids: tuple[int, ...]) -> User:
    return User(id=row.id, login=row.login, display_name=row.display_name, role=Role(row.role),
                active=bool(row.active), language=row.language, created_at=row.created_at,
                site_ids=site_ids, max_chats=row.max_chats, company_id=row.company_id)


def _site_ids(user_id: int) -> tuple[int, ...]:
    query = (UserSiteRow.select(UserSiteRow.site).where(UserSiteRow.user == user_id)
             .order_by(UserSiteRow.site))
    return tuple(r.site_id for r in query)


def _session(row: SessionRow) -> Session:
    return Session(id=row.id, user_id=row.user_id, csrf_token=row.csrf_token,
                   created_at=row.created_at, expires_at=row.expires_at)


def has_owner() -> bool:
    return UserRow.select().where(UserRow.role == Role.OWNER.value).exists()


def count_active_owners() -> int:
    return (UserRow.select().where((UserRow.role == Role.OWNER.value) & UserRow.active)
            .count())


def get_user(user_id: int) -> User:
    row = UserRow.get_or_none(UserRow.id == user_id)
    if row is None:
        raise NotFound("No such user")
    return _user(row, _site_ids(row.id))


def list_users() -> list[User]:
    links: dict[int, list[int]] = {}
    for link in UserSiteRow.select().order_by(UserSiteRow.site):
        links.setdefault(link.user_id, []).append(link.site_id)
    return [_user(r, tuple(links.get(r.id, ()))) for r in UserRow.select().order_by(UserRow.id)]


def credentials_for(login: str) -> Credentials | None:
    row = UserRow.get_or_none(UserRow.login == login)
    if row is None:
        return None
    return Credentials(_user(row, _site_ids(row.id)), row.password_hash)


def password_hash_of(user_id: int) -> str:
    row = UserRow.get_or_none(UserRow.id == user_id)
    if row is None:
        raise NotFound("No such user")
    return str(row.password_hash)


def _set_sites(user_id: int, site_ids: tuple[int, ...]) -> None:
    known = {r.id for r in SiteRow.select(SiteRow.id).where(SiteRow.id.in_(site_ids))}
    missing = sorted(set(site_ids) - known)
    if missing:
        raise Invalid(f"No such site: {missing[0]}", field="site_ids")
    UserSiteRow.delete().where(UserSiteRow.user == user_id).execute()
    if site_ids:
        UserSiteRow.insert_many([{"user": user_id, "site": s} for s in site_ids]).execute()


def create_user(*, login: str, display_name: str, role: Role, password_hash: str,
                language: str, site_ids: tuple[int, ...], now: datetime,
                company_id: int | None = None) -> User:
    try:
        with UserRow._meta.database.atomic():
            row = UserRow.create(login=login, display_name=display_name, role=role.value,
                                 password_hash=password_hash, active=True, language=language,
                                 created_at=now, updated_at=now, company_id=company_id)
    except pw.IntegrityError as exc:
        raise Conflict("That login is already taken", field="login") from exc
    _set_sites(row.id, site_ids)
    return get_user(row.id)


def update_user(user_id: int, fields: dict[str, Any], now: datetime) -> User:
    get_user(user_id)
    site_ids = fields.pop("site_ids", None)
    if "role" in fields:
        fields["role"] = Role(fields["role"]).value
    if fields:
        UserRow.update(updated_at=now, **fields).where(UserRow.id == user_id).execute()
    if site_ids is not None:
        _set_sites(user_id, site_ids)
    if site_ids is not None or "role" in fields:
        leave_unserved_teams(user_id)
    return get_user(user_id)


def set_active(user_id: int, active: bool, now: datetime) -> User:
    UserRow.update(active=active, updated_at=now,
                   deactivated_at=None if active else now).where(UserRow.id == user_id).execute()
    return get_user(user_id)


def set_password_hash(user_id: int, password_hash: str, now: datetime) -> None:
    UserRow.update(password_hash=password_hash, updated_at=now).where(
        UserRow.id == user_id).execute()


# -- sessions -------------------------------------------------------------------------------

def create_session(*, user_id: int, token_hash: str, csrf_token: str, ip: str, user_agent: str,
                   now: datetime, expires_at: datetime) -> Session:
    row = SessionRow.create(token_hash=token_hash, user=user_id, csrf_token=csrf_token,
                            created_at=now, last_seen_at=now, expires_at=expires_at,
                            ip=ip, user_agent=user_agent)
    return _session(row)


def principal_for(token_hash: str, now: datetime) -> tuple[User, Session] | None:
    """The active user and unexpired session a cookie's token stands for, if any."""
    row = (SessionRow.select(SessionRow, UserRow).join(UserRow)
           .where((SessionRow.token_hash == token_hash) & (SessionRow.expires_at > now))
           .first())
    if row is None or not row.user.active:
        return None
    return _user(row.user, _site_ids(row.user.id)), _session(row)


def user_of_session(session_id: int, now: datetime) -> User | None:
    """The active user of an unexpired session, as they are now (role and sites)."""
    row = (SessionRow.select(SessionRow, UserRow).join(UserRow)
           .where((SessionRow.id == session_id) & (SessionRow.expires_at > now))
           .first())
    if row is None or not row.user.active:
        return None
    return _user(row.user, _site_ids(row.user.id))


def touch_session(session_id: int, now: datetime, expires_at: datetime) -> None:
    SessionRow.update(last_seen_at=now, expires_at=expires_at).where(
        SessionRow.id == session_id).execute()


def delete_session(session_id: int) -> None:
    SessionRow.delete().where(SessionRow.id == session_id).execute()


def delete_sessions_of(user_id: int, keep_session_id: int | None = None) -> list[int]:
    query = SessionRow.select(SessionRow.id).where(SessionRow.user == user_id)
    if keep_session_id is not None:
        query = query.where(SessionRow.id != keep_session_id)
    ids = [r.id for r in query]
    if ids:
        SessionRow.delete().where(SessionRow.id.in_(ids)).execute()
    return ids


def delete_expired_sessions(now: datetime) -> int:
    return int(SessionRow.delete().where(SessionRow.expires_at <= now).execute())
