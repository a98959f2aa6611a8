"""cce_scan."""
