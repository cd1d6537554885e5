"""The import rules of docs/architecture.md hold, and each contract really fails when broken."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# One import per contract that breaks it (and, as far as possible, only it).
VIOLATIONS = {
    "Layers point downward": ("appliance/domain/_broken_layers.py",
                              "import appliance.services.context\n"),
    "Only storage touches the database libraries": ("appliance/wire/_broken_db.py",
                                                    "import apsw\n"),
    "The domain is pure": ("appliance/domain/_broken_pure.py", "import argon2\n"),
    "The realtime layer never imports storage": ("appliance/realtime/_broken_storage.py",
                                                 "import appliance.storage.conversations\n"),
    "Services never import sanic": ("appliance/services/_broken_sanic.py", "import sanic\n"),
    "Nothing below web reads the configuration": ("appliance/storage/_broken_config.py",
                                                  "import appliance.config\n"),
}


def _contract_names() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return [c["name"] for c in config["tool"]["importlinter"]["contracts"]]


def _copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "appliance", tree / "appliance",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"),
                           "--no-cache"], cwd=tree, env={"PYTHONPATH": str(tree),
                                                         "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300, check=False)


def test_every_contract_is_named_here() -> None:
    names = _contract_names()
    assert len(names) == len(VIOLATIONS)
    for prefix in VIOLATIONS:
        assert sum(name.startswith(prefix) for name in names) == 1, prefix


def test_every_contract_fails_when_broken(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    assert _lint(tree).returncode == 0  # the copy itself is clean
    for path, line in VIOLATIONS.values():
        (tree / path).write_text(f'"""A deliberate violation."""\n\n{line}', "utf-8")
    result = _lint(tree)
    assert result.returncode != 0
    report = " ".join(result.stdout.split())  # contract names are wrapped in the report
    for name in _contract_names():
        assert re.search(re.escape(" ".join(name.split())) + r" BROKEN", report), (
            name, result.stdout)


def _third_party_imports(package: Path) -> list[str]:
    """Imports of `package`'s modules that are neither the standard library nor the package
    itself (nor, for appliance.wire, the domain it serialises)."""
    own = {"appliance.domain"} | ({"appliance.wire"} if package.name == "wire" else set())
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in sys.stdlib_module_names or name == "__future__":
                    continue
                if any(name == o or name.startswith(o + ".") for o in own):
                    continue
                found.append(f"{path.name}: {name}")
    return found


def test_domain_and_wire_import_only_the_standard_library() -> None:
    assert _third_party_imports(ROOT / "appliance" / "domain") == []
    assert _third_party_imports(ROOT / "appliance" / "wire") == []


def test_the_standard_library_check_fails_when_broken(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    (tree / "appliance/domain/_broken.py").write_text("import appliance.storage\nimport yaml\n")
    (tree / "appliance/wire/_broken.py").write_text("from appliance.services import auth\n")
    assert _third_party_imports(tree / "appliance" / "domain") == [
        "_broken.py: appliance.storage", "_broken.py: yaml"]
    assert _third_party_imports(tree / "appliance" / "wire") == [
        "_broken.py: appliance.services"]


def test_every_domain_module_imports_first() -> None:
    """No import cycle among the pure rules: each module imports in a fresh interpreter as
    the first one (a cycle shows only when its module is imported first — a subprocess such
    as the writer process may well do that)."""
    names = sorted(f"appliance.domain.{p.stem}" for p in (ROOT / "appliance/domain").glob(
        "*.py") if p.stem != "__init__")
    script = ("import subprocess, sys\n"
              "failed = [n for n in sys.argv[1:] if subprocess.run(\n"
              "    [sys.executable, '-c', f'import {n}'], capture_output=True).returncode]\n"
              "print(' '.join(failed))\n")
    found = subprocess.run([sys.executable, "-c", script, *names], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == []
