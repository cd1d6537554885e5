"""Where things live: the default data directory and the bundled front-end files."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

APP_DIR_NAME = "kefu"


def source_tree_root() -> Path | None:
    """The repository root when running from a source checkout, else None."""
    if "__compiled__" in globals():  # set by Nuitka in compiled modules
        return None
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "appliance").is_dir():
        return root
    return None


def user_data_dir(environ: Mapping[str, str]) -> Path:
    """The per-user data folder the platform expects for an application's own data
    (`environ`: the process environment, which only config.py reads)."""
    home = Path.home()
    if sys.platform.startswith("win"):
        base = environ.get("APPDATA")
        return Path(base) / APP_DIR_NAME if base else home / "AppData" / "Roaming" / APP_DIR_NAME
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_DIR_NAME
    xdg = environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else home / ".local" / "share") / APP_DIR_NAME


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """`./data` of the source tree when run from a checkout, the user data folder otherwise."""
    root = source_tree_root()
    return root / "data" if root is not None else user_data_dir(environ)


def bundled(package: str) -> Traversable:
    """Files shipped as package data (`webui`, `embed`), never read from the working directory."""
    return resources.files(package)
