"""The visitor widget (static files served by the appliance)."""
