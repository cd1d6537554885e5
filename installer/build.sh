#!/usr/bin/env bash
# Build the one-file Linux executable with Nuitka: dist/kefu-<version>-linux-x86_64.
# Needs: the project's venv (make setup), gcc, patchelf and ccache (apt-get install patchelf ccache).
# _json and _bisect are named explicitly: Nuitka's anti-bloat would otherwise leave the C
# accelerators out and every frame would be encoded by the pure-Python fallback.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
VERSION=$($PY -c 'import appliance; print(appliance.__version__)')
OUT=dist
NAME="kefu-${VERSION}-linux-x86_64"
mkdir -p "$OUT"
start=$(date +%s)
"$PY" -m nuitka \
  --onefile \
  --assume-yes-for-downloads \
  --output-dir="$OUT/build" \
  --output-filename="$NAME" \
  --include-package=appliance \
  --include-package=webui --include-package-data=webui \
  --include-package=embed --include-package-data=embed \
  --include-package-data=sanic \
  --include-package-data=tracerite \
  --include-package=ua_parser_builtins \
  --include-package=segno \
  --include-module=_json --include-module=_bisect \
  --nofollow-import-to=pytest,playwright,httpx,websockets.legacy,IPython,tkinter,PyQt6,PySide6 \
  --nofollow-import-to=webview \
  --noinclude-pytest-mode=nofollow \
  --noinclude-setuptools-mode=nofollow \
  --remove-output \
  installer/kefu_entry.py
mv "$OUT/build/$NAME" "$OUT/$NAME"
rm -rf "$OUT/build"
end=$(date +%s)
size=$(stat -c %s "$OUT/$NAME")
echo "built $OUT/$NAME: $((size / 1024 / 1024)) MiB in $((end - start)) s"
