"""Alembic environment for the audit store.

Charter runs migrations itself (`charter.audit.store.upgrade`), handing over an open
connection in ``config.attributes["connection"]`` inside a transaction it holds with a lock,
so two processes opening the store at once cannot both migrate. Given only a
``sqlalchemy.url`` (a developer running `alembic_config` by hand), it connects on its own;
in offline mode it writes the SQL instead of running it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from charter.audit.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode lets later migrations rebuild the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Write the migration SQL for ``sqlalchemy.url``'s dialect without connecting."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through the connection Charter passed in, or through ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("charter audit migrations: no connection given and no sqlalchemy.url set")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
