"""Managing sites, companies and users, with role and site scope checked on the server."""

from __future__ import annotations

from conftest import Appliance

AGENT_PASSWORD = "agent-password-1"


def _create_user(client, login: str, role: str, site_ids: list[int] | None = None,
                 password: str = AGENT_PASSWORD) -> dict:
    r = client.post("/api/users", json={"login": login, "display_name": login.title(),
                                        "role": role, "password": password,
                                        "site_ids": site_ids or []})
    assert r.status_code == 201, r.text
    return r.json()["user"]


def test_sites_create_edit_and_snippet(owner) -> None:
    client, setup = owner
    r = client.post("/api/sites", json={"name": "Shop", "url": "https://shop.example/cn/"})
    assert r.status_code == 201
    site = r.json()["site"]
    assert site["allowed_origins"] == ["https://shop.example"]
    assert site["company_id"] == setup["company"]["id"]
    assert site["widget_key"] != setup["site"]["widget_key"]
    r = client.patch(f"/api/sites/{site['id']}", json={
        "greeting": "您好！有什么可以帮您？\n欢迎咨询", "theme_color": "#FF6600",
        "widget_position": "left", "language": "en", "display_name": "Shop Inc",
        "allowed_origins": ["https://shop.example", "http://localhost:3000"],
        "logo_url": "https://shop.example/logo.png"})
    assert r.status_code == 200, r.text
    edited = r.json()["site"]
    assert edited["theme_color"] == "#ff6600" and edited["widget_position"] == "left"
    assert edited["allowed_origins"] == ["https://shop.example", "http://localhost:3000"]
    assert client.get(f"/api/sites/{site['id']}").json()["site"] == edited
    old_key = edited["widget_key"]
    r = client.post(f"/api/sites/{site['id']}/widget-key", json={})
    assert r.json()["site"]["widget_key"] != old_key
    assert r.json()["site"]["widget_key"] in r.json()["site"]["snippet"]
    assert len(client.get("/api/sites").json()["sites"]) == 2


def test_site_bad_inputs_change_nothing(owner) -> None:
    client, setup = owner
    site_id = setup["site"]["id"]
    before = client.get(f"/api/sites/{site_id}").json()["site"]
    cases = [
        ({"theme_color": "red"}, "theme_color"),
        ({"widget_position": "top"}, "widget_position"),
        ({"allowed_origins": ["https://a.example/path"]}, "allowed_origins"),
        ({"allowed_origins": "https://a.example"}, "allowed_origins"),
        ({"allowed_origins": [f"https://a{i}.example" for i in range(51)]}, "allowed_origins"),
        ({"logo_url": "data:image/png;base64,AAAA"}, "logo_url"),
        ({"greeting": "x" * 501}, "greeting"),
        ({"name": "ok", "url": "not a url"}, "url"),
        ({"company_id": 999}, "company_id"),
        ({"widget_key": "mine"}, "widget_key"),
    ]
    for body, field in cases:
        r = client.patch(f"/api/sites/{site_id}", json=body)
        assert r.status_code in (400, 404), (body, r.text)
        assert r.json()["error"].get("field") == field, (body, r.json())
    assert client.get(f"/api/sites/{site_id}").json()["site"] == before
    assert client.patch("/api/sites/999", json={"name": "x"}).status_code == 404
    assert client.post("/api/sites", json={"name": "No url"}).status_code == 400
    assert len(client.get("/api/sites").json()["sites"]) == 1


