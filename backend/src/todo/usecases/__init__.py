"""Use cases: plain async functions over a unit of work; the API and workers call these."""
