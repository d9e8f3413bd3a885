"""The local real stack (`make stack`, `python -m todo.stack`, the tests/stack fixture):
PostgreSQL, Kafka, the Dapr scheduler and every service with its own daprd, on 127.0.0.1."""

from todo.stack.config import StackConfig
from todo.stack.errors import StackError
from todo.stack.services import SERVICES, Service
from todo.stack.stack import Stack

__all__ = ["SERVICES", "Service", "Stack", "StackConfig", "StackError"]
