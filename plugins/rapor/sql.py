"""Loading the SQL models of ``include/sql`` and running them into DataFrames."""

from __future__ import annotations

import io
from functools import lru_cache

import pandas as pd
from sqlalchemy import String, bindparam, text

from rapor import config


@lru_cache(maxsize=32)
def load_sql(name: str) -> str:
    """The text of ``include/sql/<name>.sql``, e.g. ``staging/stg_complaints_for_month``.

    Whole-line comments are dropped so that the ``:name`` parameters they document
    are not taken for bind parameters.
    """
    text_ = (config.sql_dir() / f"{name}.sql").read_text(encoding="utf-8")
    return "\n".join(line for line in text_.splitlines() if not line.lstrip().startswith("--"))


def query_frame(
    conn,
    name: str,
    params: dict,
    types: dict | None = None,
    columns: dict | None = None,
    lists: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Run a SQL model with typed parameters; return its rows as a DataFrame.

    ``types`` gives SQLAlchemy types for parameters and ``columns`` for result
    columns, so that timestamps bind and read the same way on SQLite and PostgreSQL;
    the parameters named in ``lists`` are sequences, written ``in :name`` in the model.
    """
    result = _execute(conn, name, params, types, columns, lists)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def query_columns(
    conn, name: str, params: dict, types: dict | None = None, lists: tuple[str, ...] = ()
) -> pd.DataFrame:
    """``query_frame`` for many rows of text and timestamps: every value as text (missing for NULL).

    PostgreSQL: ``COPY (model) TO STDOUT`` as CSV, read by pandas' CSV reader; SQLite: the rows
    as the driver returns them. A timestamp is text here
    (``pd.to_datetime(..., utc=True, format="ISO8601")`` reads it). The ``lists`` are lists of text.
    """
    if conn.dialect.name == "postgresql":
        stmt = _statement(name, types, None, lists).bindparams(**params)
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        buffer = io.BytesIO()
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '\\N')") as copy:
                for data in copy:
                    buffer.write(data)
        buffer.seek(0)
        return pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=["\\N"])
    result = conn.execute(_statement(name, types, None, lists), params)
    # No result types to apply: the driver's own tuples (not SQLAlchemy rows) make the frame.
    return pd.DataFrame(result.cursor.fetchall(), columns=list(result.keys()))


def _execute(conn, name: str, params: dict, types: dict | None, columns: dict | None, lists: tuple[str, ...]):
    return conn.execute(_statement(name, types, columns, lists), params)


def _statement(name: str, types: dict | None, columns: dict | None, lists: tuple[str, ...]):
    stmt = text(load_sql(name))
    if lists:
        stmt = stmt.bindparams(*(bindparam(k, expanding=True, type_=String) for k in lists))
    if types:
        stmt = stmt.bindparams(*(bindparam(k, type_=t) for k, t in types.items()))
    if columns:
        stmt = stmt.columns(**columns)
    return stmt
