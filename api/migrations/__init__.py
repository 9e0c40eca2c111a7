"""Alembic migrations of the service store, run programmatically at start-up
(:func:`api.store.migrate`)."""
