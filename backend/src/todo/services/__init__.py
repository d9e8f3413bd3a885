"""The subscribing services (audit, and later reminders, notifier, recurrence, realtime).

Handlers are plain async functions `(event, ctx)`; registry.py is the one place that says which
consumer handles which topic.
"""
