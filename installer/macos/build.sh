#!/usr/bin/env bash
# Build Kefu for macOS: dist/Kefu.app and dist/kefu-<version>-macos.dmg.
# NOT YET TESTED: prepared on Linux, never run on a Mac. Needs Python 3.11 (python.org),
# Xcode's command-line tools (xcode-select --install); Nuitka does not cross-compile.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3.11 -m venv .venv
PY=.venv/bin/python
"$PY" -m pip install --quiet --upgrade pip
# pywebview uses the system's WKWebView through pyobjc: no Qt on macOS.
"$PY" -m pip install --quiet -e '.[package]' 'pywebview==6.2.1'
VERSION=$($PY -c 'import appliance; print(appliance.__version__)')
mkdir -p dist
mapfile -t common < <(grep -v '^#' installer/nuitka-options.txt | grep .)  # shared with Linux
"$PY" -m nuitka \
  --mode=app \
  --macos-app-name=Kefu \
  --macos-app-icon=installer/kefu.icns \
  --macos-app-version="$VERSION" \
  --output-dir=dist/build \
  --output-filename=Kefu \
  "${common[@]}" \
  --nofollow-import-to=PyQt6,PySide6 \
  installer/kefu_entry.py
rm -rf dist/Kefu.app
mv dist/build/kefu_entry.app dist/Kefu.app 2>/dev/null || mv dist/build/Kefu.app dist/Kefu.app
rm -rf dist/build
# Unsigned: the first start needs right-click > Open. Sign and notarize with a Developer ID
# (codesign --deep --options runtime, xcrun notarytool) before giving it to customers.
hdiutil create -volname "Kefu" -srcfolder dist/Kefu.app -ov -format UDZO "dist/kefu-$VERSION-macos.dmg"
echo "built dist/Kefu.app and dist/kefu-$VERSION-macos.dmg"
