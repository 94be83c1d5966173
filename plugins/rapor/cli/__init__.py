"""The ``rapor`` command for data engineers.

rapor score --registry R --complaints C --inspections I --period 2026-10 --out DIR
rapor import --registry R --complaints C --inspections I
rapor migrate
rapor verify output/published/52.05/2026-10/r2 [--warehouse URL]
rapor rekey-pseudonyms [--warehouse URL]   (after adding a key to the pseudonym keyring)
rapor demo
rapor simulate --port 8311          (the channels' APIs on loopback, for demos and tests)
rapor collect all --until 2026-11-02T00:00:00+00:00
rapor banding ajukan|putuskan|daftar 52.05 2026-10 …   (appeals, through Airflow's API server)
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from rapor import config
from rapor.cli.appeals import add_parsers as add_appeal_parsers
from rapor.cli.appeals import run as run_appeals
from rapor.cli.channels import add_parsers as add_collector_parsers
from rapor.cli.channels import run as run_collectors
from rapor.demo.run import run_demo
from rapor.errors import ConfigError, RaporError
from rapor.imports import import_complaints, import_inspections, import_registry
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.imports.files import read_table
from rapor.imports.recipients import import_recipients
from rapor.imports.registry import COLUMNS
from rapor.imports.staff import import_staff
from rapor.policy import load_policy
from rapor.publish.revisions import verify_in_warehouse, verify_revision
from rapor.registry import registry_lookup
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_periods
from rapor.storage import location
from rapor.warehouse.db import open_warehouse
from rapor.warehouse.pseudonyms import rekey


def _add_inputs(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--registry",
        type=Path,
        action="append",
        required=required,
        default=[],
        help="registry file (CSV or .xlsx); repeatable",
    )
    parser.add_argument("--complaints", type=Path, action="append", default=[], help="complaints file; repeatable")
    parser.add_argument("--inspections", type=Path, action="append", default=[], help="inspections file; repeatable")
    parser.add_argument(
        "--staff",
        type=Path,
        action="append",
        default=[],
        help="OPD heads and complaint handlers for the BKD file (staff.csv); repeatable",
    )
    parser.add_argument(
        "--recipients",
        type=Path,
        action="append",
        default=[],
        help="Inspektorat/BKD e-mail addresses (recipients.csv); repeatable",
    )
    parser.add_argument(
        "--accounts",
        type=Path,
        action="append",
        default=[],
        help="channel accounts of the OPDs for the collectors (accounts.csv); repeatable",
    )
    parser.add_argument(
        "--routing-rules",
        type=Path,
        action="append",
        default=[],
        help="keyword routing rules for central accounts (routing_rules.csv); repeatable",
    )
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: RAPOR_WAREHOUSE_URL or the embedded SQLite file)")


def _revision_location(text: str):
    """A revision folder named on the command line: a path, or its URL in an output store."""
    try:
        return location(text)
    except ImportError as exc:
        raise argparse.ArgumentTypeError(f"{text}: the package of its filesystem is not installed ({exc})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapor", description="Rapor: monthly OPD compliance scorecards.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True)

    score = sub.add_parser("score", help="import files, then write scorecard-YYYY-MM.csv for each period")
    _add_inputs(score, required=True)
    score.add_argument("--period", action="append", required=True, help="month YYYY-MM; repeatable, scored in order")
    score.add_argument("--out", type=Path, required=True, help="folder for scorecard-YYYY-MM.csv")
    score.add_argument("--policy", type=Path, help="policy file (default: RAPOR_POLICY or the packaged 2026.1 policy)")

    imp = sub.add_parser("import", help="import registry, complaints and inspections into the warehouse")
    _add_inputs(imp, required=False)

    mig = sub.add_parser("migrate", help="create or upgrade the warehouse schema")
    mig.add_argument("--warehouse", help="SQLAlchemy URL")

    verify = sub.add_parser("verify", help="check published revisions: file hashes and a byte-identical recomputation")
    verify.add_argument(
        "folder",
        type=_revision_location,
        nargs="+",
        help="output/published/<region>/<YYYY-MM>/r<revision> (in an output store: its URL, s3://…/r<revision>)",
    )
    verify.add_argument(
        "--warehouse",
        help="also check the revisions against this warehouse (SQLAlchemy URL; e.g. after a restore): "
        "its publication records, and the latest revisions' inputs",
    )

    add_collector_parsers(sub)  # simulate, collect
    add_appeal_parsers(sub)  # banding

    rekey_cmd = sub.add_parser(
        "rekey-pseudonyms",
        help="put the stored pseudonyms and complaint references under the whole pseudonym keyring (one transaction)",
    )
    rekey_cmd.add_argument("--warehouse", help="SQLAlchemy URL (default: RAPOR_WAREHOUSE_URL)")
    demo = sub.add_parser("demo", help="load the demo region and run the monthly DAG through Airflow")
    demo.add_argument("--skip-airflow", action="store_true", help="score with the command line instead of Airflow")
    return parser


def _import(args) -> tuple[object, list, list[str]]:
    """Import every file given, in dependency order (the registry first).

    A file that cannot be read is reported and skipped: the files after it are
    independent and still imported. Returns the engine, the results and the errors.
    """
    engine = open_warehouse(args.warehouse)
    steps = [
        *((import_registry, p) for p in args.registry),
        *((import_complaints, p) for p in args.complaints),
        *((import_inspections, p) for p in args.inspections),
        *((import_staff, p) for p in args.staff),  # registry-like files of publication (rapor.publish)
        *((import_recipients, p) for p in args.recipients),
        *((import_accounts, p) for p in args.accounts),  # the collectors' registry (rapor.collectors)
        *((import_routing_rules, p) for p in args.routing_rules),
    ]
    results, errors = [], []
    for importer, path in steps:
        try:
            result = importer(engine, path)
        except RaporError as exc:
            errors.append(str(exc))
            print(f"rapor: error: {exc} (not imported; the other files are)", file=sys.stderr)
            continue
        except OperationalError as exc:  # the server went away mid-load: its transaction was rolled back
            cause = str(exc.orig or exc).strip().splitlines()[0]
            errors.append(f"{path}: {cause}")
            print(
                f"rapor: error: {path}: the connection to the warehouse was lost while loading ({cause}); "
                "nothing of this file was stored: run the same command again (not imported; the other files are)",
                file=sys.stderr,
            )
            continue
        results.append(result)
        print(result.summary())
    return engine, results, errors


def _registry_regions(engine, paths: list[Path]) -> list[str]:
    """The registry files' regions that are in the warehouse (a quarantined one is named, not scored)."""
    codes: list[str] = []
    for path in paths:
        try:
            listed = read_table(path, COLUMNS)["region_code"]
        except RaporError:
            continue  # already reported by the import
        for code in listed:
            if code and code not in codes:
                codes.append(code)
    with engine.connect() as conn:
        zones, _ = registry_lookup(conn)
    for code in codes:
        if code not in zones:
            print(
                f"rapor: warning: region {code!r} of the registry was quarantined (see the rows above): not scored",
                file=sys.stderr,
            )
    return [c for c in codes if c in zones]


