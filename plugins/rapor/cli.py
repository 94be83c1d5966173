"""The ``rapor`` command for data engineers.

    rapor score --registry R --complaints C --inspections I --period 2026-10 --out DIR
    rapor import --registry R --complaints C --inspections I
    rapor migrate
    rapor demo
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rapor.errors import RaporError


def _add_inputs(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--registry", type=Path, action="append", required=required, default=[],
                        help="registry file (CSV or .xlsx); repeatable")  # fmt: skip
    parser.add_argument("--complaints", type=Path, action="append", default=[], help="complaints file; repeatable")
    parser.add_argument("--inspections", type=Path, action="append", default=[], help="inspections file; repeatable")
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: RAPOR_WAREHOUSE_URL or the embedded SQLite file)")


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

    demo = sub.add_parser("demo", help="load the demo region and run the monthly DAG through Airflow")
    demo.add_argument("--skip-airflow", action="store_true", help="score with the command line instead of Airflow")
    return parser


def _import(args) -> tuple[object, list]:
    from rapor.pipeline import import_files, open_warehouse

    engine = open_warehouse(args.warehouse)
    results = import_files(engine, args.registry, args.complaints, args.inspections)
    for result in results:
        print(result.summary())
    return engine, results


def _registry_regions(paths: list[Path]) -> list[str]:
    from rapor.imports.files import read_table
    from rapor.imports.registry import COLUMNS

    codes: list[str] = []
    for path in paths:
        for code in read_table(path, COLUMNS)["region_code"]:
            if code and code not in codes:
                codes.append(code)
    return codes


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "migrate":
            from rapor.pipeline import open_warehouse

            open_warehouse(args.warehouse)
            print("warehouse schema is up to date")
        elif args.command == "import":
            _import(args)
        elif args.command == "score":
            from rapor.periods import Period
            from rapor.pipeline import score_periods
            from rapor.policy import load_policy

            periods = [Period.parse(p) for p in args.period]
            policy = load_policy(args.policy)
            engine, _ = _import(args)
            for path in score_periods(engine, _registry_regions(args.registry), periods, args.out, policy):
                print(f"wrote {path}")
        elif args.command == "demo":
            from rapor.demo import run_demo

            run_demo(use_airflow=not args.skip_airflow)
    except RaporError as exc:
        print(f"rapor: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
