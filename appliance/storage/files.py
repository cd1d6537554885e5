"""Uploaded files on disk: random names in <data_dir>/uploads, written atomically."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def save_file(folder: Path, data: bytes) -> str:
    """Store `data` under a new random name; returns the name."""
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    partial = folder / f".{name}.partial"
    with partial.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, folder / name)
    return name


def delete_file(folder: Path, name: str) -> None:
    if name.isalnum():  # names are ours (hex); never a path
        (folder / name).unlink(missing_ok=True)


def stored_before(folder: Path, before: float) -> tuple[list[str], list[str]]:
    """Files last written before `before` (a POSIX time): (stored names, names of partial
    writes a crash left)."""
    names: list[str] = []
    partial: list[str] = []
    if not folder.is_dir():
        return names, partial
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime >= before:
                continue
            if entry.name.isalnum():
                names.append(entry.name)
            elif entry.name.startswith(".") and entry.name.endswith(".partial"):
                partial.append(entry.name)
    return names, partial


def delete_partial(folder: Path, name: str) -> None:
    if name.startswith(".") and name.endswith(".partial") and name[1:-8].isalnum():
        (folder / name).unlink(missing_ok=True)


def read_file(folder: Path, name: str) -> bytes:
    if not name.isalnum():  # names are ours (hex); never a path
        raise FileNotFoundError(name)
    return (folder / name).read_bytes()
