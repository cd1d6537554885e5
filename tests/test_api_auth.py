"""Signing in and out, sessions, CSRF, rate limits and changing one's own password."""

from __future__ import annotations

from conftest import OWNER_PASSWORD, Appliance


def test_login_logout_and_me(appliance: Appliance) -> None:
    appliance.setup()
    client = appliance.login("BOSS@example.com ", OWNER_PASSWORD)  # case and spaces ignored
    me = client.get("/api/me")
    assert me.status_code == 200 and me.json()["user"]["role"] == "owner"
    assert me.json()["csrf_token"] == client.cookies.get("kefu_csrf")
    assert client.post("/api/auth/logout", json={}).status_code == 200
    assert client.get("/api/me").status_code == 401


def test_uniform_error_for_unknown_login_and_wrong_password(appliance: Appliance) -> None:
    appliance.setup()
    client = appliance.client()
    wrong = client.post("/api/auth/login",
                        json={"login": "boss@example.com", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"login": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "bad_credentials"


def test_login_rate_limited_per_account(start_appliance) -> None:
    appliance = start_appliance(login_max_failures=3)
    appliance.setup()
    client = appliance.client()
    for _ in range(3):
        r = client.post("/api/auth/login", json={"login": "boss@example.com", "password": "x" * 9})
        assert r.status_code == 401
    r = client.post("/api/auth/login", json={"login": "boss@example.com",
                                             "password": OWNER_PASSWORD})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0
    assert "kefu_session" not in r.headers.get("set-cookie", "")


def test_login_rate_limited_per_ip_across_accounts(start_appliance) -> None:
    appliance = start_appliance(login_ip_max_failures=4, login_max_failures=100)
    appliance.setup()
    client = appliance.client()
    for i in range(4):
        client.post("/api/auth/login", json={"login": f"user{i}", "password": "x" * 9})
    r = client.post("/api/auth/login", json={"login": "boss@example.com",
                                             "password": OWNER_PASSWORD})
    assert r.status_code == 429


def test_state_changes_need_the_csrf_token(owner) -> None:
    client, _ = owner
    no_token = client.post("/api/companies", json={"name": "X"}, headers={"X-CSRF-Token": ""})
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf"
    wrong = client.post("/api/companies", json={"name": "X"}, headers={"X-CSRF-Token": "abc"})
    assert wrong.status_code == 403
    foreign = client.post("/api/companies", json={"name": "X"},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert len(client.get("/api/companies").json()["companies"]) == 1


def test_login_from_another_origin_refused(appliance: Appliance) -> None:
    appliance.setup()
    r = appliance.client().post("/api/auth/login", headers={"Origin": "http://evil.example"},
                                json={"login": "boss@example.com", "password": OWNER_PASSWORD})
    assert r.status_code == 403


def test_behind_a_proxy_the_public_url_is_our_own_origin(start_appliance) -> None:
    """nginx passes its upstream address as Host by default: the browser's Origin is the
    public URL's, which `public_url` names (it was refused as another origin)."""
    appliance = start_appliance(public_url="https://chat.example.com/")
    appliance.setup()
    for origin, expected in (("https://chat.example.com", 200), ("https://evil.example", 403),
                             ("http://chat.example.com", 403)):
        r = appliance.client().post("/api/auth/login", headers={"Origin": origin}, json={
            "login": "boss@example.com", "password": OWNER_PASSWORD})
        assert r.status_code == expected, (origin, r.text)
    # A browser leaves the scheme's own port out of its Origin; another port stays.
    from appliance.web.http import public_origin
    assert public_origin("https://Chat.Example.com:443/kefu") == "https://chat.example.com"
    assert public_origin("http://chat.example.com:80") == "http://chat.example.com"
    assert public_origin("http://chat.example.com:8443") == "http://chat.example.com:8443"
    assert public_origin("http://[::1]:8080") == "http://[::1]:8080"


def test_change_own_password_ends_other_sessions(appliance: Appliance) -> None:
    here, _ = appliance.setup()
    elsewhere = appliance.login("boss@example.com", OWNER_PASSWORD)
    bad = here.post("/api/me/password", json={"current_password": "wrong-one",
                                              "new_password": "new-password-2"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "current_password"
    short = here.post("/api/me/password", json={"current_password": OWNER_PASSWORD,
                                                "new_password": "short"})
    assert short.status_code == 400 and short.json()["error"]["field"] == "new_password"
    ok = here.post("/api/me/password", json={"current_password": OWNER_PASSWORD,
                                             "new_password": "new-password-2"})
    assert ok.status_code == 200
    assert here.get("/api/me").status_code == 200
    assert elsewhere.get("/api/me").status_code == 401
    appliance.login("boss@example.com", "new-password-2")
    r = appliance.client().post("/api/auth/login", json={"login": "boss@example.com",
                                                         "password": OWNER_PASSWORD})
    assert r.status_code == 401


def test_update_me(owner) -> None:
    client, _ = owner
    r = client.patch("/api/me", json={"display_name": "老王", "language": "en"})
    assert r.status_code == 200 and r.json()["user"]["language"] == "en"
    assert client.get("/api/me").json()["user"]["display_name"] == "老王"
    r = client.patch("/api/me", json={"role": "agent"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "role"
    r = client.patch("/api/me", json={"language": "fr"})
    assert r.status_code == 400
    assert client.get("/api/me").json()["user"]["role"] == "owner"


def test_signed_out_requests_get_401(appliance: Appliance) -> None:
    client = appliance.client()
    for path in ("/api/me", "/api/sites", "/api/users", "/api/companies"):
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"
    client.cookies.set("kefu_session", "forged-token")
    assert client.get("/api/me").status_code == 401


def test_a_session_in_use_keeps_its_cookies_alive(appliance: Appliance) -> None:
    """`session_days` counts from the last use: when a request moves the session's expiry on,
    its answer sets the cookies again with a full lifetime (else a browser drops them
    `session_days` after the sign-in, however much they were used)."""
    client, _ = appliance.setup()
    r = client.get("/api/me")
    assert "set-cookie" not in r.headers  # just signed in: nothing to move on yet
    db = appliance.database()
    try:  # a day left, as after 29 days of no use… or of use before a restart
        db.execute("UPDATE session SET expires_at = datetime('now', '+1 day')")
    finally:
        db.close()
    r = client.get("/api/me")
    assert r.status_code == 200
    cookies = r.headers.get_list("set-cookie")
    days = appliance.runtime.config.session_days
    assert len(cookies) == 2 and all(f"Max-Age={days * 86400}" in c for c in cookies), cookies
    assert client.get("/api/me").headers.get("set-cookie") is None  # once per move
    r = client.post("/api/auth/logout", json={})
    assert all("Max-Age=0" in c for c in r.headers.get_list("set-cookie"))
