"""Metrics and logs (traces come with the observability issue)."""
