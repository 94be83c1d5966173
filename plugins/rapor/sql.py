"""Loading the SQL models of ``include/sql`` and running them into DataFrames."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from sqlalchemy import bindparam, text

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
    """``query_frame`` for many rows: the frame is built column by column from the values as the
    driver returns them (no result types: a timestamp is text on SQLite, parse it with
    ``pd.to_datetime(..., utc=True, format="ISO8601")``)."""
    result = _execute(conn, name, params, types, None, lists)
    keys = list(result.keys())
    rows = result.fetchall()
    values = zip(*rows, strict=True) if rows else ([] for _ in keys)
    return pd.DataFrame({key: list(column) for key, column in zip(keys, values, strict=True)}, columns=keys)


def _execute(conn, name: str, params: dict, types: dict | None, columns: dict | None, lists: tuple[str, ...]):
    stmt = text(load_sql(name))
    if lists:
        stmt = stmt.bindparams(*(bindparam(k, expanding=True) for k in lists))
    if types:
        stmt = stmt.bindparams(*(bindparam(k, type_=t) for k, t in types.items()))
    if columns:
        stmt = stmt.columns(**columns)
    return conn.execute(stmt, params)
