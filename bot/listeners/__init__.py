"""Listeners by Slack feature: each module has ``register(app, deps)``."""
