"""Kefu: a self-hosted online customer-service appliance."""

__version__ = "0.1.0"
APP_TITLE = "Kefu 客服"  # the window title, and the app name in desktop notifications
