"""Alembic's environment for ccdash, configured in code (no alembic.ini): the connection comes from
``config.attributes["connection"]`` (see :func:`ccdash.store.migrations.alembic_config`), the target is
the store's own metadata, so ``alembic check``-style comparisons and autogenerate see every table."""

from __future__ import annotations

from alembic import context

from ccdash.store.schema import metadata


def run_offline() -> None:
    """``--sql`` mode: the DDL as text for a DBA to review and run by hand (PostgreSQL sites)."""
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """On the caller's connection, inside the caller's transaction (which holds the migration lock)."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
