"""Engine, migrations and idempotent bulk writes for the warehouse.

One SQLAlchemy URL (``RAPOR_WAREHOUSE_URL``) selects the database; every function
here works the same on SQLite (embedded default) and PostgreSQL (CI, production).
"""

from __future__ import annotations

import fcntl
import hashlib
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event, exc, inspect, or_, text
from sqlalchemy.dialects import postgresql, sqlite

from rapor import config

# SQLite has no DECIMAL: SQLAlchemy stores our 2- and 4-decimal numbers as REAL and
# quantises them back to the column's scale on read, which is exact at these scales.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*", category=exc.SAWarning)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine for ``url`` or the configured warehouse (one per URL and process)."""
    return _engine_for(url or config.warehouse_url())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the loader
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine | None = None, revision: str = "heads") -> None:
    """Bring the warehouse schema up to ``revision`` (idempotent).

    "heads": features may add migrations on branches of their own (each revising an
    earlier revision); all heads are applied.
    """
    from alembic import command
    from alembic.config import Config

    engine = engine or get_engine()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Every task migrates at its start, and under Celery many start at once: one at a time.
    with exclusive(engine, "migrate"), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_warehouse(url: str | None = None) -> Engine:
    """The warehouse engine, its schema migrated to the newest revision."""
    engine = get_engine(url)
    migrate(engine)
    return engine


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock ``name`` across processes for a block (waits while another holder has it).

    PostgreSQL: a session advisory lock on a connection of its own, so every worker of a
    distributed deployment sees it. SQLite: an exclusive ``flock`` on a file beside the
    database, as SQLite itself locks the database file (one machine, any number of processes).
    """
    with exclusive_many(engine, [name]):
        yield


@contextmanager
def exclusive_many(engine: Engine, names: Iterable[str]) -> Iterator[None]:
    """Hold every lock of ``names`` for a block, as ``exclusive`` holds one.

    Taken in name order (so two holders of overlapping sets cannot deadlock), on one
    connection (PostgreSQL) or one open file per lock (SQLite); released in reverse order.
    """
    names = sorted(set(names))
    if engine.dialect.name == "postgresql":
        keys = [int.from_bytes(hashlib.sha256(f"rapor:{n}".encode()).digest()[:8], "big", signed=True) for n in names]
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            held = []
            try:
                for key in keys:
                    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                    held.append(key)
                yield
            finally:
                for key in reversed(held):
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    database = engine.url.database
    folder = Path(database).resolve().parent if database and database != ":memory:" else config.state_dir()
    with ExitStack() as stack:
        for name in names:
            safe = "".join(c if c.isalnum() else "_" for c in name)
            handle = stack.enter_context(open(folder / f".rapor-lock-{safe}", "a+"))
            fcntl.flock(handle, fcntl.LOCK_EX)
            stack.callback(fcntl.flock, handle, fcntl.LOCK_UN)
        yield


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _dialect_insert(conn, table: Table):
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"warehouse dialect {name!r} is not supported (use SQLite or PostgreSQL)")


def upsert(
    conn,
    table: Table,
    rows: Sequence[Mapping],
    keys: Sequence[str],
    *,
    ignore_for_change: Iterable[str] = ("updated_at",),
    chunk_size: int = 5000,
) -> None:
    """Insert rows, or update the existing row with the same key when a value changed.

    A row whose values are all equal to the stored row is left untouched (its
    ``updated_at`` does not move), so re-loading the same data changes nothing.
    """
    if not rows:
        return
    columns = [c for c in rows[0].keys() if c not in keys]
    compared = [c for c in columns if c not in set(ignore_for_change)]
    for start in range(0, len(rows), chunk_size):
        stmt = _dialect_insert(conn, table)
        if columns:
            changed = or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in compared))
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={c: stmt.excluded[c] for c in columns},
                where=changed,
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        conn.execute(stmt, list(rows[start : start + chunk_size]))


def bulk_upsert(
    conn,
    table: Table,
    frame,
    keys: Sequence[str],
    *,
    ignore_for_change: Iterable[str] = ("updated_at",),
) -> None:
    """``upsert`` for a DataFrame of many rows (no two with the same key), by the database's bulk path.

    PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT … ON
    CONFLICT`` merge. SQLite: one ``executemany`` of the same upsert. Same rule as ``upsert``:
    a row equal to the stored one is left untouched (``updated_at`` does not move). Values are
    stored exactly as SQLAlchemy stores them (timestamps as UTC). Runs in ``conn``'s transaction.
    """
    if len(frame) == 0:
        return
    names = list(frame.columns)
    columns = [c for c in names if c not in keys]
    compared = [c for c in columns if c not in set(ignore_for_change)]
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"warehouse dialect {dialect!r} is not supported (use SQLite or PostgreSQL)")
    values = [_driver_values(frame[name], dialect) for name in names]
    quoted = ", ".join(f'"{n}"' for n in names)
    target = f'"{table.name}"'
    conflict = ", ".join(f'"{k}"' for k in keys)
    if columns:
        other = "EXCLUDED" if dialect == "postgresql" else "excluded"
        distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
        changed = " OR ".join(f'{target}."{c}" {distinct} {other}."{c}"' for c in compared) or "TRUE"
        assignments = ", ".join(f'"{c}" = {other}."{c}"' for c in columns)
        action = f"DO UPDATE SET {assignments} WHERE {changed}"
    else:
        action = "DO NOTHING"
    driver = conn.connection.driver_connection
    # The driver's errors as SQLAlchemy raises them (a lost connection is an OperationalError).
    try:
        _bulk_write(driver, dialect, table, target, quoted, names, values, conflict, action)
    except conn.dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            f"bulk upsert into {table.name}", None, error, conn.dialect.loaded_dbapi.Error
        ) from error


def _bulk_write(driver, dialect, table, target, quoted, names, values, conflict, action) -> None:
    if dialect == "postgresql":
        stage = f'"_stage_{table.name}"'
        with driver.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}")
            cur.execute(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {quoted} FROM {target} WITH NO DATA")
            with cur.copy(f"COPY {stage} ({quoted}) FROM STDIN") as copy:
                for row in zip(*values, strict=True):
                    copy.write_row(row)
            cur.execute(
                f"INSERT INTO {target} ({quoted}) SELECT {quoted} FROM {stage} ON CONFLICT ({conflict}) {action}"
            )
            cur.execute(f"DROP TABLE {stage}")
        return
    marks = ", ".join("?" * len(names))
    driver.executemany(
        f"INSERT INTO {target} ({quoted}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}",
        zip(*values, strict=True),
    )


def _driver_values(series, dialect: str) -> list:
    """One column as the driver takes it: None for missing, timestamps as SQLAlchemy writes them."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
        utc = (
            series.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(series.dtype, pd.DatetimeTZDtype) else series
        )
        codes, instants = pd.factorize(utc.to_numpy().astype("datetime64[us]"))  # each distinct instant once
        if len(instants) == 0:
            return [None] * len(series)
        text = np.datetime_as_string(np.asarray(instants, dtype="datetime64[us]"), unit="us").astype(object)
        # SQLite: SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC); PostgreSQL: an ISO instant in UTC.
        text = np.char.replace(text.astype(str), "T", " ").astype(object)
        if dialect == "postgresql":
            text = text + "+00"
        text = np.append(text, None)[codes]  # code -1 (NaT) takes the appended None
        return text.tolist()
    if pd.api.types.is_bool_dtype(series):
        return [bool(v) if dialect == "postgresql" else int(v) for v in series.tolist()]
    values = series.astype(object).where(series.notna(), None).tolist()
    if series.dtype == object:  # may hold numpy scalars; text and numeric columns' tolist gives Python values
        return [v.item() if hasattr(v, "item") else v for v in values]
    return values


