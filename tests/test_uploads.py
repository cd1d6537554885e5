"""Uploads over the real server: checked by content, stored under random names, served safely."""

from __future__ import annotations

import asyncio
import json
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import Appliance
from test_conversations import AGENT_PASSWORD, Widget, agent_socket, cid, next_of

SAFE_CSP = "sandbox; default-src 'none'"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG image, built by hand."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data)))
    rows = b"".join(b"\x00" + b"\xd2\x4b\x3c" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def stored_files(appliance: Appliance) -> list[Path]:
    folder = appliance.runtime.uploads_dir
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(widget: Widget, name: str, data: bytes, content_type: str) -> httpx.Response:
    return widget.http.post("/api/widget/upload", headers=widget.headers,
                            files={"file": (name, data, content_type)})


@pytest.fixture
def site(owner) -> dict:
    return owner[1]["site"]


def test_image_is_accepted_sent_and_delivered_with_its_attachment(appliance, owner,
                                                                  site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    image = png()
    r = upload(widget, "screenshot.png", image, "image/png")
    assert r.status_code == 200, r.text
    attachment = r.json()["attachment"]
    assert attachment == {"id": attachment["id"], "name": "screenshot.png", "size": len(image),
                          "mime": "image/png", "kind": "image",
                          "url": f"/api/attachments/{attachment['id']}"}
    # Stored once, under a random name that has nothing of the original's.
    files = stored_files(appliance)
    assert len(files) == 1 and files[0].read_bytes() == image
    assert "screenshot" not in files[0].name and len(files[0].name) == 32
    assert all(c in "0123456789abcdef" for c in files[0].name)

    async def scenario() -> dict:
        async with await agent_socket(appliance, owner_client) as agent, \
                await widget.connect() as ws:
            client_id = cid()
            await ws.send(json.dumps({"type": "send", "client_id": client_id, "kind": "image",
                                      "attachment_id": attachment["id"], "body": "这里坏了"}))
            # The visitor hears its own message (for its other tabs) and then the ack.
            own = await next_of(ws, "message")
            ack = await next_of(ws, "ack")
            assert ack["client_id"] == own["client_id"] == client_id
            seen = await next_of(agent, "message")
            assert own == seen
            return seen

    seen = asyncio.run(scenario())
    assert seen["kind"] == "image" and seen["body"] == "这里坏了"
    assert seen["attachment"] == attachment
    history = owner_client.get(f"/api/conversations/{seen['conversation_id']}/messages").json()
    assert history["messages"][0]["attachment"] == attachment

    for response in (widget.http.get(attachment["url"], headers=widget.headers),
                     owner_client.get(attachment["url"])):
        assert response.status_code == 200
        assert response.content == image
        assert response.headers["content-type"] == "image/png"
        assert response.headers["content-disposition"] == (
            "inline; filename*=UTF-8''screenshot.png")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == SAFE_CSP
        # Revalidated every time (an erased file must not live on in a cache), cheaply.
        assert response.headers["cache-control"] == "private, no-cache"
    etag = response.headers["etag"]
    again = owner_client.get(attachment["url"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert widget.http.get(attachment["url"], headers={
        **widget.headers, "If-None-Match": etag}).status_code == 304
    stranger = Widget(appliance, site["widget_key"])
    assert stranger.http.get(attachment["url"], headers={
        **stranger.headers, "If-None-Match": etag}).status_code == 404


DISGUISED = [
    HTML_PAGE,
    b"\n  <html><script>alert(1)</script></html>",
    b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"<?xml version='1.0'?><x:script xmlns:x='http://www.w3.org/1999/xhtml'/>",
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",  # a Windows program
]


def test_disguised_or_unknown_content_is_refused_and_nothing_is_stored(appliance,
                                                                       site) -> None:
    widget = Widget(appliance, site["widget_key"])
    for data in DISGUISED:
        r = upload(widget, "photo.png", data, "image/png")
        assert r.status_code == 415, (data, r.text)
        assert r.json()["error"]["code"] == "unsupported_media_type"
        assert r.json()["error"]["field"] == "file"
    assert stored_files(appliance) == []  # nor any .partial left behind


def test_plain_text_is_a_file_with_a_txt_name_served_as_a_download(appliance, owner,
                                                                  site) -> None:
    widget = Widget(appliance, site["widget_key"])
    text = "订单号 20261124-0001\n收货地址：上海市\n".encode()
    r = upload(widget, "订单说明.md", text, "text/markdown")
    assert r.status_code == 200, r.text
    attachment = r.json()["attachment"]
    assert (attachment["kind"], attachment["mime"]) == ("file", "text/plain")
    assert attachment["name"] == "订单说明.txt" and attachment["size"] == len(text)
    served = owner[0].get(attachment["url"])
    assert served.status_code == 200 and served.content == text
    assert served.headers["content-type"].startswith("text/plain")
    assert served.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''" + quote("订单说明.txt"))
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == SAFE_CSP


def test_size_limit_and_malformed_uploads(start_appliance) -> None:
    appliance = start_appliance(upload_max_bytes=1000)
    _, setup = appliance.setup()
    widget = Widget(appliance, setup["site"]["widget_key"])
    r = upload(widget, "big.txt", b"a" * 1001, "text/plain")
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert stored_files(appliance) == []
    assert upload(widget, "fits.txt", b"a" * 1000, "text/plain").status_code == 200
    assert len(stored_files(appliance)) == 1

    r = upload(widget, "empty.txt", b"", "text/plain")
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    r = widget.http.post("/api/widget/upload", headers=widget.headers,
                         files={"other": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    r = widget.http.post("/api/widget/upload", headers=widget.headers, json={"file": "aGVsbG8="})
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    r = widget.http.post("/api/widget/upload", content=png(),
                         headers={**widget.headers, "Content-Type": "image/png"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "file"
    # A multipart body that cannot be read at all: bad_request (docs/api.md)
    body, content_type = _raw_multipart(b"a.png", png())
    for broken, kind in ((body[: len(body) // 2], content_type),  # truncated
                         (body, "multipart/form-data"),  # no boundary
                         (b"--kefu-test-boundary-7f3a\r\nnonsense\r\n", content_type)):
        r = widget.http.post("/api/widget/upload", content=broken,
                             headers={**widget.headers, "Content-Type": kind})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request", r.text
    r = appliance.client().post("/api/widget/upload",
                                files={"file": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 401
    r = appliance.client().post("/api/widget/upload",
                                headers={"Authorization": "Bearer forged-token"},
                                files={"file": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 401
    assert len(stored_files(appliance)) == 1


def _raw_multipart(file_name: bytes, data: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as given (httpx would escape it)."""
    boundary = "kefu-test-boundary-7f3a"
    body = (f"--{boundary}\r\n".encode()
            + b'Content-Disposition: form-data; name="file"; filename="' + file_name + b'"\r\n'
            + b"Content-Type: image/png\r\n\r\n" + data + f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


NAMES = [
    ("../../etc/passwd.png", "passwd.png"),
    ("..\\..\\Windows\\System32\\evil.png", "evil.png"),
    ("/var/www/html/index.png", "index.png"),
    ("invoice.pdf.exe", "invoice.pdf.png"),  # the extension follows the content
    ("..", "file.png"),
    (" . ", "file.png"),
]


def test_file_names_lose_paths_and_controls_and_get_an_extension_that_fits(appliance,
                                                                           site) -> None:
    widget = Widget(appliance, site["widget_key"])
    for sent, kept in NAMES:
        r = upload(widget, sent, png(), "application/octet-stream")
        assert r.status_code == 200, r.text
        assert r.json()["attachment"]["name"] == kept, sent
    # Control characters, raw in the multipart header (httpx would have escaped them).
    raw_name = "发票\x07\x1b[31m\u202egnp.exe\x7f截图.png".encode()
    body, content_type = _raw_multipart(raw_name, png())
    r = widget.http.post("/api/widget/upload", content=body,
                         headers={**widget.headers, "Content-Type": content_type})
    assert r.status_code == 200, r.text
    name = r.json()["attachment"]["name"]
    assert name == "发票[31mgnp.exe截图.png"
    assert all(ch.isprintable() for ch in name) and "/" not in name
    served = widget.http.get(r.json()["attachment"]["url"], headers=widget.headers)
    assert served.headers["content-disposition"] == "inline; filename*=UTF-8''" + quote(name)
    # On disk, none of those names: random hex ones, all in the uploads folder itself.
    files = stored_files(appliance)
    assert len(files) == len(NAMES) + 1
    assert all(re.fullmatch(r"[0-9a-f]{32}", f.name) and f.is_file() for f in files)


def test_only_the_visitor_and_agents_of_the_site_may_fetch_a_file(appliance, owner,
                                                                  site) -> None:
    owner_client, _ = owner
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    url = upload(alice, "receipt.png", png(), "image/png").json()["attachment"]["url"]
    # Not yet sent: only its uploader sees it.
    assert alice.http.get(url, headers=alice.headers).status_code == 200
    assert bob.http.get(url, headers=bob.headers).status_code == 404
    attachment_id = int(url.rsplit("/", 1)[1])
    sent = alice.http.post("/api/widget/send", headers=alice.headers,
                           json={"client_id": cid(), "kind": "image",
                                 "attachment_id": attachment_id})
    assert sent.status_code == 200, sent.text

    other = owner_client.post("/api/sites", json={"name": "B", "url": "https://b.example"}
                              ).json()["site"]
    for login, site_ids in (("agent-a", [site["id"]]), ("agent-b", [other["id"]])):
        r = owner_client.post("/api/users", json={"login": login, "display_name": login,
                                                  "role": "agent", "password": AGENT_PASSWORD,
                                                  "site_ids": site_ids})
        assert r.status_code == 201, r.text
    agent_a = appliance.login("agent-a", AGENT_PASSWORD)
    agent_b = appliance.login("agent-b", AGENT_PASSWORD)

    assert alice.http.get(url, headers=alice.headers).status_code == 200
    assert bob.http.get(url, headers=bob.headers).status_code == 404
    assert appliance.client().get(url).status_code == 401
    assert appliance.client().get(url, headers={"Authorization": "Bearer forged"}
                                  ).status_code == 401
    assert agent_b.get(url).status_code == 404
    assert agent_a.get(url).status_code == 200
    assert owner_client.get(url).status_code == 200
    assert owner_client.get(f"/api/attachments/{attachment_id + 100}").status_code == 404
    # An agent of another site may not upload into the conversation either.
    conv = sent.json()["conversation_id"]
    r = agent_b.post(f"/api/conversations/{conv}/upload",
                     files={"file": ("x.png", png(), "image/png")})
    assert r.status_code == 404


def test_nobody_sends_someone_elses_upload(appliance, owner, site) -> None:
    owner_client, _ = owner
    alice = Widget(appliance, site["widget_key"])
    bob = Widget(appliance, site["widget_key"])
    alices = upload(alice, "mine.png", png(), "image/png").json()["attachment"]["id"]

    async def scenario() -> None:
        async with await bob.connect() as ws:
            for attachment_id in (alices, alices + 100):
                client_id = cid()
                await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                          "kind": "image", "attachment_id": attachment_id}))
                nack = await next_of(ws, "nack")
                assert nack["client_id"] == client_id
                assert nack["error"]["field"] == "attachment_id", nack
            await ws.send(json.dumps({"type": "send", "client_id": cid(), "kind": "image"}))
            assert (await next_of(ws, "nack"))["error"]["field"] == "attachment_id"

    asyncio.run(scenario())
    # Bob's refused sends stored nothing; Alice can still send hers, once.
    assert owner_client.get("/api/conversations?view=waiting").json()["conversations"] == []
    first = alice.http.post("/api/widget/send", headers=alice.headers,
                            json={"client_id": cid(), "kind": "image", "attachment_id": alices})
    assert first.status_code == 200
    again = alice.http.post("/api/widget/send", headers=alice.headers,
                            json={"client_id": cid(), "kind": "image", "attachment_id": alices})
    assert again.status_code == 400 and again.json()["error"]["field"] == "attachment_id"
    # An agent cannot send a visitor's upload as their own.
    conv = first.json()["conversation_id"]
    r = owner_client.post(f"/api/conversations/{conv}/messages",
                          json={"client_id": cid(), "kind": "image", "attachment_id": alices})
    assert r.status_code == 400 and r.json()["error"]["field"] == "attachment_id"


def test_agent_upload_reaches_the_visitor(appliance, owner, site) -> None:
    owner_client, _ = owner
    widget = Widget(appliance, site["widget_key"])
    conv = widget.http.post("/api/widget/send", headers=widget.headers,
                            json={"client_id": cid(), "body": "发票呢"}).json()["conversation_id"]
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    r = owner_client.post(f"/api/conversations/{conv}/upload",
                          files={"file": ("发票.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    attachment = r.json()["attachment"]
    assert (attachment["kind"], attachment["mime"], attachment["name"]) == (
        "file", "application/pdf", "发票.pdf")

    async def scenario() -> dict:
        async with await widget.connect() as ws:
            r = await asyncio.to_thread(
                owner_client.post, f"/api/conversations/{conv}/messages",
                json={"client_id": cid(), "kind": "file", "attachment_id": attachment["id"]})
            assert r.status_code == 200, r.text
            while (frame := await next_of(ws, "message"))["kind"] != "file":
                pass  # the "agent_joined" line comes first
            return frame

    frame = asyncio.run(scenario())
    assert frame["attachment"] == attachment and frame["sender"]["type"] == "agent"
    served = widget.http.get(attachment["url"], headers=widget.headers)
    assert served.status_code == 200 and served.content == pdf
    assert served.headers["content-disposition"].startswith("attachment; ")
    assert served.headers["content-security-policy"] == SAFE_CSP
    stranger = Widget(appliance, site["widget_key"])
    assert stranger.http.get(attachment["url"], headers=stranger.headers).status_code == 404
    assert len(stored_files(appliance)) == 1


def test_files_no_record_holds_are_swept_once_they_are_old(appliance, owner, site) -> None:
    """A crash between a commit that forgot a file (an erasure, a purge) and the file's
    deletion, or during an upload, leaves a file no record holds: the hourly sweep deletes
    it once it is an hour old, and never a file a record holds (sent or not yet sent)."""
    from datetime import timedelta

    from appliance.services.uploads import do_delete_abandoned

    widget = Widget(appliance, site["widget_key"])
    r = upload(widget, "held.png", png(), "image/png")
    assert r.status_code == 200, r.text
    [held] = stored_files(appliance)
    folder = appliance.runtime.uploads_dir
    stray, partial = folder / ("ab" * 16), folder / f".{'cd' * 16}.partial"
    for path in (stray, partial):
        path.write_bytes(b"left by a crash")
    services = appliance.runtime.services
    clock = services.clock

    def sweep(after: timedelta) -> int:
        later = clock() + after
        services.clock = lambda: later
        try:
            return asyncio.run_coroutine_threadsafe(do_delete_abandoned(
                services, folder), appliance.server.loop).result(30)
        finally:
            services.clock = clock

    assert sweep(timedelta(minutes=30)) == 0  # too young: maybe an upload's record to come
    assert stored_files(appliance) == sorted([held, stray, partial])
    assert sweep(timedelta(hours=2)) == 1
    assert stored_files(appliance) == [held]  # not sent yet, but its record holds it
    r = widget.http.get(f"/api/attachments/{r.json()['attachment']['id']}",
                        headers=widget.headers)
    assert r.status_code == 200


def test_an_image_message_holds_an_image(appliance, owner, site) -> None:
    """A `send` of kind image or file is of its upload's kind: a PDF is never a picture
    (a client drawing image messages as <img> would get a PDF)."""
    widget = Widget(appliance, site["widget_key"])
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    attachment = upload(widget, "a.pdf", pdf, "application/pdf").json()["attachment"]
    assert attachment["kind"] == "file"
    image = upload(widget, "a.png", png(), "image/png").json()["attachment"]

    def send(kind: str, upload_id: int) -> httpx.Response:
        return widget.http.post("/api/widget/send", headers=widget.headers, json={
            "client_id": cid(), "kind": kind, "attachment_id": upload_id})

    for kind, upload_id in (("image", attachment["id"]), ("file", image["id"])):
        r = send(kind, upload_id)
        assert r.status_code == 400 and r.json()["error"]["field"] == "kind", r.text
    for kind, upload_id in (("file", attachment["id"]), ("image", image["id"])):
        assert send(kind, upload_id).status_code == 200


def test_one_file_per_upload_and_no_file_on_a_text_message(appliance, owner, site) -> None:
    widget = Widget(appliance, site["widget_key"])
    r = widget.http.post("/api/widget/upload", headers=widget.headers,
                         files=[("file", ("a.png", png(), "image/png")),
                                ("file", ("b.png", png(), "image/png"))])
    assert r.status_code == 400 and r.json()["error"]["field"] == "file", r.text
    assert stored_files(appliance) == []
    r = upload(widget, "a.png", png(), "image/png")
    attachment = r.json()["attachment"]["id"]
    r = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "kind": "text", "body": "看图", "attachment_id": attachment})
    assert r.status_code == 400 and r.json()["error"]["field"] == "attachment_id", r.text
    r = widget.http.post("/api/widget/send", headers=widget.headers, json={
        "client_id": cid(), "kind": "image", "body": "看图", "attachment_id": attachment})
    assert r.status_code == 200, r.text


def test_uploads_sent_at_once_stay_within_the_quota(start_appliance) -> None:
    """Each upload passed the quota check before any was recorded (3–4 × the quota stored
    with 20 at once); the check is made again in the transaction that records it, and the
    refused ones' files are deleted."""
    image = png(60, 60)
    appliance = start_appliance(visitor_upload_quota_bytes=len(image) * 2,
                                visitor_uploads_per_hour=100)
    _, setup = appliance.setup()
    widget = Widget(appliance, setup["site"]["widget_key"])

    async def at_once() -> list[int]:
        async with httpx.AsyncClient(base_url=appliance.url, timeout=30) as client:
            answers = await asyncio.gather(*(
                client.post("/api/widget/upload", headers=widget.headers,
                            files={"file": ("a.png", image, "image/png")}) for _ in range(12)))
        return [r.status_code for r in answers]

    codes = asyncio.run(at_once())
    assert codes.count(200) == 2 and codes.count(413) == 10, codes
    assert len(stored_files(appliance)) == 2
