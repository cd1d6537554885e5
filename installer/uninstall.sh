#!/usr/bin/env bash
# Remove Kefu. The data (conversations, customers, accounts) is kept unless --purge is given.
set -euo pipefail
purge=false
[ "${1:-}" = "--purge" ] && purge=true
if [ "$(id -u)" = 0 ] && [ -f /etc/systemd/system/kefu.service ]; then
  systemctl disable --now kefu.service || true
  rm -f /etc/systemd/system/kefu.service /opt/kefu/kefu
  systemctl daemon-reload
  if $purge; then rm -rf /var/lib/kefu; userdel kefu 2>/dev/null || true
  else echo "Kept the data in /var/lib/kefu (use --purge to delete it)."; fi
fi
bin_dir=${XDG_BIN_HOME:-$HOME/.local/bin}
share=${XDG_DATA_HOME:-$HOME/.local/share}
rm -f "$bin_dir/kefu" "$share/applications/kefu.desktop" "$share/icons/hicolor/scalable/apps/kefu.svg"
if $purge; then rm -rf "$share/kefu"
else echo "Kept the data in $share/kefu (use --purge to delete it)."; fi
