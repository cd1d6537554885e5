"""Managing user accounts: create, edit, reset passwords, deactivate and reactivate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.events import Event, SessionsEnded, UserChanged
from appliance.domain.model import Role, User
from appliance.domain.permissions import (
    require_can_manage_user,
    require_install_manager,
    require_not_self,
)
from appliance.domain.users import (
    check_client_fields,
    check_keeps_an_owner,
    clean_new_user,
    clean_user_update,
)
from appliance.services.context import Services, on_writer
from appliance.services.passwords import hash_password
from appliance.storage import accounts
from appliance.storage import customers as customer_store
from appliance.storage import sites as site_store


@dataclass(frozen=True, slots=True)
class HandOver:
    """What passes to a successor when a user is deactivated, and who may take it."""

    customers: int
    follow_ups: int
    company_ids: list[int]
    successor_ids: list[int]


async def list_users(svc: Services, actor: User) -> list[User]:
    require_install_manager(actor)
    return await svc.db.read(accounts.list_users)


async def do_create_user(svc: Services, fields: dict[str, Any]) -> User:
    """Create an account from already validated fields (also used by `kefu create-user`)."""
    password_hash = await hash_password(fields["password"])
    now = svc.now()
    user = await svc.db.write(_create_user_job, fields, password_hash, now)
    svc.publish(UserChanged(user.id, user))
    return user


def _create_user_job(fields: dict[str, Any], password_hash: str, now: datetime) -> User:
    return accounts.create_user(
        login=fields["login"], display_name=fields["display_name"], role=fields["role"],
        password_hash=password_hash, language=fields["language"],
        site_ids=fields["site_ids"], now=now, company_id=fields.get("company_id"))


async def check_create_user(svc: Services, actor: User, data: Any) -> User:
    require_install_manager(actor)
    fields = clean_new_user(data)
    require_can_manage_user(actor, fields["role"])
    check_client_fields(fields["role"], fields["company_id"], fields["site_ids"])
    if fields["company_id"] is not None:
        await svc.db.read(site_store.get_company, fields["company_id"])
    return await do_create_user(svc, fields)


async def _access_managed_user(svc: Services, actor: User, user_id: int) -> User:
    require_install_manager(actor)
    target = await svc.db.read(accounts.get_user, user_id)
    require_can_manage_user(actor, target.role)
    return target


async def check_update_user(svc: Services, actor: User, user_id: int, data: Any) -> User:
    require_install_manager(actor)
    fields = clean_user_update(data)
    target = await _access_managed_user(svc, actor, user_id)
    new_role: Role | None = fields.get("role")
    if new_role is not None and new_role is not target.role:
        require_not_self(actor, target, "change the role of")
        require_can_manage_user(actor, new_role)
    now = svc.now()

    role = new_role or target.role
    company_id = fields.get("company_id", target.company_id if role is Role.CLIENT else None)
    if role is not Role.CLIENT and "company_id" not in fields:
        fields["company_id"] = None
    if role is Role.CLIENT and "site_ids" not in fields:
        fields["site_ids"] = ()
    check_client_fields(role, company_id, fields.get("site_ids", target.site_ids))
    if company_id is not None:
        await svc.db.read(site_store.get_company, company_id)

    return await svc.commit(on_writer(_update_user_job, user_id, new_role, fields, now),
                            lambda user: [UserChanged(user.id, user)])


def _update_user_job(user_id: int, new_role: Role | None, fields: dict[str, Any],
                     now: datetime) -> User:
    current = accounts.get_user(user_id)
    check_keeps_an_owner(current, new_role, False, accounts.count_active_owners())
    return accounts.update_user(user_id, dict(fields), now)


async def check_reset_password(svc: Services, actor: User, user_id: int, data: Any) -> None:
    body = v.only_fields(data, ("new_password",))
    password = v.check_password(body.get("new_password"), "new_password")
    target = await _access_managed_user(svc, actor, user_id)
    require_not_self(actor, target, "reset the password of (change it under My account)")
    password_hash = await hash_password(password)
    now = svc.now()

    await svc.commit(on_writer(_reset_password_job, user_id, password_hash, now),
                     lambda _: [SessionsEnded(user_id, "password_reset")])


def _reset_password_job(user_id: int, password_hash: str, now: datetime) -> None:
    accounts.set_password_hash(user_id, password_hash, now)
    accounts.delete_sessions_of(user_id)


def _unserved(user: User, company_ids: set[int]) -> list[int]:
    """On a database thread: the companies of `company_ids` the user does not serve."""
    if user.role.manages_install:
        return []
    return sorted(company_ids - site_store.company_ids_of_sites(user.site_ids))


def _fits(user: User, leaving: int) -> bool:
    return user.id != leaving and user.active and user.role is not Role.CLIENT


async def successors(svc: Services, actor: User, user_id: int) -> HandOver:
    """What a user's deactivation hands over, and the colleagues who may take it: active
    staff (not client accounts) serving every company concerned."""
    await _access_managed_user(svc, actor, user_id)

    def read() -> HandOver:
        company_ids = customer_store.owned_company_ids(user_id)
        customers, follow_ups = customer_store.owned_counts(user_id)
        fitting = [u.id for u in accounts.list_users()
                   if _fits(u, user_id) and not _unserved(u, company_ids)]
        return HandOver(customers, follow_ups, sorted(company_ids), fitting)

    return await svc.db.read(read)


async def check_set_active(svc: Services, actor: User, user_id: int, active: bool,
                           data: Any = None) -> User:
    """Deactivating ends every session and socket of the user; their records stay, and their
    customers and open follow-ups pass to `successor_id` (required when they have any), who
    must serve every company those belong to (checked on the writer, with the hand-over)."""
    body = v.only_fields(data or {}, ("successor_id",) if not active else ())
    target = await _access_managed_user(svc, actor, user_id)
    require_not_self(actor, target, "deactivate" if not active else "reactivate")
    successor_id = body.get("successor_id")
    if successor_id is not None:
        successor_id = v.clean_id(successor_id, "successor_id")
        successor = await svc.db.read(accounts.get_user, successor_id)
        if not _fits(successor, user_id):
            raise Invalid("successor_id must be another active colleague",
                          field="successor_id")
    now = svc.now()

    def events(user: User) -> list[Event]:
        ended: list[Event] = [] if active else [SessionsEnded(user_id, "deactivated")]
        return [*ended, UserChanged(user.id, user)]

    return await svc.commit(
        on_writer(_set_active_job, user_id, active, successor_id, now), events)


def _set_active_job(user_id: int, active: bool, successor_id: int | None,
                    now: datetime) -> User:
    current = accounts.get_user(user_id)
    if not active:
        check_keeps_an_owner(current, None, True, accounts.count_active_owners())
        if successor_id is not None:
            unserved = _unserved(accounts.get_user(successor_id),
                                 customer_store.owned_company_ids(user_id))
            if unserved:
                names = "、".join(site_store.get_company(i).name for i in unserved)
                raise Invalid(f"successor_id does not serve {names}, whose customers or "
                              "follow-ups would pass to them", field="successor_id")
            customer_store.hand_over(user_id, successor_id, now)
        elif any(customer_store.owned_counts(user_id)):
            raise Invalid("Choose who takes over their customers and follow-ups",
                          field="successor_id")
        accounts.delete_sessions_of(user_id)
    return accounts.set_active(user_id, active, now)
