#!/usr/bin/env bash
# Build the one-file Linux executable with Nuitka: dist/kefu-<version>-linux-x86_64.
# FLAVOUR=qt builds the second, much larger flavour with the Qt console window built in:
# dist/kefu-<version>-linux-x86_64-qt (needs the `desktop` extra in the venv).
# Needs: the project's venv (make setup), gcc, patchelf and ccache (apt-get install patchelf ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
VERSION=$($PY -c 'import appliance; print(appliance.__version__)')
OUT=dist
NAME="kefu-${VERSION}-linux-x86_64"
FLAVOUR=${FLAVOUR:-lean}
case "$FLAVOUR" in
  lean)  # no window toolkit: desktop mode opens the console in the system browser
    window=(--nofollow-import-to=webview,PyQt6,PySide6,qtpy) ;;
  qt)    # pywebview with PyQt6 WebEngine: the console in its own window
    NAME="$NAME-qt"
    window=(--enable-plugin=pyqt6
            --nofollow-import-to=PySide6)
    ;;
  *) echo "FLAVOUR must be lean or qt" >&2; exit 2 ;;
esac
# What every platform's build includes and leaves out (also read by windows/ and macos/).
mapfile -t common < <(grep -v '^#' installer/nuitka-options.txt | grep .)
mkdir -p "$OUT"
start=$(date +%s)
"$PY" -m nuitka \
  --onefile \
  --assume-yes-for-downloads \
  --output-dir="$OUT/build-$FLAVOUR" \
  --output-filename="$NAME" \
  "${common[@]}" \
  "${window[@]}" \
  --remove-output \
  installer/kefu_entry.py
mv "$OUT/build-$FLAVOUR/$NAME" "$OUT/$NAME"
rm -rf "$OUT/build-$FLAVOUR"
end=$(date +%s)
size=$(stat -c %s "$OUT/$NAME")
echo "built $OUT/$NAME: $((size / 1024 / 1024)) MiB in $((end - start)) s"
