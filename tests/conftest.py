"""Shared fixtures: a real appliance on a loopback port over a real SQLite file."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw
import httpx
import pytest

from appliance.config import load_config
from appliance.runtime import Runtime
from appliance.web.app import create_app
from appliance.web.server import BackgroundServer, bind_socket

SETUP_CODE = "TEST-CODE-2345"
OWNER_PASSWORD = "owner-password-1"
AGENT_PASSWORD_FOR_TESTS = "agent-password-1"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Every job handed to the SQLite writer, its result and its error are pickled and unpickled,
# as they will be when the writer is a process of its own (docs/architecture.md, "Toward a
# writer process"): the whole suite checks that every job would cross.
os.environ["KEFU_CHECK_WRITER_JOBS"] = "1"


class ApiClient(httpx.Client):
    """An HTTP client that sends the CSRF header the way the web UI does."""

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        if method.upper() in ("POST", "PATCH", "PUT", "DELETE"):
            token = self.cookies.get("kefu_csrf")
            headers = dict(kwargs.pop("headers", None) or {})
            if token and "X-CSRF-Token" not in headers:
                headers["X-CSRF-Token"] = token
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)


@dataclass
class Appliance:
    url: str
    runtime: Runtime
    server: BackgroundServer
    clients: list[ApiClient] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.port

    def client(self) -> ApiClient:
        client = ApiClient(base_url=self.url, timeout=30)
        self.clients.append(client)
        return client

    def database(self) -> apsw.Connection:
        """A connection of the test's own to the running appliance's database. The appliance
        writes too (its writer, indexer and loops), so it waits for the lock instead of
        failing with `database is locked`."""
        connection = apsw.Connection(str(self.runtime.config.data_path / "kefu.db"))
        connection.setbusytimeout(10_000)
        return connection

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.server.stop()
        self.runtime.close()

    def setup(self, client: ApiClient | None = None, **overrides: Any) -> tuple[ApiClient, dict]:
        """Run first-run setup through the API; returns the owner's signed-in client."""
        client = client or self.client()
        body = {
            "setup_code": SETUP_CODE,
            "company_name": "悦齿口腔",
            "owner": {"login": "boss@example.com", "display_name": "王老板",
                      "password": OWNER_PASSWORD},
            "site": {"name": "官网", "url": "https://www.example.com"},
        }
        body.update(overrides)
        response = client.post("/api/setup", json=body)
        assert response.status_code == 201, response.text
        return client, response.json()

    def login(self, login: str, password: str) -> ApiClient:
        client = self.client()
        response = client.post("/api/auth/login", json={"login": login, "password": password})
        assert response.status_code == 200, response.text
        return client


@pytest.fixture
def start_appliance(tmp_path: Path) -> Iterator[Any]:
    """Factory: start an appliance on a free loopback port with the given settings."""
    started: list[Appliance] = []

    def start(data_dir: Path | None = None, **settings: Any) -> Appliance:
        # KEFU_WRITER=process in the environment runs the whole suite's appliances with
        # the writer in its own process (the `writer` setting; tests/served.py passes it on).
        writer = {"writer": os.environ["KEFU_WRITER"]} if "KEFU_WRITER" in os.environ else {}
        config = load_config({"data_dir": data_dir or tmp_path / "data",
                              "setup_code": SETUP_CODE, **writer, **settings}, environ={})
        sock = bind_socket("127.0.0.1", 0)
        runtime = Runtime.open(config)
        server = BackgroundServer(create_app(runtime), sock).start()
        appliance = Appliance(f"http://127.0.0.1:{server.port}", runtime, server)
        started.append(appliance)
        return appliance

    yield start
    for appliance in started:
        appliance.close()


@pytest.fixture
def appliance(start_appliance: Any) -> Appliance:
    return start_appliance()


@pytest.fixture
def owner(appliance: Appliance) -> tuple[ApiClient, dict]:
    return appliance.setup()


ORIGIN_A, ORIGIN_B = "https://www.example.com", "https://b.example"


@pytest.fixture
def two_companies(appliance: Appliance, owner: Any) -> dict[str, Any]:
    """Company A (from setup: sites A and A2) and company B (site B); an agent of each."""
    owner_client, setup = owner
    company_a, site_a = setup["company"], setup["site"]
    company_b = owner_client.post("/api/companies", json={"name": "乙公司"}).json()["company"]
    site_b = owner_client.post("/api/sites", json={
        "name": "B", "url": ORIGIN_B, "company_id": company_b["id"]}).json()["site"]
    site_a2 = owner_client.post("/api/sites", json={
        "name": "A2", "url": "https://a2.example", "company_id": company_a["id"]}).json()["site"]
    found: dict[str, Any] = {"owner": owner_client, "a": company_a["id"], "b": company_b["id"],
                             "site_a": site_a, "site_b": site_b, "site_a2": site_a2,
                             "appliance": appliance}
    for login, sites in (("agent-a", [site_a, site_a2]), ("agent-b", [site_b])):
        r = owner_client.post("/api/users", json={
            "login": login, "display_name": login, "role": "agent",
            "password": AGENT_PASSWORD_FOR_TESTS, "site_ids": [s["id"] for s in sites]})
        assert r.status_code == 201, r.text
        found[login + "-id"] = r.json()["user"]["id"]
        found[login] = appliance.login(login, AGENT_PASSWORD_FOR_TESTS)
    return found


def chromium_path() -> str | None:
    return os.environ.get("KEFU_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")


def require_or_skip(ok: bool, reason: str) -> None:
    """Skip a test whose tool is missing on a developer machine; in CI that is a failure."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


# -- services over a real database, with the events they publish captured -------------------

class CapturedEvents:
    """An event sink that keeps what the use cases publish, so a test can say "this change
    announces exactly these events"."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def publish(self, events: list[Any]) -> None:
        self.events.extend(events)

    def take(self) -> list[Any]:
        """The events published since the last call."""
        taken, self.events = self.events, []
        return taken


@pytest.fixture
def service_env(tmp_path: Path) -> Iterator[tuple[Any, CapturedEvents]]:
    """`(services, captured)`: the real services on a migrated SQLite file in tmp_path, the
    realtime hub and presence of a running appliance, and a capturing event sink."""
    import time

    from appliance.realtime.hub import Hub
    from appliance.realtime.presence import Presence
    from appliance.runtime import utc_now
    from appliance.services.context import Services
    from appliance.storage.database import Database
    from appliance.storage.migrations import migrate

    path = tmp_path / "kefu.db"
    migrate(path, tmp_path / "backups", now=utc_now())
    db = Database(path)
    db.start()
    captured = CapturedEvents()
    hub = Hub()
    svc = Services(db=db, events=captured, clock=utc_now, monotonic=time.monotonic,
                   setup_code=SETUP_CODE.replace("-", ""), presence=Presence(time.monotonic),
                   visitors=hub)
    try:
        yield svc, captured
    finally:
        db.close()
