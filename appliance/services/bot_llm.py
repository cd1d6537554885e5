"""The bot's optional model endpoint: a company's settings (owners and admins), the one call
to its OpenAI-compatible `POST {base_url}/chat/completions` that words an answer from the
retrieved entries, and the owner's "test connection". Every failure is an outcome, never an
exception: the bot then keeps its own decision (services/bot.py)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import logging
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import certifi
import nh3

from appliance.domain.bot_llm import (
    LlmSettings,
    ModelAnswer,
    Refusal,
    Source,
    chat_request,
    clean_llm_settings,
    content_of,
    read_answer,
    test_request,
)
from appliance.domain.kb import plain_text
from appliance.domain.model import User
from appliance.domain.permissions import require_install_manager
from appliance.services.context import Services
from appliance.storage import kb as store
from appliance.storage import sites as site_store
from appliance.storage.database import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

REPLY_MAX_BYTES = 256 * 1024  # a chat completion's body beyond this is not read
CALLS_PER_COMPANY = 8  # calls under way at once per company; more fall back at once
ERROR_SHOWN = 200  # characters of an endpoint's error message shown to the owner
KEY_MASK = "****"  # what the owner's test shows where the endpoint's words hold the key
BREAKS = frozenset({"br", "p", "li", "div"})  # kept by nh3 only to become line breaks


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call gave: an answer, or why not (`answered`, `no_answer`, `no_citation`,
    `bad_citation`, `empty`, `leak` (the reply holds the key), `timeout`, `http_<status>`,
    `unreachable`, `malformed`, `too_large`, `busy`)."""

    status: str
    answer: ModelAnswer | None = None
    seconds: float = 0.0
    detail: str = ""  # for the owner's test: the endpoint's own words, shortened


# -- settings (owners and admins) -------------------------------------------------------------

_settings: weakref.WeakKeyDictionary[Database, dict[int, LlmSettings]] = (
    weakref.WeakKeyDictionary())


async def settings_of(svc: Services, company_id: int) -> LlmSettings:
    """A company's endpoint, kept in memory (every change goes through `check_save`), so
    that a company without one costs its visitors' messages no read."""
    known = _settings.setdefault(svc.db, {})
    found = known.get(company_id)
    if found is None:
        found = known[company_id] = await svc.db.read(store.llm_settings, company_id)
    return found


async def access_settings(svc: Services, actor: User, company_id: int) -> LlmSettings:
    require_install_manager(actor)
    await svc.db.read(site_store.get_company, company_id)  # 404 for an unknown company
    return await svc.db.read(store.llm_settings, company_id)


async def check_save(svc: Services, actor: User, company_id: int, data: Any) -> LlmSettings:
    current = await access_settings(svc, actor, company_id)
    settings = clean_llm_settings(data, current)
    saved = await svc.db.write(store.save_llm_settings, settings, svc.now())
    _settings.setdefault(svc.db, {})[company_id] = saved
    return saved


def shown(text: str, *keys: str) -> str:
    """An endpoint's words as the owner sees them: every key masked, then shortened (so
    that no cut leaves part of a key), on one line."""
    for key in keys:
        if key:
            text = text.replace(key, KEY_MASK)
    return " ".join(text.split())[:ERROR_SHOWN]


async def check_test(svc: Services, actor: User, company_id: int, data: Any) -> Outcome:
    """One small call to the endpoint with the stored settings, or with the fields in `data`
    in their place (not saved: an owner can try before saving)."""
    current = await access_settings(svc, actor, company_id)
    settings = clean_llm_settings(data, current)  # another base_url gets no stored key
    if not settings.base_url or not settings.model:
        return Outcome("not_configured", detail="set base_url and model first")
    keys = (settings.api_key, current.api_key)
    started = time.monotonic()
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            data_in = await _post(settings, test_request(settings.model))
    except _CallFailed as failed:
        return Outcome(failed.status, seconds=time.monotonic() - started,
                       detail=shown(failed.detail, *keys))
    except TimeoutError:
        return Outcome("timeout", seconds=time.monotonic() - started)
    content = content_of(data_in)
    seconds = time.monotonic() - started
    if content is None:
        return Outcome("malformed", seconds=seconds,
                       detail="the reply has no choices[0].message.content")
    return Outcome("ok", seconds=seconds, detail=shown(content, *keys))


# -- the call ---------------------------------------------------------------------------------

class _CallFailed(Exception):
    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


_tls: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    """Certificates from certifi's bundle (a one-file build has no system store to rely
    on), built once."""
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context(cafile=certifi.where())
    return _tls


