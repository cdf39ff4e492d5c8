"""Persistence: SQLAlchemy models, repositories, Alembic migrations, the Rasa tracker store."""
