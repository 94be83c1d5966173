"""The warehouse: engine, migrations and bulk loading, the same on SQLite and PostgreSQL."""
