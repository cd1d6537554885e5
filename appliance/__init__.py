"""Kefu: a self-hosted online customer-service appliance."""

__version__ = "0.1.0"
