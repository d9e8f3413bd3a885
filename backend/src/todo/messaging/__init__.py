"""Moving events: the publisher port, its in-process and Dapr adapters, and the outbox relay."""
