"""Uploads: checked by content, stored under random names, served to authorised viewers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import filetype

from appliance.domain.conversations import VISITOR, Attachment, Visitor
from appliance.domain.errors import (
    Invalid,
    NotFound,
    QuotaExceeded,
    TooLarge,
    attachment_not_found,
)
from appliance.domain.model import User
from appliance.domain.permissions import can_access_site
from appliance.domain.uploads import classify, clean_file_name
from appliance.services.context import Services
from appliance.storage import conversations as store
from appliance.storage.files import (
    delete_file,
    delete_partial,
    read_file,
    save_file,
    stored_before,
)

# A file no record holds is deleted once it is this old (an upload's record commits within
# seconds of its file).
ORPHAN_AFTER = timedelta(hours=1)


def sniff(data: bytes) -> str | None:
    kind = filetype.guess(data[:8192])
    return None if kind is None else str(kind.mime)


async def check_upload(svc: Services, folder: Path, *, site_id: int, uploader_type: str,
                       uploader_id: int, name: str | None, data: bytes,
                       max_bytes: int, address: str = "") -> Attachment:
    """Store an upload. A visitor's uploads are also counted (per visitor and per `address`)
    and held to a quota of stored bytes, sent or not."""
    if len(data) > max_bytes:
        raise TooLarge(f"Files may be at most {size_text(max_bytes)}", field="file")
    if not data:
        raise Invalid("The file is empty", field="file")
    kind, mime = classify(sniff(data), data)
    if uploader_type == VISITOR:
        await _check_visitor_allowance(svc, uploader_id, len(data), address)
    storage_name = await asyncio.to_thread(save_file, folder, data)
    fields = {"site": site_id, "uploader_type": uploader_type, "uploader_id": uploader_id,
              "name": clean_file_name(name, mime), "mime": mime, "kind": kind,
              "size": len(data), "storage_name": storage_name}
    quota = svc.limits.widget.visitor_upload_quota_bytes if uploader_type == VISITOR else None
    try:
        return await svc.db.write(_store_upload_job, fields, quota, svc.now())
    except QuotaExceeded:
        await asyncio.to_thread(delete_file, folder, storage_name)
        raise


def _store_upload_job(fields: dict[str, Any], quota: int | None,
                      now: datetime) -> Attachment:
    """The record of a stored file; a visitor's quota is checked again here, in the
    transaction: uploads sent at once all pass the check above before any is recorded."""
    if quota is not None and store.upload_bytes_of(
            fields["uploader_type"], fields["uploader_id"]) + fields["size"] > quota:
        raise QuotaExceeded(f"Your files may take at most {size_text(quota)} in all",
                            field="file")
    return store.create_attachment(fields, now)


async def _check_visitor_allowance(svc: Services, visitor_id: int, size: int,
                                   address: str) -> None:
    quota = svc.limits.widget.visitor_upload_quota_bytes
    used = await svc.db.read(store.upload_bytes_of, VISITOR, visitor_id)
    if used + size > quota:
        raise QuotaExceeded(f"Your files may take at most {size_text(quota)} in all", field="file")
    svc.throttle.check("upload", visitor_id=visitor_id, address=address)


async def do_delete_abandoned(svc: Services, folder: Path) -> int:
    """Delete uploads nobody sent within `abandoned_upload_hours` (records, then files), and
    files no record holds that are older than `ORPHAN_AFTER`: a crash between a commit that
    forgot a file (an erasure, a purge, this sweep) and the file's deletion, or during an
    upload, left them."""
    before = svc.now() - timedelta(hours=svc.limits.abandoned_upload_hours)
    deleted = 0
    while True:
        names = await svc.db.write(store.delete_abandoned_attachments, before, 500)
        for name in names:
            await asyncio.to_thread(delete_file, folder, name)
        deleted += len(names)
        if len(names) < 500:
            break
    # An upload's file is written before its record commits: only old files are orphans.
    written_before = (svc.now() - ORPHAN_AFTER).replace(tzinfo=UTC).timestamp()
    old, partial = await asyncio.to_thread(stored_before, folder, written_before)
    for name in await svc.db.read(store.unknown_storage_names, old):
        await asyncio.to_thread(delete_file, folder, name)
        deleted += 1
    for name in partial:
        await asyncio.to_thread(delete_partial, folder, name)
    return deleted


async def attachment_bytes(folder: Path, attachment: Attachment) -> bytes:
    try:
        return await asyncio.to_thread(read_file, folder, attachment.storage_name)
    except FileNotFoundError as exc:
        raise NotFound("The file is gone") from exc


async def access_visitor_attachment(svc: Services, visitor: Visitor,
                                    attachment_id: int) -> Attachment:
    """A visitor's own upload, or a file in a message they can see; anything else answers like
    a missing file."""
    found = await svc.db.read(store.get_attachment, attachment_id)
    if (found.uploader_type, found.uploader_id) == (VISITOR, visitor.id) or (
            await svc.db.read(store.visitor_sees_attachment, found.id, visitor.id)):
        return found
    raise attachment_not_found()


async def access_agent_attachment(svc: Services, actor: User, attachment_id: int) -> Attachment:
    """A file of a site the agent serves; others answer like a missing file."""
    found = await svc.db.read(store.get_attachment, attachment_id)
    if not can_access_site(actor, found.site_id):
        raise attachment_not_found()
    return found


def size_text(n: int) -> str:
    """A size as people read it in an error: 10 MiB, 60 KiB."""
    return f"{n / 1_048_576:.0f} MiB" if n >= 1_048_576 else f"{max(1, n // 1024)} KiB"