def test_several_companies(owner) -> None:
    client, setup = owner
    r = client.post("/api/companies", json={"name": "Client B"})
    assert r.status_code == 201
    company_b = r.json()["company"]
    r = client.post("/api/sites", json={"name": "B site", "url": "https://b.example"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "company_id"
    r = client.post("/api/sites", json={"name": "B site", "url": "https://b.example",
                                        "company_id": company_b["id"]})
    assert r.status_code == 201 and r.json()["site"]["company_id"] == company_b["id"]
    r = client.patch(f"/api/companies/{setup['company']['id']}", json={"name": "悦齿口腔集团"})
    assert r.json()["company"]["name"] == "悦齿口腔集团"
    assert client.patch("/api/companies/999", json={"name": "x"}).status_code == 404
    assert client.patch(f"/api/companies/{company_b['id']}", json={"name": ""}).status_code == 400


def test_a_site_in_use_stays_in_its_company(appliance: Appliance, owner) -> None:
    """Moving a site to another company would hand the new company its visitors' chats and
    leave the customers, leads and reports with the old one: only an unused site moves."""
    client, setup = owner
    company_a = setup["company"]["id"]
    company_b = client.post("/api/companies", json={"name": "Client B"}).json()["company"]["id"]
    fresh = client.post("/api/sites", json={"name": "Wrong company", "url": "https://w.example",
                                            "company_id": company_a}).json()["site"]
    r = client.patch(f"/api/sites/{fresh['id']}", json={"company_id": company_b})
    assert r.status_code == 200 and r.json()["site"]["company_id"] == company_b, r.text

    r = client.post("/api/teams", json={"name": "Night", "site_id": fresh["id"],
                                        "member_ids": []})
    assert r.status_code == 201, r.text
    r = client.patch(f"/api/sites/{fresh['id']}", json={"company_id": company_a})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["field"] == "company_id"
    assert "teams" in error["message"]
    assert client.get(f"/api/sites/{fresh['id']}").json()["site"]["company_id"] == company_b

    site_id = setup["site"]["id"]
    before = client.get(f"/api/sites/{site_id}").json()["site"]
    r = appliance.client().post("/api/widget/session",
                                json={"site_key": setup["site"]["widget_key"]})
    assert r.status_code == 200, r.text
    r = client.patch(f"/api/sites/{site_id}", json={"company_id": company_b, "name": "Moved"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "company_id", r.text
    assert "visitors" in r.json()["error"]["message"]
    assert client.get(f"/api/sites/{site_id}").json()["site"] == before
    # Naming its own company again is no move.
    r = client.patch(f"/api/sites/{site_id}", json={"company_id": company_a})
    assert r.status_code == 200, r.text


def test_agent_sees_only_assigned_sites_and_manages_nothing(appliance: Appliance, owner) -> None:
    client, setup = owner
    first = setup["site"]["id"]
    second = client.post("/api/sites", json={"name": "Other", "url": "https://other.example"}
                         ).json()["site"]["id"]
    _create_user(client, "agent1", "agent", [second])
    agent = appliance.login("agent1", AGENT_PASSWORD)
    sites = agent.get("/api/sites").json()["sites"]
    assert [s["id"] for s in sites] == [second]
    assert agent.get(f"/api/sites/{first}").status_code == 403
    assert agent.get(f"/api/sites/{second}").status_code == 200
    assert agent.patch(f"/api/sites/{second}", json={"name": "Mine"}).status_code == 403
    assert agent.post("/api/sites", json={"name": "A", "url": "https://a.example"}
                      ).status_code == 403
    assert agent.get("/api/users").status_code == 403
    assert agent.post("/api/users", json={"login": "x1x", "display_name": "X", "role": "agent",
                                          "password": AGENT_PASSWORD}).status_code == 403
    assert agent.post("/api/companies", json={"name": "C"}).status_code == 403
    companies = agent.get("/api/companies").json()["companies"]
    assert [c["id"] for c in companies] == [setup["company"]["id"]]


def test_admin_cannot_manage_owners_or_admins(appliance: Appliance, owner) -> None:
    client, setup = owner
    _create_user(client, "admin1", "admin")
    other_admin = _create_user(client, "admin2", "admin")
    agent = _create_user(client, "agent1", "agent")
    admin = appliance.login("admin1", AGENT_PASSWORD)
    owner_id = setup["user"]["id"]
    assert admin.post("/api/users", json={"login": "o2o", "display_name": "O", "role": "owner",
                                          "password": AGENT_PASSWORD}).status_code == 403
    assert admin.post(f"/api/users/{owner_id}/deactivate", json={}).status_code == 403
    assert admin.post(f"/api/users/{other_admin['id']}/password",
                      json={"new_password": "x" * 10}).status_code == 403
    assert admin.patch(f"/api/users/{agent['id']}", json={"role": "admin"}).status_code == 403
    r = admin.patch(f"/api/users/{agent['id']}", json={"role": "supervisor",
                                                       "site_ids": [setup["site"]["id"]]})
    assert r.status_code == 200 and r.json()["user"]["role"] == "supervisor"
    assert admin.post(f"/api/users/{agent['id']}/deactivate", json={}).status_code == 200


def test_user_bad_inputs_change_nothing(owner) -> None:
    client, _ = owner
    cases = [
        ({"login": "ab", "display_name": "A", "role": "agent", "password": AGENT_PASSWORD},
         "login"),
        ({"login": "a b c", "display_name": "A", "role": "agent", "password": AGENT_PASSWORD},
         "login"),
        ({"login": "abc", "display_name": "A", "role": "god", "password": AGENT_PASSWORD},
         "role"),
        ({"login": "abc", "display_name": "A", "role": "agent", "password": "short"},
         "password"),
        ({"login": "abc", "display_name": "A", "role": "agent", "password": "x" * 257},
         "password"),
        ({"login": "abc", "display_name": "A", "role": "agent", "password": AGENT_PASSWORD,
          "site_ids": [999]}, "site_ids"),
        ({"login": "abc", "display_name": "A", "role": "agent", "password": AGENT_PASSWORD,
          "site_ids": ["1"]}, "site_ids"),
        ({"login": "abc", "display_name": "<b>\x00</b>", "role": "agent",
          "password": AGENT_PASSWORD}, "display_name"),
    ]
    for body, field in cases:
        r = client.post("/api/users", json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["field"] == field, (body, r.json())
    assert len(client.get("/api/users").json()["users"]) == 1
    _create_user(client, "abc", "agent")
    dup = client.post("/api/users", json={"login": "ABC", "display_name": "A", "role": "agent",
                                          "password": AGENT_PASSWORD})
    assert dup.status_code == 409 and dup.json()["error"]["field"] == "login"
    assert len(client.get("/api/users").json()["users"]) == 2


def test_reset_password_and_deactivate_keep_records(appliance: Appliance, owner) -> None:
    client, setup = owner
    agent = _create_user(client, "agent1", "agent", [setup["site"]["id"]])
    session = appliance.login("agent1", AGENT_PASSWORD)
    r = client.post(f"/api/users/{agent['id']}/password", json={"new_password": "reset-pass-9"})
    assert r.status_code == 200
    assert session.get("/api/me").status_code == 401
    session = appliance.login("agent1", "reset-pass-9")
    r = client.post(f"/api/users/{agent['id']}/deactivate", json={})
    assert r.status_code == 200 and r.json()["user"]["active"] is False
    assert session.get("/api/me").status_code == 401
    r = appliance.client().post("/api/auth/login", json={"login": "agent1",
                                                         "password": "reset-pass-9"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    users = {u["login"]: u for u in client.get("/api/users").json()["users"]}
    assert users["agent1"]["active"] is False
    assert users["agent1"]["site_ids"] == [setup["site"]["id"]]
    assert client.post(f"/api/users/{agent['id']}/activate", json={}).status_code == 200
    appliance.login("agent1", "reset-pass-9")


def test_owner_cannot_lock_themselves_out(owner) -> None:
    client, setup = owner
    me = setup["user"]["id"]
    assert client.post(f"/api/users/{me}/deactivate", json={}).status_code == 403
    assert client.patch(f"/api/users/{me}", json={"role": "agent"}).status_code == 403
    assert client.post(f"/api/users/{me}/password", json={"new_password": "x" * 10}
                       ).status_code == 403
    assert client.post("/api/users/999/deactivate", json={}).status_code == 404
    assert client.get("/api/me").json()["user"]["role"] == "owner"


def test_second_owner_can_be_demoted_but_not_the_last(appliance: Appliance, owner) -> None:
    client, setup = owner
    second = _create_user(client, "owner2", "owner")
    r = client.patch(f"/api/users/{second['id']}", json={"role": "admin"})
    assert r.status_code == 200
    other = appliance.login("owner2", AGENT_PASSWORD)
    # owner2 is an admin now and cannot touch the owner
    assert other.post(f"/api/users/{setup['user']['id']}/deactivate", json={}
                      ).status_code == 403


def test_standalone_chat_page_link_qr_and_identity_secret(appliance: Appliance, owner) -> None:
    client, setup = owner
    site = setup["site"]
    assert site["chat_page_url"] == f"{appliance.url}/chat/{site['widget_key']}"
    assert site["has_identity_secret"] is False
    qr = client.get(f"/api/sites/{site['id']}/chat-qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b"<script" not in qr.content
    assert appliance.client().get(f"/api/sites/{site['id']}/chat-qr.svg").status_code == 401
    r = client.post(f"/api/sites/{site['id']}/identity-secret", json={})
    assert r.status_code == 200 and len(r.json()["identity_secret"]) == 64
    assert r.json()["site"]["has_identity_secret"] is True
    assert "identity_secret" not in r.json()["site"]
    listed = client.get("/api/sites").json()["sites"][0]
    assert "identity_secret" not in listed and listed["has_identity_secret"] is True
    _create_user(client, "agent1", "agent", [site["id"]])
    agent = appliance.login("agent1", AGENT_PASSWORD)
    assert agent.post(f"/api/sites/{site['id']}/identity-secret", json={}).status_code == 403
    assert agent.get(f"/api/sites/{site['id']}/chat-qr.svg").status_code == 200


def test_prechat_form_fields(appliance: Appliance, owner) -> None:
    client, setup = owner
    site_id = setup["site"]["id"]
    fields = [{"field": "name", "required": True}, {"field": "phone", "required": False}]
    r = client.patch(f"/api/sites/{site_id}", json={"prechat_fields": fields})
    assert r.status_code == 200 and r.json()["site"]["prechat_fields"] == fields
    for bad in ([{"field": "age"}], [{"field": "name"}, {"field": "name"}],
                [{"field": "name", "required": "yes"}], "name", ["name"], [None]):
        r = client.patch(f"/api/sites/{site_id}", json={"prechat_fields": bad})
        assert r.status_code == 400 and r.json()["error"]["field"] == "prechat_fields", bad
    r = client.patch(f"/api/sites/{site_id}",
                     json={"prechat_fields": [{"field": "name", "extra": 1}]})
    assert r.status_code == 400 and r.json()["error"]["field"] == "prechat_fields.extra"
    session = appliance.client().post("/api/widget/session", json={
        "site_key": setup["site"]["widget_key"]}).json()
    assert session["site"]["prechat_fields"] == fields
