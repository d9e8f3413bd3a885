"""Persistence: tables, repositories, the unit of work, the outbox and the migrations."""
