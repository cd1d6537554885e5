"""Agent and admin web UI (static files served by the appliance)."""
