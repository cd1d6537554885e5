"""Visitor sessions: the widget's token, the page the visitor is on, and origin checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.conversations import Conversation, Visitor
from appliance.domain.errors import Forbidden, Invalid, NotFound, Unauthenticated
from appliance.domain.events import VisitorChanged
from appliance.domain.model import Site
from appliance.domain.visits import ChatPage, clean_referrer, site_page_url
from appliance.services.blocks import block_of
from appliance.services.context import Services
from appliance.services.customers import do_capture_visitor
from appliance.services.devices import describe
from appliance.services.phones import clean_phone
from appliance.storage import conversations as store
from appliance.storage import offline as offline_store
from appliance.storage import sites as site_store

PAGE_FIELDS = ("url", "title", "referrer")
PAGE_MAX, TITLE_MAX = 1000, 300  # the visitor row keeps the current page's address cut to 1,000
USER_AGENT_MAX = 500


@dataclass(frozen=True, slots=True)
class VisitorSession:
    token: str | None  # None: a presence session that tracks nobody (see check_start_session)
    visitor: Visitor | None
    site: Site
    conversation: Conversation | None
    blocked: bool = False  # the widget shows the offline state ("blocked" availability)


def visitor_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_origin_allowed(site: Site, origin: str | None, own_origin: str) -> None:
    """Widgets talk to us from the site's allowed origins or from our own pages; clients that
    send no Origin at all (mobile apps) are not browsers a page could abuse."""
    if origin is None or origin == own_origin or origin in site.allowed_origins:
        return
    raise Forbidden("This website is not allowed to use this chat (allowed origins)")


def chat_page_of(site: Site, origin: str | None, own_origin: str) -> ChatPage | None:
    """The site's standalone chat page, for a request from a page of our own origin (the
    only one of ours a visitor talks to us from)."""
    return ChatPage(own_origin, site.widget_key) if origin == own_origin else None


def _clean_page(site: Site, data: Any, chat_page: ChatPage | None) -> dict[str, str]:
    """The page the session starts on, as the visitor row's columns. A page whose `url` is
    neither an http(s) page of the site's allowed origins nor (`chat_page`) the site's
    standalone chat page is not recorded at all (nor its title and referrer): the session
    starts as usual, the visitor's page stays what it was."""
    if data is None:
        return {}
    body = v.only_fields(data, PAGE_FIELDS, "page")
    for key in PAGE_FIELDS:
        if body.get(key) is not None:
            v.require_str(body[key], f"page.{key}")
    url = site_page_url(body.get("url") or "", site.allowed_origins, PAGE_MAX, chat_page)
    if url is None:
        return {}
    page = {"page_url": url, "page_title": v.one_line((body.get("title") or "").strip(),
                                                      TITLE_MAX)}
    if body.get("referrer") is not None:
        page["referrer"] = clean_referrer(body["referrer"], PAGE_MAX)
    return page


def _clean_identity(site: Site, data: Any) -> dict[str, Any]:
    """Name, e-mail and phone a page tells us (the phone a number `clean_phone` takes); a
    signed user id needs the site's secret."""
    if data is None:
        return {}
    body = v.only_fields(data, ("name", "email", "phone", "attributes", "user_id", "signature"),
                         "identify")
    identity: dict[str, Any] = {}
    if "name" in body:
        identity["name"] = v.clean_name(body["name"], "identify.name", allow_empty=True)
    if "email" in body:
        identity["email"] = v.clean_email(body["email"], "identify.email", allow_empty=True)
    if "phone" in body:
        identity["phone"] = v.clean_name(body["phone"], "identify.phone", max_len=40,
                                         allow_empty=True)
        # Kept as written, but only a number the customer record takes (else it would be
        # dropped there without anyone knowing: the pre-chat form shows this refusal).
        clean_phone(identity["phone"], "identify.phone")
    if "attributes" in body:
        attrs = body["attributes"]
        if not isinstance(attrs, dict) or len(attrs) > 30 or not all(
                isinstance(k, str) and len(k) <= 50 and isinstance(val, str | int | float | bool)
                and len(str(val)) <= 500 for k, val in attrs.items()):
            raise Invalid("attributes: at most 30 short text or number values",
                          field="identify.attributes")
        for key, val in attrs.items():  # shown to agents: no hidden or direction-faking text
            v.check_visible(key, "identify.attributes", multiline=False)
            if isinstance(val, str):  # CRLF line ends (a website's textarea) are line breaks
                v.check_visible(val.replace("\r\n", "\n"), "identify.attributes", multiline=True)
        identity["attributes"] = attrs
    if "user_id" in body:
        user_id = v.require_str(body["user_id"], "identify.user_id")[:200]
        expected = hmac.new(site.identity_secret.encode(), user_id.encode(),
                            hashlib.sha256).hexdigest() if site.identity_secret else ""
        if not expected or not hmac.compare_digest(expected, str(body.get("signature", ""))):
            raise Forbidden("identify: the signature does not match this site's secret",
                            field="identify.signature")
        identity.setdefault("attributes", {})["user_id"] = user_id
    return identity


