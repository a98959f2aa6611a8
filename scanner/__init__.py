"""scanner."""
