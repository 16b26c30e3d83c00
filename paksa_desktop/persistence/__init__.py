"""Engines, units of work and migrations for SQLite company files and PostgreSQL databases."""
