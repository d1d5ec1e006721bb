"""Alembic environment and revisions for the ledger schema (SQLite and PostgreSQL)."""
