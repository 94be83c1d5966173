"""Set-wise row checks: each rule is a boolean mask over the whole file."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import String, func, select

from rapor.imports.files import TableFile, file_sha256
from rapor.imports.result import ImportResult, Problem
from rapor.privacy import mask_cell, redact
from rapor.warehouse import schema
from rapor.warehouse.db import insert_ignoring_duplicates


class RowChecks:
    """Collects broken rules per row; rows with none are the ones to load."""

    def __init__(self, frame: pd.DataFrame, record_keys: pd.Series):
        self.frame = frame
        self.record_keys = record_keys
        self.problems: list[Problem] = []
        self.bad = pd.Series(False, index=frame.index)

    def flag(self, mask: pd.Series, field: str, rule: str, detail) -> None:
        """Quarantine the rows where ``mask`` holds.

        ``detail`` is a text, a per-row Series, or a function of the mask giving the flagged
        rows' texts (computed for those rows only: a message quoting values costs per row).
        """
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if callable(detail):
            detail = detail(mask)
        details = (
            detail[mask[mask].index] if isinstance(detail, pd.Series) else pd.Series(detail, index=mask[mask].index)
        )
        for row_number, text in details.items():
            self.problems.append(Problem(int(row_number), str(self.record_keys[row_number]), field, rule, str(text)))
        self.bad |= mask

    def fit(self, table) -> None:
        """Values longer than their warehouse column are quarantined before the database sees them.

        The same check on every database: SQLite would store them, PostgreSQL would refuse
        the whole file.
        """
        for column in self.frame.columns:
            if column not in table.c or not isinstance(table.c[column].type, String):
                continue
            limit = table.c[column].type.length
            lengths = self.frame[column].fillna("").astype(str).str.len()
            self.flag(
                lengths > limit,
                column,
                "value_too_long",
                lambda m, column=column, lengths=lengths, limit=limit: (
                    column + " has " + lengths[m].astype(str) + f" characters; at most {limit} fit"
                ),
            )

    def require(self, columns) -> None:
        for column in columns:
            self.flag(self.frame[column] == "", column, "missing_value", f"{column} is required")

    def one_of(self, column: str, allowed, rule: str) -> None:
        values = self.frame[column]
        mask = (values != "") & ~values.isin(list(allowed))
        self.flag(
            mask, column, rule, lambda m: column + " " + shown(values[m]) + f" is not one of {', '.join(allowed)}"
        )

    def known_to_registry(self, zones: dict[str, str], known_opds: set[tuple[str, str]]) -> None:
        """Region must be in the registry; a given OPD must belong to that region."""
        frame = self.frame
        known_region = frame["region_code"].isin(list(zones))
        self.flag(
            (frame["region_code"] != "") & ~known_region,
            "region_code",
            "unknown_region",
            lambda m: "region_code " + shown(frame["region_code"][m]) + " is not in the registry",
        )
        pairs = pd.MultiIndex.from_arrays([frame["region_code"], frame["opd_code"]])
        known_pair = pd.Series(pairs.isin(list(known_opds)) if known_opds else False, index=frame.index)
        self.flag(
            known_region & (frame["opd_code"] != "") & ~known_pair,
            "opd_code",
            "unknown_opd",
            lambda m: (
                "opd_code " + shown(frame["opd_code"][m]) + " is not an OPD of region " + shown(frame["region_code"][m])
            ),
        )

    @property
    def good(self) -> pd.Series:
        return ~self.bad


_SHOWN_LENGTH = 60


def shown(values: pd.Series) -> pd.Series:
    """Values as a message quotes them: personal data masked, long values cut."""

    def one(value) -> str:
        text = mask_cell("" if value is None else str(value))
        return repr(text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "…")

    return values.map(one)


def fit_text(value: str, length: int) -> str:
    """A file path or key cut to its column, keeping its end (the file's name)."""
    return value if len(value) <= length else "…" + value[-(length - 1) :]


_PSEUDONYM = re.compile(r"p-[0-9a-f]{24}")


# Columns already made safe on the way in (the reporter's pseudonym, the redacted text).
_ALREADY_SAFE = ("reporter", "text")


def _redacted_copy(row: dict, personal: bool) -> dict:
    """Every cell of a quarantined row with personal data masked.

    In a file that carries complainants' data (``personal``), a shifted column can put a
    name or a phone number under any header: every cell is masked as a cell meant for a
    code (``mask_cell``). Elsewhere (registry, inspections) identifiers and e-mails are.
    """

    def safe(column, value):
        if not isinstance(value, str) or _PSEUDONYM.fullmatch(value):
            return value
        if column in _ALREADY_SAFE or not personal:
            return redact(value)
        return mask_cell(value)

    return {k: safe(k, v) for k, v in row.items()}


def malformed_rows(table: TableFile, kept_columns: tuple[str, ...]) -> tuple[list[Problem], dict[int, dict]]:
    """Problems and quarantine copies for rows with the wrong number of cells.

    Only ``kept_columns`` (identifiers, never reporter or free text) are copied, and
    redacted too: the cells of a malformed row may be shifted.
    """
    problems, copies = [], {}
    for row in table.malformed:
        cells = row.cells
        copy = {
            col: mask_cell(cells[i]) for i, col in enumerate(table.header) if col in kept_columns and i < len(cells)
        }
        key = " ".join(f"{c}={copy[c]}" for c in kept_columns[:2] if c in copy)
        problems.append(Problem(row.row_number, key, "", row.rule, row.detail))
        copies[row.row_number] = {**copy, "cells": len(cells)}
    return problems, copies


def write_quarantine(
    conn, result: ImportResult, sha256: str, raw_rows: pd.DataFrame, malformed: dict[int, dict] | None = None
) -> None:
    """Store every problem with its (already redacted) row; re-imports add nothing."""
    if not result.problems:
        return
    malformed = malformed or {}
    now = datetime.now(UTC)
    rows = [
        {
            "dataset": result.dataset,
            "source_file": fit_text(result.file, schema.quarantine.c.source_file.type.length),
            "file_sha256": sha256,
            "row_number": p.row_number,
            "record_key": fit_text(mask_cell(p.record_key), schema.quarantine.c.record_key.type.length),
            "field": p.field,
            "rule": p.rule,
            "detail": redact(p.detail),
            "raw_record": json.dumps(
                malformed[p.row_number]
                if p.row_number in malformed
                else _redacted_copy(raw_rows.loc[p.row_number].to_dict(), result.dataset == "complaints"),
                ensure_ascii=False,
                sort_keys=True,
            ),
            "quarantined_at": now,
        }
        for p in result.problems
    ]
    insert_ignoring_duplicates(conn, schema.quarantine, rows, ["file_sha256", "dataset", "row_number", "field", "rule"])


def finish_file_import(
    conn, result: ImportResult, checks: RowChecks, path, malformed: tuple[list[Problem], dict[int, dict]] = ([], {})
) -> None:
    """Count what loaded, quarantine the broken and malformed rows, remember the file by checksum."""
    bad_rows, bad_copies = malformed
    result.rows_loaded = int(checks.good.sum())
    result.problems = checks.problems + list(bad_rows)
    sha = file_sha256(Path(path))
    write_quarantine(conn, result, sha, checks.frame, bad_copies)
    record_import(conn, result, sha)


# Rules whose verdict on the same row can change with time alone (a row from the future comes due).
_RULES_OF_THE_MOMENT = ("future_timestamp",)


def unchanged_import(conn, dataset: str, file: str, sha256: str, table) -> ImportResult | None:
    """The earlier import of the same file, if reading it again could change nothing.

    That is: the file (by checksum) was imported before, the registry its rows were checked
    against (regions, zones, OPDs) has not changed since, none of its rows was held for a
    rule that time alone can lift (``future_timestamp``), and ``table`` still holds at least
    as many rows as it loaded (it was not emptied since). Then the warehouse already holds
    what the file says (a later file may have updated some complaints since: it stays so).
    """
    f = schema.import_file
    previous = conn.execute(
        select(f.c.rows_total, f.c.rows_loaded, f.c.rows_quarantined, f.c.last_imported_at).where(
            f.c.file_sha256 == sha256, f.c.dataset == dataset
        )
    ).first()
    if previous is None:
        return None
    changed = conn.execute(
        select(func.max(schema.region.c.updated_at)).union_all(select(func.max(schema.opd.c.updated_at)))
    ).scalars()
    if any(moment is not None and moment > previous.last_imported_at for moment in changed):
        return None
    q = schema.quarantine
    held_for_now = conn.execute(
        select(func.count())
        .select_from(q)
        .where(q.c.file_sha256 == sha256, q.c.dataset == dataset, q.c.rule.in_(_RULES_OF_THE_MOMENT))
    ).scalar()
    if held_for_now:
        return None
    if conn.execute(select(func.count()).select_from(table)).scalar() < previous.rows_loaded:
        return None
    last = previous.last_imported_at
    return ImportResult(
        dataset,
        file,
        rows_total=previous.rows_total,
        rows_loaded=previous.rows_loaded,
        unchanged_since=last if last.tzinfo else last.replace(tzinfo=UTC),
        quarantined_then=previous.rows_quarantined,
    )


def record_import(conn, result: ImportResult, sha256: str) -> None:
    """Remember the file by checksum: first and last import time, and its counts."""
    now = datetime.now(UTC)
    row = {
        "file_sha256": sha256,
        "dataset": result.dataset,
        "file_name": fit_text(result.file, schema.import_file.c.file_name.type.length),
        "rows_total": result.rows_total,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "first_imported_at": now,
        "last_imported_at": now,
    }
    insert_ignoring_duplicates(conn, schema.import_file, [row], ["file_sha256", "dataset"])
    conn.execute(
        schema.import_file.update()
        .where(schema.import_file.c.file_sha256 == sha256, schema.import_file.c.dataset == result.dataset)
        .values(last_imported_at=now, rows_loaded=result.rows_loaded, rows_quarantined=result.rows_quarantined)
    )
