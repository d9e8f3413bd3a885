"""The HTTP API: thin routes over the use cases, one error shape (problem+json)."""
