"""Teams, question categories and what routing knows of a site and its agents."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgentRecord:
    user_id: int
    display_name: str
    max_chats: int
    active_chats: int
    team_ids: frozenset[int]
    status_choice: str


@dataclass(frozen=True, slots=True)
class SiteRouting:
    site_id: int
    strategy: str
    fallback_team_id: int | None
    unanswered_seconds: int


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    site_id: int | None
    name: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    site_id: int
    name: str
    team_id: int | None
    position: int
