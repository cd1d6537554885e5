"""First-run setup over HTTP: the setup code, validation, all-or-nothing, once only."""

from __future__ import annotations

from conftest import OWNER_PASSWORD, SETUP_CODE, Appliance


def _body(**changes: object) -> dict:
    body: dict = {
        "setup_code": SETUP_CODE,
        "company_name": "Acme",
        "owner": {"login": "Boss", "display_name": "Boss", "password": OWNER_PASSWORD},
        "site": {"name": "Web", "url": "https://acme.example"},
    }
    body.update(changes)
    return body


def test_fresh_install_redirects_to_setup(appliance: Appliance) -> None:
    client = appliance.client()
    assert client.get("/api/setup/status").json() == {"needs_setup": True}
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_setup_creates_owner_company_site_and_snippet(appliance: Appliance) -> None:
    client, body = appliance.setup()
    assert body["user"]["role"] == "owner" and body["user"]["login"] == "boss@example.com"
    assert body["company"]["name"] == "悦齿口腔"
    site = body["site"]
    assert site["allowed_origins"] == ["https://www.example.com"]
    assert len(site["widget_key"]) >= 22
    assert f"{appliance.url}/embed.js" not in site["snippet"]  # JSON-encoded parts
    assert appliance.url in site["snippet"] and site["widget_key"] in site["snippet"]
    assert "/embed.js" in site["snippet"]
    me = client.get("/api/me").json()
    assert me["user"]["display_name"] == "王老板"
    assert client.get("/api/setup/status").json() == {"needs_setup": False}
    assert client.get("/", follow_redirects=False).headers["location"] == "/app/"
    assert client.get("/setup", follow_redirects=False).headers["location"] == "/login"


def test_setup_cookie_flags(appliance: Appliance) -> None:
    response = appliance.client().post("/api/setup", json=_body())
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("kefu_session="))
    csrf = next(c for c in cookies if c.startswith("kefu_csrf="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    assert "HttpOnly" not in csrf and "SameSite=Strict" in csrf
    assert len(session.split(";")[0].split("=", 1)[1]) >= 43  # 256-bit token


def test_wrong_setup_code_is_refused_and_rate_limited(start_appliance) -> None:
    appliance = start_appliance(login_ip_max_failures=3)
    client = appliance.client()
    for _ in range(3):
        response = client.post("/api/setup", json=_body(setup_code="WRONG-CODE-0000"))
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "bad_setup_code"
    response = client.post("/api/setup", json=_body())
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert client.get("/api/setup/status").json() == {"needs_setup": True}


def test_setup_accepts_code_without_dashes_and_lowercase(appliance: Appliance) -> None:
    code = SETUP_CODE.replace("-", "").lower()
    response = appliance.client().post("/api/setup", json=_body(setup_code=code))
    assert response.status_code == 201


def test_setup_only_once(appliance: Appliance) -> None:
    appliance.setup()
    response = appliance.client().post("/api/setup", json=_body())
    assert response.status_code == 409 and response.json()["error"]["code"] == "setup_done"


def test_setup_bad_inputs_change_nothing(appliance: Appliance) -> None:
    client = appliance.client()
    cases = [
        (_body(company_name=""), "company_name"),
        (_body(company_name="x" * 81), "company_name"),
        (_body(owner={"login": "a", "display_name": "B", "password": OWNER_PASSWORD}),
         "owner.login"),
        (_body(owner={"login": "boss", "display_name": "B", "password": "short"}),
         "owner.password"),
        (_body(owner={"login": "boss", "display_name": "B\u202eevil", "password": OWNER_PASSWORD}),
         "owner.display_name"),
        # the site's fields are named by their path (docs/api.md, "Strict JSON")
        (_body(site={"name": "Web", "url": "javascript:alert(1)"}), "site.url"),
        (_body(site={"name": "Web", "url": "ftp://acme.example"}), "site.url"),
        (_body(site={"name": "Web"}), "site.url"),
        (_body(site={"name": "Web", "url": 5}), "site.url"),
        (_body(site={"name": "", "url": "https://acme.example"}), "site.name"),
        (_body(site={"name": "Web", "url": "https://acme.example", "x": 1}), "site.x"),
        (_body(extra=1), "extra"),
        (_body(company_name=5), "company_name"),
    ]
    for body, field in cases:
        response = client.post("/api/setup", json=body)
        assert response.status_code == 400, (body, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid" and error["field"] == field, (body, error)
    assert client.get("/api/setup/status").json() == {"needs_setup": True}


def test_setup_from_another_origin_is_refused(appliance: Appliance) -> None:
    response = appliance.client().post("/api/setup", json=_body(),
                                       headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf"


def test_cookies_are_secure_over_https_behind_a_trusted_proxy(start_appliance) -> None:
    appliance = start_appliance(proxies_count=1)
    response = appliance.client().post(
        "/api/setup", json=_body(),
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                 "X-Forwarded-Host": "chat.acme.example"})
    assert response.status_code == 201, response.text
    cookies = response.headers.get_list("set-cookie")
    assert all("Secure" in c for c in cookies if c.startswith(("kefu_session", "kefu_csrf")))
    assert '"https://chat.acme.example"' in response.json()["site"]["snippet"]


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(appliance: Appliance) -> None:
    response = appliance.client().post("/api/setup", json=_body(),
                                       headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 201
    assert not any("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_public_url_goes_into_the_snippet(start_appliance) -> None:
    appliance = start_appliance(public_url="https://kefu.acme.example/")
    _, body = appliance.setup()
    assert '"https://kefu.acme.example"' in body["site"]["snippet"]
