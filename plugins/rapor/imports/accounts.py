"""Import of the collectors' registry: channel accounts and keyword routing rules.

- ``accounts.csv``: ``region_code, opd_code, platform, account_id`` — which Facebook page,
  Instagram or X account, LAPOR! agency, Open311 agency or hotline line belongs to which
  OPD; an empty ``opd_code`` marks a central account of the region (the Bupati's page, the
  region's call center), whose complaints are routed by the rules.
- ``routing_rules.csv``: ``region_code, keyword, opd_code`` — a complaint at a central
  account whose text contains the keyword (a whole word or phrase, any case) goes to the
  OPD; the longest matching keyword wins.

Both are checked against the registry like the other imports (unknown region or OPD,
unknown platform: quarantined) and upserted, so re-importing changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from rapor.imports.checks import RowChecks, finish_file_import, malformed_rows
from rapor.imports.files import read_table_file
from rapor.imports.result import ImportResult
from rapor.registry import registry_lookup
from rapor.vocabulary import PLATFORMS
from rapor.warehouse import schema
from rapor.warehouse.db import upsert

log = logging.getLogger(__name__)

ACCOUNT_COLUMNS = ("region_code", "opd_code", "platform", "account_id")
RULE_COLUMNS = ("region_code", "keyword", "opd_code")


def _import(engine, path, dataset: str, columns: tuple[str, ...], required: tuple[str, ...], build) -> ImportResult:
    table = read_table_file(path, columns)
    frame = table.rows
    bad_rows, bad_copies = malformed_rows(table, columns)
    result = ImportResult(dataset, str(path), rows_total=table.rows_total)
    result.count_lines(table)
    checks = RowChecks(frame, frame[columns[0]] + "/" + frame[columns[1]] + "/" + frame[columns[2]])
    with engine.begin() as conn:
        zones, known_opds = registry_lookup(conn)
        checks.require(required)
        checks.known_to_registry(zones, known_opds)
        table_, keys, rows = build(frame, checks)
        checks.fit(table_)
        good = frame[checks.good]
        now = datetime.now(UTC)
        records = [{**row, "updated_at": now} for row in rows(good)]
        # A later row for the same key updates it: keep the last one of the file.
        records = list({tuple(r[k] for k in keys): r for r in records}.values())
        upsert(conn, table_, records, keys)
        finish_file_import(conn, result, checks, path, (bad_rows, bad_copies))
    log.info(result.summary())
    return result


def import_accounts(engine, path: str | Path) -> ImportResult:
    def build(frame, checks: RowChecks):
        checks.one_of("platform", PLATFORMS, "invalid_platform")
        rows = lambda good: [  # noqa: E731
            {
                "platform": r["platform"],
                "account_id": r["account_id"],
                "region_code": r["region_code"],
                "opd_code": r["opd_code"] or None,
            }
            for r in good.to_dict("records")
        ]
        return schema.account, ["platform", "account_id"], rows

    return _import(engine, path, "accounts", ACCOUNT_COLUMNS, ("region_code", "platform", "account_id"), build)


def import_routing_rules(engine, path: str | Path) -> ImportResult:
    def build(frame, checks: RowChecks):
        rows = lambda good: [  # noqa: E731
            {
                "region_code": r["region_code"],
                "keyword": " ".join(r["keyword"].casefold().split()),
                "opd_code": r["opd_code"],
            }
            for r in good.to_dict("records")
        ]
        return schema.routing_rule, ["region_code", "keyword"], rows

    return _import(engine, path, "routing_rules", RULE_COLUMNS, RULE_COLUMNS, build)
