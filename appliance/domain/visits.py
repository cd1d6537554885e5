"""Visits and page views: what the widget's presence module reports, checked, and the rules of
a visit (a run of page views with no long gap), of a live visitor's state and of where an
address is (the place database's answer, parsed)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from appliance.domain import validation as v
from appliance.domain.errors import Invalid

URL_MAX = 2000
TITLE_MAX = 300
REFERRER_MAX = 2000
LANGUAGE_MAX = 20
TAB_MAX = 40
PHONE, DESKTOP = "phone", "desktop"
TABLET = "tablet"
SCREENS = (PHONE, DESKTOP)
# A live visitor's state (docs/api.md, LiveVisitor).
BROWSING, INVITED, WAITING, CHATTING, LEFT = "browsing", "invited", "waiting", "chatting", "left"
WITH_BOT = "bot"  # chatting with the site's answer bot (no person yet)
STATES = (BROWSING, INVITED, WAITING, CHATTING, LEFT)
_TAB = re.compile(r"[A-Za-z0-9_-]{1,40}")
_LANGUAGE = re.compile(r"[A-Za-z0-9-]{1,20}")
REQUIRE_IDENTITY = ("none", "prechat", "signed")
TEMPLATES_MAX, TEMPLATE_MAX = 20, 500


@dataclass(frozen=True, slots=True)
class PageFrame:
    """A tab now shows this page (the presence module's `page` frame, checked)."""

    tab: str
    url: str
    title: str
    referrer: str
    language: str
    visible: bool
    screen: str  # phone | desktop


@dataclass(frozen=True, slots=True)
class Place:
    country: str = ""
    province: str = ""
    city: str = ""


@dataclass(frozen=True, slots=True)
class Visit:
    id: int
    visitor_id: int
    site_id: int
    number: int  # 1: the visitor's first visit
    started_at: datetime
    last_seen_at: datetime
    entry_url: str
    entry_title: str
    referrer: str
    source_kind: str
    source_name: str
    keyword: str
    campaign: str
    user_agent: str
    browser: str
    os: str
    device: str
    language: str
    ip: str
    place: Place
    page_count: int


@dataclass(frozen=True, slots=True)
class PageView:
    id: int
    visit_id: int
    visitor_id: int
    url: str
    title: str
    started_at: datetime
    seconds: int
    position: int


@dataclass(frozen=True, slots=True)
class Viewed:
    """A page view stored: its visit as it is now (`new_visit`: this page began it)."""

    visit: Visit
    page: PageView
    new_visit: bool
    new_page: bool  # false: the tab reported the page it already showed (a reconnect)


def clean_tab(value: Any) -> str:
    if not isinstance(value, str) or _TAB.fullmatch(value) is None:
        raise Invalid("tab must be 1-40 letters, digits, '-' or '_'", field="page.tab")
    return value


def page_origin_allowed(url: str, allowed_origins: tuple[str, ...]) -> bool:
    """Only pages of the site's own origins are recorded: a frame naming another site's page is
    refused (a forged frame for someone else's site)."""
    try:
        parts = urlsplit(url)
        # Browsers read a backslash as a slash in http(s) addresses: in the authority it
        # would make them see another host than ours ("https://evil.example\\@our.site/").
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or (
                "\\" in parts.netloc):
            return False
        return v.origin_of(url) in allowed_origins
    except (ValueError, Invalid):
        return False


def _without_credentials(url: str) -> str:
    """The address without a `user:password@` part (never stored, never shown to agents)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


@dataclass(frozen=True, slots=True)
class ChatPage:
    """The site's standalone chat page on this appliance, when the request comes from our own
    origin (a browser showing that page): `{origin}[/prefix]/chat/{widget_key}`."""

    origin: str
    widget_key: str

    def holds(self, url: str) -> bool:
        """`url` is this page (any query, such as `utm_` tags; the appliance may sit behind a
        path prefix)."""
        try:
            parts = urlsplit(url)
            if "\\" in parts.netloc or "@" in parts.netloc or v.origin_of(url) != self.origin:
                return False
        except (ValueError, Invalid):
            return False
        return parts.path.rstrip("/").endswith(f"/chat/{self.widget_key}")


def site_page_url(url: str, allowed_origins: tuple[str, ...], limit: int = URL_MAX,
                  chat_page: ChatPage | None = None) -> str | None:
    """A page address a visitor's browser reports, as it is recorded: one line (see
    `validation.one_line`), cut to `limit`, without user name or password; None when it is
    neither an http(s) page of the site's allowed origins nor (`chat_page`) the site's own
    standalone chat page (agents see recorded pages as links, so no other address is ever
    recorded as a page)."""
    url = v.one_line(url.strip(), limit)
    if not page_origin_allowed(url, allowed_origins) and not (
            chat_page is not None and chat_page.holds(url)):
        return None
    return _without_credentials(url)


def clean_referrer(referrer: str, limit: int = REFERRER_MAX) -> str:
    """Where the visitor came from: any site (shown as text, linked only when http(s)), one
    line, cut to `limit`, without user name or password."""
    referrer = v.one_line(referrer.strip(), limit)
    try:
        return _without_credentials(referrer)
    except ValueError:  # not an address at all (an invalid IPv6 host…): text as it is
        return referrer


def clean_page_frame(data: dict[str, Any], allowed_origins: tuple[str, ...],
                     chat_page: ChatPage | None = None) -> PageFrame:
    """The `page` frame: url, title and referrer are cut to their limits (never refused for
    length), the url must be an http(s) page of the site's allowed origins or (`chat_page`)
    the site's standalone chat page."""
    tab = clean_tab(data.get("tab"))
    raw_url = data.get("url")
    if not isinstance(raw_url, str) or not raw_url:
        raise Invalid("url must be the page's address", field="page.url")
    url = site_page_url(raw_url, allowed_origins, chat_page=chat_page)
    if url is None:
        raise Invalid("url is not a page of this site (allowed origins)", field="page.url")
    title, referrer, language = (data.get(k, "") for k in ("title", "referrer", "language"))
    for name, value in (("title", title), ("referrer", referrer), ("language", language)):
        if not isinstance(value, str):
            raise Invalid(f"{name} must be a string", field=f"page.{name}")
    visible = data.get("visible", True)
    if not isinstance(visible, bool):
        raise Invalid("visible must be true or false", field="page.visible")
    screen = data.get("screen", DESKTOP)
    if screen not in SCREENS:
        raise Invalid("screen must be phone or desktop", field="page.screen")
    language = language.strip()[:LANGUAGE_MAX]
    return PageFrame(tab, url, v.one_line(title.strip(), TITLE_MAX), clean_referrer(referrer),
                     language if _LANGUAGE.fullmatch(language) else "", visible, screen)


