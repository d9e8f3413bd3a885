"""The two forms of every service port: in-process (embedded) and Dapr (stack, cluster)."""
