"""What the console needs from the Qt window beyond pywebview: its title and notifications.

pywebview keeps the window title it was created with and denies web notifications. The
console's alerts are the unread count in the title and desktop notifications, so on the Qt
backend this module
- lets the window title follow the page's (the taskbar shows "(3) Kefu 客服"), and
- grants the notification permission to Kefu's own origin only, and presents notifications
  through the desktop's notification service (org.freedesktop.Notifications on the session
  D-Bus), or the system tray where there is one; clicking one brings the window forward and
  opens the conversation.

Everything here runs on the GUI thread (pywebview's before_show event), where Qt delivers the
signals. It reaches into pywebview's Qt window (`native.webview`), which is pinned in
pyproject.toml; if that changes, the window simply keeps pywebview's behaviour.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from qtpy.QtCore import (  # type: ignore[import-not-found,attr-defined]
    QMetaType,
    QObject,
    Slot,
)
from qtpy.QtDBus import (  # type: ignore[import-not-found]
    QDBusArgument,
    QDBusConnection,
    QDBusInterface,
    QDBusMessage,
)
from qtpy.QtWebEngineCore import QWebEnginePage  # type: ignore[import-not-found]
from qtpy.QtWidgets import QApplication, QSystemTrayIcon  # type: ignore[import-not-found]

from appliance import APP_TITLE

log = logging.getLogger(__name__)

TITLE_MAX = 200
MESSAGE_MAX = 500
NOTIFY_TIMEOUT_MS = 10_000  # how long the desktop shows a notification
DBUS_CALL_TIMEOUT_MS = 2_000  # a hung notification service must not freeze the window
KEPT_NOTIFICATIONS = 32  # Qt drops a notification whose Python object is collected


def integrate(native: Any, console_url: str, hidden: Callable[[], bool],
              bring_to_front: Callable[[], None]) -> None:
    try:
        view = native.webview
        page = view.page()
    except AttributeError:
        log.info("pywebview's Qt window has changed: the window keeps its own title and "
                 "no desktop notifications")
        return
    _follow_title(native, view, hidden)
    _allow_notifications(page, console_url)
    page.profile().setNotificationPresenter(Presenter(bring_to_front))


def _follow_title(native: Any, view: Any, hidden: Callable[[], bool]) -> None:
    def retitle(title: str) -> None:
        if title.strip() and not hidden():  # a hidden window shows about:blank
            native.setWindowTitle(title.strip()[:TITLE_MAX])

    view.titleChanged.connect(retitle)


def _same_origin(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _allow_notifications(page: Any, console_url: str) -> None:
    """Notifications for Kefu's own origin; every other permission request is denied.

    Replaces pywebview's handler, which grants the microphone and camera (the console needs
    neither) and whose denial passes a plain int where PyQt6 wants the enum: the TypeError in a
    Qt slot aborts the process. (Disconnecting all receivers: Nuitka-compiled methods cannot be
    disconnected one by one.)"""
    notifications = QWebEnginePage.Feature.Notifications
    granted = QWebEnginePage.PermissionPolicy.PermissionGrantedByUser
    denied = QWebEnginePage.PermissionPolicy.PermissionDeniedByUser
    page.featurePermissionRequested.disconnect()

    def on_request(url: Any, feature: Any) -> None:
        ours = feature == notifications and _same_origin(url.toString(), console_url)
        page.setFeaturePermission(url, feature, granted if ours else denied)

    page.featurePermissionRequested.connect(on_request)


class Presenter(QObject):  # type: ignore[misc]
    """Shows the console's notifications on the desktop (Qt's notification presenter)."""

    def __init__(self, bring_to_front: Callable[[], None]) -> None:
        super().__init__(QApplication.instance())  # lives as long as the application
        self._bring_to_front = bring_to_front
        self._kept: collections.OrderedDict[int, Any] = collections.OrderedDict()
        self._bus: Any = None
        self._tray: Any = None
        self._last_tray_note: Any = None
        self._setup_outputs()

    def _setup_outputs(self) -> None:
        bus = QDBusConnection.sessionBus()
        if bus.isConnected():
            self._bus = QDBusInterface("org.freedesktop.Notifications",
                                       "/org/freedesktop/Notifications",
                                       "org.freedesktop.Notifications", bus)
            self._bus.setTimeout(DBUS_CALL_TIMEOUT_MS)
            bus.connect("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                        "org.freedesktop.Notifications", "ActionInvoked", self._on_action)
        if QSystemTrayIcon.isSystemTrayAvailable():
            app = QApplication.instance()
            assert isinstance(app, QApplication)  # the window exists, so the app does
            self._tray = QSystemTrayIcon(app.windowIcon())
            self._tray.messageClicked.connect(self._on_tray_click)
            self._tray.show()

    def __call__(self, notification: Any) -> None:
        title, message = notification.title()[:TITLE_MAX], notification.message()[:MESSAGE_MAX]
        shown = self._notify_bus(title, message, notification)
        if not shown and self._tray is not None:
            self._last_tray_note = notification
            self._tray.showMessage(title, message, self._tray.icon(), NOTIFY_TIMEOUT_MS)
            shown = True
        if shown:
            notification.show()
        log.info("desktop notification %s", "shown" if shown else
                 "not shown: no notification service or system tray")

    def _notify_bus(self, title: str, message: str, notification: Any) -> bool:
        if self._bus is None or not self._bus.isValid():
            return False
        # Qt has QDBusArgument(value, type id); PyQt6's stubs do not list that constructor.
        uint = QDBusArgument(0, QMetaType.Type.UInt.value)  # type: ignore[call-overload]
        actions = QDBusArgument(  # type: ignore[call-overload]
            ["default", APP_TITLE], QMetaType.Type.QStringList.value)
        reply = self._bus.call("Notify", APP_TITLE, uint, "", title, message, actions, {},
                               NOTIFY_TIMEOUT_MS)
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not reply.arguments():
            return False
        self._kept[int(reply.arguments()[0])] = notification
        while len(self._kept) > KEPT_NOTIFICATIONS:
            self._kept.popitem(last=False)
        return True

    @Slot("uint", str)  # type: ignore[untyped-decorator]
    def _on_action(self, notification_id: int, _action: str) -> None:
        notification = self._kept.get(int(notification_id))
        if notification is not None:
            self._open(notification)

    def _on_tray_click(self) -> None:
        if self._last_tray_note is not None:
            self._open(self._last_tray_note)

    def _open(self, notification: Any) -> None:
        self._bring_to_front()
        notification.click()  # the console opens the conversation
