"""A desktop notification service (org.freedesktop.Notifications) on the session D-Bus, for the
desktop window test: prints `NOTIFY <id> <summary>|<body>` for each notification it gets, and
on a stdin line `click <id>` sends ActionInvoked(id, "default") as a desktop does when the
person clicks the notification. Prints READY once it owns the name."""

from __future__ import annotations

import sys

from PyQt6.QtCore import (
    QCoreApplication,
    QMetaType,
    QObject,
    QSocketNotifier,
    pyqtClassInfo,
    pyqtSlot,
)
from PyQt6.QtDBus import QDBusAbstractAdaptor, QDBusArgument, QDBusConnection, QDBusMessage

PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"


@pyqtClassInfo("D-Bus Interface", INTERFACE)
class Notifications(QDBusAbstractAdaptor):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.count = 0

    @pyqtSlot(str, "uint", str, str, str, "QStringList", "QVariantMap", int, result="uint")
    def Notify(self, _app, _replaces, _icon, summary, body, _actions, _hints, _timeout):
        self.count += 1
        print(f"NOTIFY {self.count} {summary}|{body}", flush=True)
        return self.count

    @pyqtSlot(result="QStringList")
    def GetCapabilities(self):
        return ["actions", "body"]


def main() -> None:
    app = QCoreApplication(sys.argv)
    owner = QObject()
    Notifications(owner)
    bus = QDBusConnection.sessionBus()
    assert bus.registerObject(PATH, owner), "could not register the object"
    assert bus.registerService(INTERFACE), bus.lastError().message()

    def on_stdin() -> None:
        words = sys.stdin.readline().split()
        if not words:
            app.quit()
        elif words[0] == "click":
            signal = QDBusMessage.createSignal(PATH, INTERFACE, "ActionInvoked")
            signal.setArguments([QDBusArgument(int(words[1]), QMetaType.Type.UInt.value),
                                 "default"])
            bus.send(signal)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    print("READY", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
