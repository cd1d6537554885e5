"""Who may do what: role and site-scope rules, checked on the server for every request."""

from __future__ import annotations

from appliance.domain.errors import Forbidden, conversation_not_found
from appliance.domain.model import Role, Site, User


def require_install_manager(actor: User) -> None:
    """Companies, sites and users are managed by owners and admins only."""
    if not actor.role.manages_install:
        raise Forbidden("Only owners and admins can do this")


def can_access_site(actor: User, site_id: int) -> bool:
    return actor.role.manages_install or site_id in actor.site_ids


def require_site_access(actor: User, site_id: int) -> None:
    if not can_access_site(actor, site_id):
        # Not "not found": the id space is small and guessable either way, and the
        # admin UI needs to tell a missing site from a forbidden one.
        raise Forbidden("You are not assigned to this site")


def visible_sites(actor: User, sites: list[Site]) -> list[Site]:
    return [s for s in sites if can_access_site(actor, s.id)]


def require_can_manage_user(actor: User, target_role: Role) -> None:
    """Owners manage everyone; admins manage supervisors and agents only."""
    require_install_manager(actor)
    if actor.role is Role.OWNER:
        return
    if target_role.rank >= Role.ADMIN.rank:
        raise Forbidden("Only an owner can manage owners and admins")


def require_not_self(actor: User, target: User, action: str) -> None:
    if actor.id == target.id:
        raise Forbidden(f"You cannot {action} your own account")


def require_conversation_visible(actor: User, site_id: int) -> None:
    """A conversation of a site the actor does not serve answers like a missing one."""
    if not can_access_site(actor, site_id):
        raise conversation_not_found()


def require_can_write(actor: User, assignee_id: int | None) -> None:
    """Agents write in their own and in waiting conversations; supervisors and up in any."""
    if actor.role.rank >= Role.SUPERVISOR.rank or assignee_id in (None, actor.id):
        return
    raise Forbidden("This conversation is served by another agent")
