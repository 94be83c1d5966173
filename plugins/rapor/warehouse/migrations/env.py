"""Alembic environment for the Rapor warehouse (run through rapor.warehouse.db.migrate)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table="rapor_alembic_version",  # may share a database with Airflow's own alembic_version
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
