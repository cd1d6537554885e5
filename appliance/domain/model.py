"""Data types of the install: companies, sites, users and sessions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def manages_install(self) -> bool:
        """Owners and admins manage every company, site and user."""
        return self.rank >= _RANKS[Role.ADMIN]


_RANKS = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3, Role.OWNER: 4}

LANGUAGES = ("zh-CN", "en")
WIDGET_POSITIONS = ("right", "left")


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Site:
    id: int
    company_id: int
    name: str
    url: str
    widget_key: str
    allowed_origins: tuple[str, ...]
    display_name: str
    logo_url: str
    greeting: str
    theme_color: str
    widget_position: str
    language: str
    created_at: datetime
    typing_preview: bool = False
    identity_secret: str = ""
    prechat_fields: tuple[tuple[str, bool], ...] = ()  # (field, required), in order


@dataclass(frozen=True, slots=True)
class User:
    id: int
    login: str
    display_name: str
    role: Role
    active: bool
    language: str
    created_at: datetime
    site_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser; the cookie holds a secret whose hash is `token_hash`."""

    id: int
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: the user and the session their request came with."""

    user: User
    session: Session
