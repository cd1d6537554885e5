"""Pure rules: input validation, failure windows, permissions, user and site fields, the snippet."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest

from appliance.domain import validation as v
from appliance.domain.embed import embed_snippet
from appliance.domain.errors import Forbidden, Invalid
from appliance.domain.model import Role, Site, User
from appliance.domain.permissions import (
    can_access_site,
    require_can_manage_user,
    require_install_manager,
    require_not_self,
    require_site_access,
    visible_sites,
)
from appliance.domain.ratelimit import FailureWindow
from appliance.domain.sites import DEFAULT_THEME_COLOR, clean_site_fields
from appliance.domain.users import (
    SELF_FIELDS,
    check_keeps_an_owner,
    clean_new_user,
    clean_user_update,
)

T0 = datetime(2025, 1, 1)
NOT_STRINGS = [None, 5, 1.5, True, ["a"], {"a": 1}, b"bytes"]


def user(role: Role, user_id: int = 1, *, site_ids: tuple[int, ...] = (),
         active: bool = True) -> User:
    return User(id=user_id, login=f"u{user_id}", display_name=f"U{user_id}", role=role,
                active=active, language="en", created_at=T0, site_ids=site_ids)


def site(site_id: int) -> Site:
    return Site(id=site_id, company_id=1, name=f"s{site_id}", url="https://example.com",
                widget_key=f"k{site_id}", allowed_origins=("https://example.com",),
                display_name="", logo_url="", greeting="", theme_color="#1f6feb",
                widget_position="right", language="en", created_at=T0)


def refused(fn: Any, *args: Any, **kwargs: Any) -> Invalid:
    with pytest.raises(Invalid) as info:
        fn(*args, **kwargs)
    return info.value


# -- names and text -------------------------------------------------------------------------

def test_clean_name_trims_and_normalises() -> None:
    assert v.clean_name("  悦齿口腔  ") == "悦齿口腔"
    assert v.clean_name("Cafe\u0301") == "Café"  # NFC: one code point
    assert v.clean_name("x" * v.NAME_MAX) == "x" * v.NAME_MAX
    assert v.clean_name("   ", allow_empty=True) == ""


@pytest.mark.parametrize("bad", [
    "", "   ", "x" * (v.NAME_MAX + 1), "line\nbreak", "tab\there", "nul\x00", "bell\x07",
    "del\x7f", "c1\x85ctl", "admin\u202egnp.exe", "\u2066isolate\u2069", "lre\u202a",
])
def test_clean_name_refuses(bad: str) -> None:
    error = refused(v.clean_name, bad, "company_name")
    assert error.field == "company_name"


@pytest.mark.parametrize("bad", NOT_STRINGS)
def test_text_cleaners_refuse_non_strings(bad: Any) -> None:
    for fn in (v.clean_name, v.clean_login, v.check_password, v.clean_url, v.clean_color,
               v.clean_setup_code):
        assert "must be a string" in refused(fn, bad).message
    assert "must be a string" in refused(v.clean_text, bad, "greeting", max_len=10).message


def test_clean_text_allows_lines_but_not_other_controls() -> None:
    assert v.clean_text(" Hello!\n\tHow can we help? ", "greeting", max_len=50) == (
        "Hello!\n\tHow can we help?")
    assert refused(v.clean_text, "x" * 11, "greeting", max_len=10).field == "greeting"
    assert "control" in refused(v.clean_text, "hi\x1b[31m", "greeting", max_len=50).message
    assert "invisible" in refused(v.clean_text, "hi\u202e", "greeting", max_len=50).message


# -- logins and passwords -------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "clean"), [
    ("  Boss@Example.COM ", "boss@example.com"),
    ("A.B-c_d", "a.b-c_d"),
    ("abc", "abc"),
    ("first.last+tag@mail.example.cn", "first.last+tag@mail.example.cn"),
    ("x" * v.LOGIN_MAX, "x" * v.LOGIN_MAX),
])
def test_clean_login_normalises_case_and_spaces(raw: str, clean: str) -> None:
    assert v.clean_login(raw) == clean


@pytest.mark.parametrize("bad", [
    "ab", "x" * (v.LOGIN_MAX + 1), "zhang san", "张三丰", "semi;colon", "new\nline",
    "a@@example.com", "@example.com", "a@example.com.", "a@-example.com", "a@exa mple.com",
    "a@例子.中国", "<script>@x.com",
])
def test_clean_login_refuses(bad: str) -> None:
    assert refused(v.clean_login, bad, "owner.login").field == "owner.login"


def test_check_password_length_only() -> None:
    assert v.check_password(" " * v.PASSWORD_MIN) == " " * v.PASSWORD_MIN  # kept as typed
    assert v.check_password("密码" * 4) == "密码" * 4
    assert v.check_password("p" * v.PASSWORD_MAX) == "p" * v.PASSWORD_MAX
    assert "at least" in refused(v.check_password, "p" * (v.PASSWORD_MIN - 1)).message
    assert "at most" in refused(v.check_password, "p" * (v.PASSWORD_MAX + 1)).message


# -- addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize("good", [
    "https://www.example.com", "http://example.com:8080/shop?x=1#top", "HTTPS://EXAMPLE.com",
    "https://例子.中国/路径", "http://[::1]:8080/", "http://192.168.1.10",
])
def test_clean_url_accepts_web_addresses(good: str) -> None:
    assert v.clean_url(f"  {good} ") == good


@pytest.mark.parametrize("bad", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript://example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd",
    "ftp://example.com", "//example.com", "example.com", "https://", "https:///path",
    "https://user:secret@example.com", "https://user@example.com", "https://:pw@example.com",
    "https://exa mple.com", "https://example.com/\x00", "https://exa\tmple.com",
    "https://example.com/\u202egro.live", "https://example.com:99999", "https://example.com:x",
    "https://[::1", "https://example.com/" + "a" * v.URL_MAX, "",
])
def test_clean_url_refuses(bad: str) -> None:
    assert refused(v.clean_url, bad, "logo_url").field == "logo_url"


def test_clean_url_may_allow_empty() -> None:
    assert v.clean_url("  ", "logo_url", allow_empty=True) == ""


@pytest.mark.parametrize(("raw", "origin"), [
    ("https://Example.COM", "https://example.com"),
    ("https://example.com/", "https://example.com"),
    ("https://example.com:443", "https://example.com"),
    ("http://example.com:80", "http://example.com"),
    ("http://example.com:443", "http://example.com:443"),
    ("https://example.com:8443", "https://example.com:8443"),
    ("http://[::1]:80", "http://[::1]"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_clean_origin(raw: str, origin: str) -> None:
    assert v.clean_origin(raw) == origin


@pytest.mark.parametrize("bad", [
    "https://example.com/shop", "https://example.com?x=1", "https://example.com/#top",
    "https://user@example.com", "javascript:alert(1)", "null", "*",
])
def test_clean_origin_refuses(bad: str) -> None:
    assert refused(v.clean_origin, bad).field == "allowed_origins"


def test_clean_origins_list() -> None:
    assert v.clean_origins(["https://a.example", "https://A.example:443/", "http://b.example"]) \
        == ("https://a.example", "http://b.example")
    assert v.clean_origins([]) == ()
    assert "must be a list" in refused(v.clean_origins, "https://a.example").message
    many = [f"https://s{i}.example" for i in range(v.ORIGINS_MAX + 1)]
    assert "at most" in refused(v.clean_origins, many).message
    assert len(v.clean_origins(many[:-1])) == v.ORIGINS_MAX
    refused(v.clean_origins, ["https://a.example", "https://b.example/path"])


def test_origin_of_a_clean_url() -> None:
    assert v.origin_of("https://Shop.Example.com:443/a/b?c#d") == "https://shop.example.com"
    assert v.origin_of("http://example.com:8080/x") == "http://example.com:8080"


# -- small values ---------------------------------------------------------------------------

def test_colors_choices_and_roles() -> None:
    assert v.clean_color(" #1F6FEB ") == "#1f6feb"
    for bad in ("#fff", "red", "1f6feb", "#1f6feg", "#1f6feb00", "#1f6feb;x"):
        refused(v.clean_color, bad)
    assert v.clean_language("en") == "en"
    assert v.clean_position("left") == "left"
    for bad in ("EN", "zh", "", None, 1):
        refused(v.clean_language, bad)
    assert v.clean_role("agent") is Role.AGENT
    for bad in ("Owner", "root", "", None, ["owner"]):
        assert refused(v.clean_role, bad).field == "role"


def test_ids() -> None:
    assert v.clean_id(1, "site_id") == 1
    assert v.clean_id(2**63 - 1, "site_id") == 2**63 - 1
    for bad in (0, -1, 2**63, True, False, 1.0, "1", None):
        assert refused(v.clean_id, bad, "site_id").field == "site_id"
    assert v.clean_id_list([3, 1, 3, 2], "site_ids") == (1, 2, 3)
    assert v.clean_id_list([], "site_ids") == ()
    refused(v.clean_id_list, (1, 2), "site_ids")
    refused(v.clean_id_list, [1, "2"], "site_ids")
    refused(v.clean_id_list, list(range(1, 12)), "site_ids", max_items=10)


def test_setup_code() -> None:
    assert v.clean_setup_code(" abcd-efgh-jkmn ") == "ABCDEFGHJKMN"
    assert v.clean_setup_code("ABCDEFGHJKMN") == "ABCDEFGHJKMN"
    assert "too long" in refused(v.clean_setup_code, "A" * (v.SETUP_CODE_MAX + 1)).message


def test_only_fields() -> None:
    body = {"name": "x"}
    assert v.only_fields(body, ("name", "url")) is body
    error = refused(v.only_fields, {"name": "x", "nmae": "y", "zzz": 1}, ("name",))
    assert error.field == "nmae"
    for bad in (None, [], "name", 1):
        assert "JSON object" in refused(v.only_fields, bad, ("name",)).message


# -- failure windows ------------------------------------------------------------------------

def test_failure_window_blocks_at_the_limit() -> None:
    window = FailureWindow(limit=3, window=60)
    for t in (0.0, 1.0):
        window.fail("boss", t)
    assert window.retry_after("boss", 2.0) == 0  # two failures: may still try
    window.fail("boss", 2.0)
    assert window.retry_after("boss", 2.0) == 58  # until the first failure is 60 s old
    assert window.retry_after("boss", 59.5) == 1  # rounded up, never 0 while blocked
    assert window.retry_after("boss", 59.999) == 1
    assert window.retry_after("boss", 60.0) == 0  # the first failure left the window
    assert window.retry_after("someone-else", 2.0) == 0


def test_failure_window_counts_from_the_right_failure() -> None:
    window = FailureWindow(limit=2, window=10)
    for t in (0.0, 4.0, 5.0, 6.0):
        window.fail("ip", t)
    # Blocked until only one failure is left in the window: the one at 5 must expire.
    assert window.retry_after("ip", 6.0) == 9
    assert window.retry_after("ip", 14.9) == 1
    assert window.retry_after("ip", 15.0) == 0


def test_failure_window_expiry_and_clear() -> None:
    window = FailureWindow(limit=1, window=30)
    window.fail("a", 100.0)
    assert window.retry_after("a", 100.0) == 30
    assert window.retry_after("a", 130.0) == 0
    window.fail("a", 131.0)
    assert window.retry_after("a", 131.0) == 30  # a fresh failure starts over
    window.clear("a")
    assert window.retry_after("a", 131.0) == 0
    window.clear("never-seen")  # harmless


def test_failure_window_bounds_the_number_of_keys() -> None:
    window = FailureWindow(limit=1, window=1000, max_keys=3)
    window.fail("a", 0.0)
    window.fail("b", 1.0)
    window.fail("c", 2.0)
    window.fail("a", 3.0)  # known key: nobody is evicted, and "a" is now the freshest
    window.fail("d", 4.0)  # full: forget the key whose latest failure is oldest ("b")
    assert [k for k in "abcd" if window.retry_after(k, 5.0)] == ["a", "c", "d"]
    for i in range(100):
        window.fail(f"flood-{i}", 10.0 + i)
    blocked = [k for k in [*"abcd", *(f"flood-{i}" for i in range(100))]
               if window.retry_after(k, 200.0)]
    assert blocked == ["flood-97", "flood-98", "flood-99"]


# -- permissions ----------------------------------------------------------------------------

def test_only_owners_and_admins_manage_the_install() -> None:
    require_install_manager(user(Role.OWNER))
    require_install_manager(user(Role.ADMIN))
    for role in (Role.SUPERVISOR, Role.AGENT):
        with pytest.raises(Forbidden):
            require_install_manager(user(role))


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    (Role.OWNER, Role.OWNER, True), (Role.OWNER, Role.ADMIN, True),
    (Role.OWNER, Role.SUPERVISOR, True), (Role.OWNER, Role.AGENT, True),
    (Role.ADMIN, Role.OWNER, False), (Role.ADMIN, Role.ADMIN, False),
    (Role.ADMIN, Role.SUPERVISOR, True), (Role.ADMIN, Role.AGENT, True),
    (Role.SUPERVISOR, Role.AGENT, False), (Role.SUPERVISOR, Role.SUPERVISOR, False),
    (Role.AGENT, Role.AGENT, False),
])
def test_who_manages_whom(actor: Role, target: Role, allowed: bool) -> None:
    if allowed:
        require_can_manage_user(user(actor), target)
    else:
        with pytest.raises(Forbidden):
            require_can_manage_user(user(actor), target)


def test_agents_and_supervisors_see_only_assigned_sites() -> None:
    sites = [site(1), site(2), site(3)]
    for role in (Role.AGENT, Role.SUPERVISOR):
        member = user(role, site_ids=(1, 3))
        assert [s.id for s in visible_sites(member, sites)] == [1, 3]
        assert can_access_site(member, 3)
        assert not can_access_site(member, 2)
        require_site_access(member, 1)
        with pytest.raises(Forbidden):
            require_site_access(member, 2)
        assert visible_sites(user(role), sites) == []
    for role in (Role.OWNER, Role.ADMIN):
        manager = user(role)  # no assignments needed
        assert visible_sites(manager, sites) == sites
        require_site_access(manager, 99)


def test_require_not_self() -> None:
    me = user(Role.OWNER, 1)
    require_not_self(me, user(Role.AGENT, 2), "deactivate")
    with pytest.raises(Forbidden, match="deactivate your own account"):
        require_not_self(me, user(Role.OWNER, 1), "deactivate")


def test_the_install_keeps_an_active_owner() -> None:
    owner = user(Role.OWNER)
    with pytest.raises(Forbidden):
        check_keeps_an_owner(owner, None, deactivating=True, active_owners=1)
    with pytest.raises(Forbidden):
        check_keeps_an_owner(owner, Role.ADMIN, deactivating=False, active_owners=1)
    # Allowed: another active owner remains, the role stays owner, or nothing changes.
    check_keeps_an_owner(owner, None, deactivating=True, active_owners=2)
    check_keeps_an_owner(owner, Role.AGENT, deactivating=False, active_owners=2)
    check_keeps_an_owner(owner, Role.OWNER, deactivating=False, active_owners=1)
    check_keeps_an_owner(owner, None, deactivating=False, active_owners=1)
    # Not an active owner: changing them never loses one.
    check_keeps_an_owner(user(Role.OWNER, active=False), Role.AGENT, deactivating=True,
                         active_owners=1)
    check_keeps_an_owner(user(Role.ADMIN), Role.AGENT, deactivating=True, active_owners=1)


# -- user and site fields -------------------------------------------------------------------

def test_clean_new_user() -> None:
    fields = clean_new_user({"login": " Li.Na@Example.com ", "display_name": " 李娜 ",
                             "role": "agent", "password": "long enough", "site_ids": [2, 1]})
    assert fields == {"login": "li.na@example.com", "display_name": "李娜", "role": Role.AGENT,
                      "password": "long enough", "site_ids": (1, 2), "language": "zh-CN",
                      "company_id": None}
    base = {"login": "lina", "display_name": "Li", "role": "agent", "password": "long enough"}
    for missing in base:
        body = {k: val for k, val in base.items() if k != missing}
        assert refused(clean_new_user, body).field == missing
    assert refused(clean_new_user, {**base, "active": False}).field == "active"
    assert refused(clean_new_user, {**base, "role": "root"}).field == "role"
    assert refused(clean_new_user, {**base, "password": "short"}).field == "password"
    assert refused(clean_new_user, {**base, "language": "fr"}).field == "language"
    assert refused(clean_new_user, {**base, "site_ids": [0]}).field == "site_ids"


def test_clean_user_update() -> None:
    assert clean_user_update({}) == {}
    assert clean_user_update({"role": "supervisor", "site_ids": [5]}) == {
        "role": Role.SUPERVISOR, "site_ids": (5,)}
    # Editing one's own profile: no way to change one's role, sites, login or password.
    assert clean_user_update({"display_name": " Me ", "language": "en"}, SELF_FIELDS) == {
        "display_name": "Me", "language": "en"}
    for field in ("role", "site_ids", "login", "password", "active"):
        assert refused(clean_user_update, {field: "x"}, SELF_FIELDS).field == field
    assert refused(clean_user_update, {"password": "new password"}).field == "password"


def test_clean_site_fields_when_creating() -> None:
    fields = clean_site_fields({"name": " 官网 ", "url": "https://Www.Example.com/shop"},
                               creating=True)
    assert fields == {"name": "官网", "url": "https://Www.Example.com/shop",
                      "allowed_origins": ("https://www.example.com",),
                      "theme_color": DEFAULT_THEME_COLOR}
    assert refused(clean_site_fields, {"name": "x"}, creating=True).field == "url"
    assert refused(clean_site_fields, {"url": "https://a.example"}, creating=True).field == "name"


def test_clean_site_fields_when_updating() -> None:
    assert clean_site_fields({}, creating=False) == {}
    assert clean_site_fields({"logo_url": "", "greeting": "Hi!\nAsk us."}, creating=False) == {
        "logo_url": "", "greeting": "Hi!\nAsk us."}
    for body, field in [
        ({"logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"url": "https://admin:pw@example.com"}, "url"),
        ({"allowed_origins": ["https://a.example/path"]}, "allowed_origins"),
        ({"greeting": "x" * (v.GREETING_MAX + 1)}, "greeting"),
        ({"greeting": "\u202eevil"}, "greeting"),
        ({"display_name": "a\nb"}, "display_name"),
        ({"theme_color": "red"}, "theme_color"),
        ({"widget_position": "top"}, "widget_position"),
        ({"company_id": "1"}, "company_id"),
        ({"widget_key": "chosen"}, "widget_key"),
        ({"id": 5}, "id"),
    ]:
        assert refused(clean_site_fields, body, creating=False).field == field, body


# -- the embed snippet ----------------------------------------------------------------------

def _snippet_values(snippet: str) -> tuple[str, str]:
    match = re.search(r"\}\)\(window,document,(\".*\"),(\".*\")\);\n</script>$", snippet)
    assert match, snippet
    return json.loads(match.group(1)), json.loads(match.group(2))


def test_embed_snippet() -> None:
    snippet = embed_snippet("https://chat.example.com/", "Xb3kQ9")
    assert snippet.startswith("<!-- Kefu live chat -->\n<script>")
    assert '"/embed.js"' in snippet
    assert "data-kefu-site" in snippet
    assert _snippet_values(snippet) == ("https://chat.example.com", "Xb3kQ9")


@pytest.mark.parametrize(("base", "key"), [
    ("https://x.example/</script><script>alert(1)</script>", "k"),
    ("https://x.example", '"</SCRIPT><img src=x onerror=alert(1)>'),
    ("https://x.example/<!--", "<script>"),
    ("https://x.example/\u2028\u2029", "key\\\"'"),
])
def test_embed_snippet_values_cannot_break_out(base: str, key: str) -> None:
    snippet = embed_snippet(base, key)
    assert snippet.lower().count("<script") == 1
    assert snippet.lower().count("</script") == 1
    assert snippet.count("<!--") == 1  # only the leading comment
    assert "\u2028" not in snippet and "\u2029" not in snippet
    assert _snippet_values(snippet) == (base.rstrip("/"), key)


def test_setup_code_accepts_full_width_input() -> None:
    from appliance.domain.validation import clean_setup_code

    assert clean_setup_code("ＡＢＣＤ－２３４５ efgh") == "ABCD2345EFGH"


def test_origins_of_internationalised_hosts_are_punycode() -> None:
    from appliance.domain.validation import clean_origin, origin_of

    assert origin_of("https://例子.中国/路径") == "https://xn--fsqu00a.xn--fiqs8s"
    assert clean_origin("https://例子.中国") == "https://xn--fsqu00a.xn--fiqs8s"


def test_a_transcript_speaks_the_sites_language_in_the_companys_time() -> None:
    from types import SimpleNamespace

    from appliance.domain.conversations import Message, Sender
    from appliance.domain.transcripts import transcript_subject, transcript_text

    def line(seq: int, sender: Sender, kind: str, body: str, hour: int) -> Message:
        return Message(id=seq, conversation_id=8, seq=seq, client_id=f"c{seq}", sender=sender,
                       kind=kind, body=body, attachment=None,
                       created_at=datetime(2026, 12, 7, hour, 40))
    agent = Sender("agent", 2, "Amy")
    messages = [line(1, Sender("visitor", 5, "访客5"), "text", "Hi {name}", 15),
                line(2, agent, "note", "secret", 15),
                line(3, Sender("system", 2, "Amy"), "system", "closed", 16),
                line(4, Sender("system", None, ""), "system", "some_new_code", 16)]
    conversation: Any = SimpleNamespace(id=8)
    text = transcript_text("en", "Shop", "Asia/Shanghai", conversation, messages)
    assert text.splitlines() == [
        "Shop — #8", "Times are Asia/Shanghai time", "",
        "[2026-12-07 23:40] 访客5: Hi {name}",
        "[2026-12-08 00:40] -- Amy ended the conversation --",
        "[2026-12-08 00:40] -- some_new_code () --"]
    assert transcript_subject("en", "Shop", 8) == "Shop: chat transcript #8"
    assert transcript_subject("zh-CN", "官网", 8) == "官网：聊天记录 #8"
    assert "Amy 结束了对话" in transcript_text("zh-CN", "官网", "UTC", conversation, messages)
