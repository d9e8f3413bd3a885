"""Worker processes: one subscriber role each, called by its Dapr sidecar (stack mode)."""
