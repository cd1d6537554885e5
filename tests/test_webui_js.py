"""Runs the front end's pure-logic unit tests (`node --test tests/js`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import require_or_skip

ROOT = Path(__file__).resolve().parent.parent


def test_webui_state_modules_pass_node_tests() -> None:
    node = shutil.which("node")
    require_or_skip(node is not None, "node is not installed")
    files = sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    assert files, "no front-end unit tests found in tests/js"
    result = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