def _error_detail(body: bytes) -> str:
    """An endpoint's error message (OpenAI's `{"error": {"message"}}`), whole: `shown`
    masks and shortens it."""
    try:
        data = json.loads(body)
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        text = message if isinstance(message, str) else ""
    except ValueError:
        text = ""
    return text or body.decode("utf-8", "replace")


async def _post(settings: LlmSettings, body: dict[str, Any]) -> Any:
    """POST the body; the reply's JSON. The call runs on a thread of its own with the standard
    library's HTTP client (an async client library would add some 6 MB to the one-file
    build): proxies and credentials from the environment are not used and redirects are not
    followed, so the call goes where the owner said; the key is sent only in the
    Authorization header and never logged. The thread gives up at the company's timeout
    whatever the endpoint does (a reply trickled byte by byte included)."""
    raw = await _on_a_thread(_post_blocking, settings, body)
    try:
        return json.loads(raw)
    except ValueError:
        raise _CallFailed("malformed", "the reply is not JSON") from None


def _on_a_thread(fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """`fn(*args)` on a daemon thread of its own (a pool's threads are waited for when the
    process exits: a call in flight would hold up a stop by up to its timeout)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the caller gave up (its timeout)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # handed to the caller
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="kefu-model", daemon=True).start()
    return future


def _post_blocking(settings: LlmSettings, body: dict[str, Any]) -> bytes:
    """On a call thread: the reply's body, or _CallFailed / TimeoutError."""
    deadline = time.monotonic() + float(settings.timeout_seconds)
    url = urlsplit(settings.endpoint)
    if not url.hostname or url.scheme not in ("http", "https"):
        raise _CallFailed("unreachable", "InvalidURL")
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    payload = json.dumps(body, ensure_ascii=False).encode()
    timeout = float(settings.timeout_seconds)
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout,
                                    context=_tls_context())
        if url.scheme == "https" else
        http.client.HTTPConnection(url.hostname, url.port, timeout=timeout))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    reply: http.client.HTTPResponse | None = None
    try:
        connection.request("POST", target, body=payload, headers=headers)
        reply = connection.getresponse()
        raw = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if connection.sock is not None:
                connection.sock.settimeout(left)
            chunk = reply.read1(64 * 1024)
            if not chunk:
                break
            raw += chunk
            if len(raw) > REPLY_MAX_BYTES:
                raise _CallFailed("too_large", "the reply is too large")
        if reply.status != 200:
            raise _CallFailed(f"http_{reply.status}", _error_detail(bytes(raw)))
        return bytes(raw)
    except TimeoutError:  # socket.timeout is TimeoutError
        raise TimeoutError from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _CallFailed("unreachable", type(exc).__name__) from None
    finally:
        if reply is not None:
            reply.close()
        connection.close()


def as_plain_text(reply: str) -> str:
    """A model's reply as the plain text a visitor may see: every tag removed by nh3 (the
    content of scripts and styles too; line breaks kept where blocks end), then entities
    unescaped so that "a < b" stays readable."""
    kept = nh3.clean(reply, tags=set(BREAKS), attributes={},
                     clean_content_tags={"script", "style"}, strip_comments=True)
    return plain_text(kept)


_busy: dict[int, int] = {}


async def ask(settings: LlmSettings, question: str, sources: Sequence[Source]) -> Outcome:
    """The model's answer to `question` from `sources` only, within the company's timeout,
    or why there is none. Never raises for anything the endpoint does."""
    if not settings.usable or not sources:
        return Outcome("off")
    company = settings.company_id
    if _busy.get(company, 0) >= CALLS_PER_COMPANY:
        return Outcome("busy")
    _busy[company] = _busy.get(company, 0) + 1
    started = time.monotonic()
    try:
        async with asyncio.timeout(settings.timeout_seconds):
            data = await _post(settings, chat_request(settings.model, question, sources))
        content = content_of(data)
        if content is None:
            raise _CallFailed("malformed")
        answer = read_answer(content, sources, as_plain_text)
        if settings.api_key and (settings.api_key in content
                                 or settings.api_key in answer.text):
            raise Refusal("leak")  # an endpoint echoing the key: never to a visitor
        outcome = Outcome("answered", answer)
    except _CallFailed as failed:
        outcome = Outcome(failed.status)
    except Refusal as refusal:
        outcome = Outcome(refusal.reason)
    except TimeoutError:
        outcome = Outcome("timeout")
    finally:
        _busy[company] -= 1
    seconds = time.monotonic() - started
    # Neither the key nor the visitor's words are logged: the company and how it went.
    log.info("bot model call for company %d: %s in %.2f s", company, outcome.status, seconds)
    return Outcome(outcome.status, outcome.answer, seconds)