def insert_ignoring_duplicates(conn, table: Table, rows: Sequence[Mapping], keys: Sequence[str]) -> None:
    """Insert rows; a row whose key is already stored is skipped (first write wins)."""
    if not rows:
        return
    stmt = _dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
    conn.execute(stmt, list(rows))


def insert_frame(conn, table: Table, frame, **constant) -> None:
    """Insert a DataFrame's rows (columns named as the table's; ``constant`` for the others) in bulk.

    Stores what ``conn.execute(insert(table), frame_records(frame, **constant))`` stores, the
    values converted column by column (``_driver_values``): PostgreSQL ``COPY … FROM STDIN``,
    SQLite one ``executemany``. NaN, NaT and None are NULL. Runs in ``conn``'s transaction.
    """
    if len(frame) == 0:
        return
    dialect = conn.dialect.name
    names = [*frame.columns, *constant]
    values = [_driver_values(frame[name], dialect) for name in frame.columns]
    values += [[value] * len(frame) for value in constant.values()]
    quoted = ", ".join(f'"{n}"' for n in names)
    driver = conn.connection.driver_connection
    if dialect == "postgresql":
        with driver.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in zip(*values, strict=True):
                    copy.write_row(row)
        return
    marks = ", ".join("?" * len(names))
    driver.executemany(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', zip(*values, strict=True))


def frame_records(frame, **constant) -> list[dict]:
    """DataFrame rows as dicts for the database driver: None for NaN/NaT, Python datetimes."""
    import pandas as pd

    columns = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
            columns[name] = [None if pd.isna(v) else v.to_pydatetime() for v in series]
        else:
            columns[name] = [
                None
                if (v is None or (not isinstance(v, str) and pd.isna(v)))
                else (v.item() if hasattr(v, "item") else v)
                for v in series
            ]
    return [{**{name: values[i] for name, values in columns.items()}, **constant} for i in range(len(frame))]
