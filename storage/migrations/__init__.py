"""Alembic migrations of the coopbot schema."""
