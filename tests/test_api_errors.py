"""Bad requests of every kind get a JSON error with a 4xx status, never a 500."""

from __future__ import annotations

import socket

from conftest import Appliance


def test_body_limits_and_formats(start_appliance) -> None:
    appliance = start_appliance(max_body_bytes=2048)
    client, _ = appliance.setup()
    r = client.post("/api/companies", content=b"{" + b" " * 4096 + b"}",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = client.post("/api/companies", content=b"name=x",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = client.post("/api/companies", content=b'{"name": "x"',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = client.post("/api/companies", content=b'{"name": "\xff\xfe"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = client.post("/api/companies", json=["name"])
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert len(client.get("/api/companies").json()["companies"]) == 1


def test_unknown_paths_and_methods(appliance: Appliance) -> None:
    client = appliance.client()
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/api/setup")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    r = client.get("/ui/../../etc/passwd")
    assert r.status_code == 404
    r = client.get("/api/sites/abc")
    assert r.status_code == 404


def test_responses_carry_safe_headers(appliance: Appliance) -> None:
    client = appliance.client()
    r = client.get("/api/setup/status")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    page = client.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_health_and_static(appliance: Appliance) -> None:
    client = appliance.client()
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": "0.1.0", "database": "ok"}
    loader = client.get("/embed.js", headers={"Accept-Encoding": "gzip"})
    assert loader.status_code == 200 and "javascript" in loader.headers["content-type"]
    assert loader.headers["content-encoding"] == "gzip"
    again = client.get("/embed.js", headers={"If-None-Match": loader.headers["etag"]})
    assert again.status_code == 304


def test_garbage_on_the_socket_does_not_hurt_the_server(appliance: Appliance) -> None:
    with socket.create_connection(("127.0.0.1", appliance.port), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01garbage that is not http\r\n\r\n")
        raw.recv(1024)
    assert appliance.client().get("/healthz").status_code == 200


def test_every_page_carries_a_csp_and_refuses_framing(appliance: Appliance) -> None:
    client = appliance.client()
    fresh = [client.get("/setup"), client.get("/")]
    owner, setup = appliance.setup()
    pages = [*fresh, *(client.get(path) for path in (
        "/", "/setup", "/login", "/app/", "/app", "/ui/app.html", "/ui/login.html",
        "/ui/setup.html", "/embed/chat.html", "/nowhere", "/app/nowhere", "/api/me",
        "/api/setup/status", "/healthz", "/ui/js/app.js", "/embed.js"))]
    pages.append(owner.get("/app/", headers={"If-None-Match": pages[5].headers.get("etag", "")}))
    for response in pages:
        where = f"{response.request.url} ({response.status_code})"
        assert response.headers["x-frame-options"] == "DENY", where
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, where
        if "html" in response.headers.get("content-type", ""):
            assert "script-src 'self'" in csp and "default-src 'self'" in csp, where
    chat = client.get(f"/chat/{setup['site']['widget_key']}")
    assert chat.status_code == 200 and "x-frame-options" not in chat.headers
    assert chat.headers["content-security-policy"].endswith(
        "frame-ancestors 'self' https://www.example.com")
    unknown = client.get("/chat/no-such-key")
    assert unknown.headers["content-security-policy"].endswith("frame-ancestors 'self'")


def test_oversized_headers_get_their_own_answer(appliance: Appliance) -> None:
    """The request line and headers together are held to 16 KiB: over it, 431
    `headers_too_large` whatever makes them long (never blamed on the body)."""
    client = appliance.client()
    site_key = "x" * 22
    session = {"site_key": site_key}
    oversized = [
        {"User-Agent": "Mozilla/5.0 " + "x" * 20_000},
        {"Cookie": "a=" + "b" * 17_000},
        {f"X-Extra-{i}": "v" * 100 for i in range(200)},
    ]
    for headers in oversized:
        r = client.post("/api/widget/session", json=session, headers=headers)
        assert r.status_code == 431, r.text
        assert r.json()["error"]["code"] == "headers_too_large", r.text
        assert "header" in r.json()["error"]["message"].lower()
    r = client.get("/api/companies?q=" + "x" * 17_000)
    assert r.status_code == 431 and r.json()["error"]["code"] == "headers_too_large"
    # Under the limit the request is served (an unknown key here: 404, not a header error).
    r = client.post("/api/widget/session", json=session,
                    headers={"User-Agent": "Mozilla/5.0 " + "x" * 8_000})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/healthz").status_code == 200
