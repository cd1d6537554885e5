"""Data types of the install: companies, sites, users and sessions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from appliance.domain.hours import Schedule


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    # A client company's own staff: a read-only portal of that one company's leads,
    # conversations and reports (User.company_id), and nothing else.
    CLIENT = "client"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def is_client(self) -> bool:
        return self is Role.CLIENT

    @property
    def manages_install(self) -> bool:
        """Owners and admins manage every company, site and user."""
        return self.rank >= _RANKS[Role.ADMIN]


_RANKS = {Role.CLIENT: 0, Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3, Role.OWNER: 4}

LANGUAGES = ("zh-CN", "en")
WIDGET_POSITIONS = ("right", "left")


@dataclass(frozen=True, slots=True)
class Company:
    id: int
    name: str
    created_at: datetime
    max_chats: int = 5  # concurrent chats per agent unless the agent has their own limit
    settings: CompanySettings = field(default_factory=lambda: CompanySettings())


@dataclass(frozen=True, slots=True)
class CustomField:
    """A field a company adds to its customer records."""

    key: str
    label: str
    type: str  # text | number | date | choice
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompanySettings:
    """What a (client) company decides for its customers, leads and reports."""

    timezone: str = "Asia/Shanghai"
    customer_fields: tuple[CustomField, ...] = ()
    # A lead is effective when these are captured; "contact" means any valid one of
    # phone / e-mail / WeChat / QQ.
    lead_required: tuple[str, ...] = ("name", "contact", "need")
    duplicate_days: int = 30  # the same phone within this many days is a duplicate lead
    report_schedule: str = "off"  # off | daily | weekly | monthly
    report_emails: tuple[str, ...] = ()
    # Per-recipient schedules: (address, daily | weekly | monthly).
    report_recipients: tuple[tuple[str, str], ...] = ()
    retention_days: int = 0  # visitors without a customer record are purged after (0: never)


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
    business_hours: Schedule | None = None  # None: always open
    offline_mode: str = "leave_message"  # or "hide": what the widget does when nobody serves
    notify_email: str = ""  # where left messages are e-mailed
    routing_strategy: str = "least_busy"
    fallback_team_id: int | None = None
    unanswered_seconds: int = 60
    track_before_chat: bool = True  # record page views of visitors who have not chatted
    honour_dnt: bool = True  # the widget tracks no browser that asks not to be tracked
    require_identity: str = "none"  # none | prechat | signed: who may start a chat
    invitation_templates: tuple[str, ...] = ()


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
    max_chats: int | None = None  # None: the company's default
    company_id: int | None = None  # clients only: the one company their portal shows


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
    """Who is asking: the user and the session their request came with (`renewed`: its
    expiry was just moved on, so the cookies' lifetime should be too)."""

    user: User
    session: Session
    renewed: bool = False
