"""Uploads: checked by content, stored under random names, served to authorised viewers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import filetype

from appliance.domain.conversations import Attachment
from appliance.domain.errors import Invalid, NotFound, TooLarge
from appliance.domain.uploads import classify, clean_file_name
from appliance.services.context import Services
from appliance.storage import conversations as store
from appliance.storage.files import read_file, save_file


def sniff(data: bytes) -> str | None:
    kind = filetype.guess(data[:8192])
    return None if kind is None else str(kind.mime)


async def check_upload(svc: Services, folder: Path, *, site_id: int, uploader_type: str,
                       uploader_id: int, name: str | None, data: bytes,
                       max_bytes: int) -> Attachment:
    if len(data) > max_bytes:
        raise TooLarge(f"Files may be at most {_size(max_bytes)}", field="file")
    if not data:
        raise Invalid("The file is empty", field="file")
    kind, mime = classify(sniff(data), data)
    storage_name = await asyncio.to_thread(save_file, folder, data)
    fields = {"site": site_id, "uploader_type": uploader_type, "uploader_id": uploader_id,
              "name": clean_file_name(name, mime), "mime": mime, "kind": kind,
              "size": len(data), "storage_name": storage_name}
    return await svc.db.write(store.create_attachment, fields, svc.now())


async def attachment_bytes(folder: Path, attachment: Attachment) -> bytes:
    try:
        return await asyncio.to_thread(read_file, folder, attachment.storage_name)
    except FileNotFoundError as exc:
        raise NotFound("The file is gone") from exc


async def get_attachment(svc: Services, attachment_id: int) -> Attachment:
    return await svc.db.read(store.get_attachment, attachment_id)


def _size(n: int) -> str:
    return f"{n / 1_048_576:.0f} MiB" if n >= 1_048_576 else f"{max(1, n // 1024)} KiB"
