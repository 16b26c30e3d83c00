"""Alembic migration environment and versions: one history for SQLite and PostgreSQL."""
