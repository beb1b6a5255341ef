"""Alembic environment: uses the connection handed over by counter.store.migrate."""

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from counter.store import models  # noqa: F401

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic: no connection given and no sqlalchemy.url set")
        engine = create_engine(url)
        with engine.begin() as c:
            context.configure(connection=c, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    context.run_migrations()


run()