def _verified(with_warehouse: bool) -> str:
    done = "OK (hashes match, scorecard recomputed byte for byte"
    return done + (", the warehouse holds this revision and its inputs)" if with_warehouse else ")")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "migrate":
            open_warehouse(args.warehouse)
            print("warehouse schema is up to date")
        elif args.command == "import":
            _, _, errors = _import(args)
            return 2 if errors else 0
        elif args.command == "score":
            periods = [Period.parse(p) for p in args.period]
            policy = load_policy(args.policy)
            engine, _, errors = _import(args)
            regions = _registry_regions(engine, args.registry)
            if not regions:
                raise ConfigError("no region of the registry file(s) could be imported: nothing to score")
            for path in score_periods(engine, regions, periods, args.out, policy):
                print(f"wrote {path}")
            return 2 if errors else 0
        elif args.command == "verify":
            failed = 0
            engine = open_warehouse(args.warehouse) if args.warehouse else None
            for folder in args.folder:
                problems = verify_revision(folder)
                if engine is not None:
                    problems += verify_in_warehouse(engine, folder)
                failed += bool(problems)
                print(f"{folder}: " + (_verified(engine is not None) if not problems else "; ".join(problems)))
            return 1 if failed else 0
        elif args.command == "rekey-pseudonyms":
            done = rekey(open_warehouse(args.warehouse), config.pseudonym_keys())
            if done.keys_applied:
                print(
                    f"re-keyed under {done.keys_applied} new key(s): {done.complaints} reporter pseudonyms, "
                    f"{done.quarantined_rows} quarantined rows, {done.appeals} appeal references"
                )
            else:
                print("the stored pseudonyms are already under the whole keyring")
            print("keyring (key fingerprints, oldest first): " + " ".join(done.fingerprints))
        elif args.command in ("simulate", "collect"):
            return run_collectors(args)
        elif args.command == "banding":
            return run_appeals(args)
        elif args.command == "demo":
            run_demo(use_airflow=not args.skip_airflow)
    except RaporError as exc:
        print(f"rapor: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a user never gets a traceback; -v shows it for a bug report
        if args.verbose:
            raise
        print(f"rapor: unexpected error ({type(exc).__name__}): {exc}; re-run with -v for details", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
