#!/usr/bin/env bash
# Install Kefu on Linux: the executable, a desktop entry with its icon, and optionally a
# systemd service (run as root with --service) that serves as an unprivileged user with its
# data in /var/lib/kefu.
#   ./install.sh [EXECUTABLE]            for you: ~/.local/bin/kefu + menu entry
#   sudo ./install.sh --service [EXE]    for a server: /opt/kefu/kefu + kefu.service on :8080
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
service=false
if [ "${1:-}" = "--service" ]; then service=true; shift; fi
exe=${1:-$(ls "$here"/kefu-*-linux-x86_64 "$here"/../dist/kefu-*-linux-x86_64 2>/dev/null | head -n1 || true)}
[ -f "$exe" ] || { echo "install.sh: the Kefu executable was not found; pass its path" >&2; exit 2; }

if $service; then
  [ "$(id -u)" = 0 ] || { echo "install.sh: --service needs root (sudo)" >&2; exit 2; }
  install -D -m 0755 "$exe" /opt/kefu/kefu
  id kefu >/dev/null 2>&1 || useradd --system --home-dir /var/lib/kefu --shell /usr/sbin/nologin kefu
  install -d -o kefu -g kefu -m 0750 /var/lib/kefu
  cat > /etc/systemd/system/kefu.service <<UNIT
[Unit]
Description=Kefu customer service
After=network-online.target

[Service]
User=kefu
Group=kefu
ExecStart=/opt/kefu/kefu serve --data-dir /var/lib/kefu --host 0.0.0.0 --port 8080
Restart=on-failure
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=/var/lib/kefu
PrivateTmp=true

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now kefu.service
  echo "Kefu runs as a service on port 8080 (data in /var/lib/kefu)."
  echo "The first-run setup code is in: journalctl -u kefu | grep 'setup code'"
  exit 0
fi

bin_dir=${XDG_BIN_HOME:-$HOME/.local/bin}
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps
install -D -m 0755 "$exe" "$bin_dir/kefu"
install -D -m 0644 "$here/kefu.svg" "$icons/kefu.svg"
mkdir -p "$apps"
sed "s|@EXEC@|$bin_dir/kefu|" "$here/kefu.desktop" > "$apps/kefu.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
echo "Installed $bin_dir/kefu and a menu entry 'Kefu 客服'. Start it from the menu, or run: kefu serve"