async def check_start_session(svc: Services, data: Any, *, origin: str | None,
                              own_origin: str, user_agent: str,
                              address: str = "") -> VisitorSession:
    body = v.only_fields(data, ("site_key", "visitor_token", "page", "identify", "presence"))
    presence = v.clean_bool(body.get("presence", False), "presence")
    site_key = v.require_str(body.get("site_key"), "site_key")[:64]
    site = await svc.db.read(site_store.get_site_by_widget_key, site_key)
    if site is None:
        raise NotFound("Unknown site key", field="site_key")
    check_origin_allowed(site, origin, own_origin)
    page = _clean_page(site, body.get("page"), chat_page_of(site, origin, own_origin))
    identity = _clean_identity(site, body.get("identify"))
    token = body.get("visitor_token")
    if token is not None and not isinstance(token, str):
        raise Invalid("visitor_token must be a string", field="visitor_token")
    known = None
    if token and len(token) <= 128:
        known = await svc.db.read(store.visitor_by_token, visitor_token_hash(token))
    ua = user_agent[:USER_AGENT_MAX]
    now = svc.now()
    returning = known is not None and known.site_id == site.id
    if known is not None and returning:
        svc.throttle.check("session", visitor_id=known.id)
        visitor = await svc.db.write(store.touch_visitor, known.id, page, ua, identity, now)
    elif presence and (not site.track_before_chat
                       or await block_of(svc, site, None, address) is not None):
        # The presence module asks for a visitor only to track them: a site that tracks
        # nobody before a chat (or a blocked address) gets no new visitor from it.
        return VisitorSession(None, None, site, None,
                              blocked=await block_of(svc, site, None, address) is not None)
    else:
        svc.throttle.check("new_visitor", address=address)
        token = secrets.token_urlsafe(32)
        token_hash = visitor_token_hash(token)

        visitor = await svc.db.write(_create_visitor_job, site.id, token_hash, page, ua,
                                     identity, now)
    if identity:  # contact details (pre-chat form, or the page's identify): a customer
        await do_capture_visitor(svc, visitor.id)
    conversation = await svc.db.read(offline_store.active_conversation_of, visitor.id)
    if returning and conversation is not None and _seen_differently(known, visitor):
        svc.publish(VisitorChanged(visitor, describe(visitor.user_agent)))
    blocked = await block_of(svc, site, visitor.id, address) is not None
    return VisitorSession(str(token), visitor, site, conversation, blocked)


def _seen_differently(before: Visitor | None, after: Visitor) -> bool:
    """Whether agents would see anything new: another page, or who the visitor says they are
    (a reload of the same page is no news)."""
    return before is None or any(getattr(before, name) != getattr(after, name) for name in (
        "page_url", "page_title", "referrer", "name", "email", "phone", "attributes",
        "user_agent"))


async def access_visitor(svc: Services, token: Any, origin: str | None,
                         own_origin: str) -> tuple[Visitor, Site]:
    """The visitor behind a token (Bearer header or socket auth frame)."""
    visitor, site, _ = await _visitor_and_site(svc, token, origin, own_origin, False)
    return visitor, site


async def open_visitor_socket(svc: Services, token: Any, origin: str | None, own_origin: str,
                              site_key: str | None = None,
                              ) -> tuple[Visitor, Site, Conversation | None]:
    """A widget socket's `auth`: the visitor, their site and their open conversation, read in
    one job on a reader thread (one socket per page view on classic sites: this is per page).
    A token of another site than `site_key`'s is unknown here (start a new session), whatever
    the origin: it is checked before the origin, which is checked against the token's site."""
    return await _visitor_and_site(svc, token, origin, own_origin, True, site_key)


async def _visitor_and_site(svc: Services, token: Any, origin: str | None, own_origin: str,
                            with_conversation: bool, site_key: str | None = None,
                            ) -> tuple[Visitor, Site, Conversation | None]:
    if not isinstance(token, str) or not token or len(token) > 128:
        raise Unauthenticated("A visitor token is required")
    token_hash = visitor_token_hash(token)

    def read() -> tuple[Visitor | None, Site | None, Conversation | None]:
        visitor = store.visitor_by_token(token_hash)
        if visitor is None:
            return None, None, None
        return (visitor, site_store.get_site(visitor.site_id),
                store.open_conversation_of(visitor.id) if with_conversation else None)

    visitor, site, conversation = await svc.db.read(read)
    if visitor is None or site is None:
        raise Unauthenticated("Unknown visitor token; start a new session")
    if site_key is not None and site_key != site.widget_key:
        raise Unauthenticated("visitor token belongs to another site")
    check_origin_allowed(site, origin, own_origin)
    return visitor, site, conversation


def _create_visitor_job(site_id: int, token_hash: str, page: dict[str, str], ua: str,
                        identity: dict[str, Any] | None, now: datetime) -> Visitor:
    created = store.create_visitor(site_id, token_hash, page, ua, now)
    return store.touch_visitor(created.id, {}, "", identity, now) if identity else created
