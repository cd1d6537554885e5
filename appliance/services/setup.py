"""First-run setup: the company, its owner and first site, created together or not at all."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import BadSetupCode, Invalid, SetupDone
from appliance.domain.model import Company, Role, Site, User
from appliance.domain.sites import clean_site_fields
from appliance.services.auth import SignIn, _check_rate, new_session_fields
from appliance.services.context import Services
from appliance.services.passwords import hash_password
from appliance.services.sites import new_widget_key
from appliance.storage import accounts
from appliance.storage import sites as site_store

# Crockford-style alphabet: no 0/O or 1/I/L to misread from a console.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 12  # ~59 bits, and tries are rate limited per address


def new_setup_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def format_setup_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


@dataclass(frozen=True, slots=True)
class SetupInput:
    company_name: str
    login: str
    display_name: str
    password: str
    site: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SetupResult:
    company: Company
    site: Site
    owner: User
    sign_in: SignIn | None


async def needs_setup(svc: Services) -> bool:
    return not await svc.db.read(accounts.has_owner)


def clean_setup(data: Any) -> tuple[str, SetupInput]:
    body = v.only_fields(data, ("setup_code", "company_name", "owner", "site"))
    owner = v.only_fields(body.get("owner", {}), ("login", "display_name", "password"), "owner")
    site = v.only_fields(body.get("site", {}), ("name", "url"), "site")
    for name, value in (("setup_code", body.get("setup_code")),
                        ("company_name", body.get("company_name"))):
        if value is None:
            raise Invalid(f"{name} is required", field=name)
    for name in ("login", "display_name", "password"):
        if name not in owner:
            raise Invalid(f"owner.{name} is required", field=f"owner.{name}")
    with v.named_under("site"):
        site_fields = clean_site_fields({k: site[k] for k in site}, creating=True)
    return v.clean_setup_code(body["setup_code"]), SetupInput(
        company_name=v.clean_name(body["company_name"], "company_name"),
        login=v.clean_login(owner["login"], "owner.login"),
        display_name=v.clean_name(owner["display_name"], "owner.display_name"),
        password=v.check_password(owner["password"], "owner.password"),
        site=site_fields,
    )


async def check_setup(svc: Services, data: Any, *, ip: str, user_agent: str) -> SetupResult:
    """The setup page's request: needs the code printed on the server's console."""
    code, setup = clean_setup(data)
    if not await needs_setup(svc):
        raise SetupDone("This Kefu is already set up. Sign in instead.")
    _check_rate(svc, "setup", ip)
    expected = svc.setup_code.encode()
    if not expected or not hmac.compare_digest(code.encode(), expected):
        svc.ip_failures.fail(ip, svc.monotonic())
        raise BadSetupCode("Wrong setup code. It is printed on the console where Kefu runs.",
                           field="setup_code")
    return await do_setup(svc, setup, session_for=(ip, user_agent))


async def do_setup(svc: Services, setup: SetupInput,
                   session_for: tuple[str, str] | None = None) -> SetupResult:
    """Create company, first site and owner in one transaction; refused once an owner exists."""
    password_hash = await hash_password(setup.password)
    now = svc.now()
    widget_key = new_widget_key()

    # The session's token and columns are made here, on the loop; its user is the new owner.
    session = (None if session_for is None
               else new_session_fields(svc, 0, *session_for))
    return await svc.db.write(_setup_job, setup, password_hash, widget_key, now, session)


def _setup_job(setup: SetupInput, password_hash: str, widget_key: str, now: datetime,
               session: tuple[str, dict[str, Any]] | None) -> SetupResult:
    if accounts.has_owner():
        raise SetupDone("This Kefu is already set up. Sign in instead.")
    company = site_store.create_company(setup.company_name, now)
    site = site_store.create_site({**setup.site, "company_id": company.id}, widget_key, now)
    owner = accounts.create_user(login=setup.login, display_name=setup.display_name,
                                 role=Role.OWNER, password_hash=password_hash,
                                 language=site.language, site_ids=(), now=now)
    sign_in = None
    if session is not None:
        token, fields = session
        sign_in = SignIn(owner, accounts.create_session(**{**fields, "user_id": owner.id}),
                         token)
    return SetupResult(company, site, owner, sign_in)
