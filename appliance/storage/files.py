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


def read_file(folder: Path, name: str) -> bytes:
    if not name.isalnum():  # names are ours (hex); never a path
        raise FileNotFoundError(name)
    return (folder / name).read_bytes()