def is_new_visit(last_seen_at: datetime | None, now: datetime, gap_minutes: int) -> bool:
    """A visit ends after `gap_minutes` without a page view."""
    return last_seen_at is None or now - last_seen_at > timedelta(minutes=gap_minutes)


def own_hosts(allowed_origins: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(urlsplit(origin).hostname or "" for origin in allowed_origins)


def parse_place(answer: str) -> Place:
    """An ip2region answer: `country|region|province|city|isp` (its v2 data) or
    `country|province|city|isp|iso` (v3 data, which ends in a two-letter country code);
    `0` means unknown, and private addresses are `内网IP`."""
    parts = [p.strip() for p in answer.split("|")]
    if len(parts) < 4:
        return Place()
    if len(parts) >= 5 and re.fullmatch(r"[A-Z]{2}", parts[-1] or ""):
        country, province, city = parts[0], parts[1], parts[2]
    else:
        country, province, city = parts[0], parts[2], parts[3]

    def known(text: str) -> str:
        return "" if text in ("0", "内网IP", "保留地址") else text[:60]

    return Place(known(country), known(province), known(city))


def lookup_address(address: str) -> str | None:
    """The IPv4 address to look up in the place database, or None for an address no database
    places (loopback, private, link-local, IPv6 for an IPv4 file is tried by the caller)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or (
            ip.is_unspecified or ip.is_reserved):
        return None
    return str(ip)


def clean_templates(value: Any) -> tuple[str, ...]:
    """A site's invitation templates: at most 20 messages of at most 500 characters."""
    field = "invitation_templates"
    if not isinstance(value, list) or len(value) > TEMPLATES_MAX:
        raise Invalid(f"{field} must be a list of at most {TEMPLATES_MAX} messages",
                      field=field)
    templates: dict[str, None] = {}
    for item in value:
        text = v.clean_text(item, field, max_len=TEMPLATE_MAX)
        if not text:
            raise Invalid(f"{field}: a template must not be empty", field=field)
        templates[text] = None
    return tuple(templates)


@dataclass(frozen=True, slots=True)
class LiveVisitor:
    """Someone on a site right now (or who left less than a few minutes ago), as the live
    visitor list shows them."""

    id: int
    site_id: int
    name: str
    state: str  # one of STATES
    page_url: str
    page_title: str
    source_kind: str
    source_name: str
    keyword: str
    place: Place
    browser: str
    os: str
    device: str
    language: str
    visit_id: int
    visit_number: int
    visit_started_at: datetime
    page_count: int
    conversation_id: int | None
    invitation_id: int | None
    invitation_status: str | None
    last_seen_at: datetime
    left_at: datetime | None = None  # when they went (last tab closed or socket lost), if left
    device_kind: str = ""  # phone | tablet | desktop ("" when unknown)


def device_kind(user_agent: str, device: str = "") -> str:
    """`phone`, `tablet` or `desktop` from a User-Agent (and ua-parser's device family), as
    browsers announce themselves: Android without "Mobile" is a tablet; "" when there is no
    User-Agent. (iPadOS's Safari says it is a Mac: it is a desktop here.)"""
    if not user_agent.strip():
        return ""
    if ("iPad" in user_agent or "Tablet" in user_agent or "Pad" in device
            or ("Android" in user_agent and "Mobile" not in user_agent)):
        return TABLET
    if any(word in user_agent for word in ("Mobile", "iPhone", "iPod")):
        return PHONE
    return DESKTOP


def live_state(*, left: bool, conversation_id: int | None, assigned: bool,
               invitation_showing: bool, with_bot: bool = False) -> str:
    """A live visitor's state: gone, then chatting (with a person or the bot) or waiting,
    then invited, else browsing."""
    if left:
        return LEFT
    if conversation_id is not None:
        return CHATTING if assigned else WITH_BOT if with_bot else WAITING
    return INVITED if invitation_showing else BROWSING
