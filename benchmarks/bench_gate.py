"""Benchmark: the monthly data-quality gate for many regions, and planning the monthly DAG.

    .venv/bin/python benchmarks/bench_gate.py [--regions 514] [--per-region 200] [--url URL]
        [--per-region-sample 5] [--keep DIR]

Synthesises N regions (40 OPDs each, the three Indonesian time zones), complaints of
September-October 2026 and one inspection per OPD, scores October for every region, then
times ``plan_region_months``, the gate of one region at a time (``run_gate``, on a sample
of regions: seconds per region) and the gate of all regions in one pass (``run_gates``).
Results are kept by hand in benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
DIMENSIONS = ("input", "proses", "output", "pengaduan")


def synth_complaints(region_code: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    start = pd.Timestamp("2026-09-01", tz="UTC")
    received = start + pd.to_timedelta(rng.integers(0, 61 * 24 * 3600, n), unit="s")
    first = received + pd.to_timedelta(rng.integers(0, 10 * 24 * 3600, n), unit="s")
    resolved = received + pd.to_timedelta(rng.integers(3600, 30 * 24 * 3600, n), unit="s")
    opd = pd.Series(rng.choice([f"OPD{i:02d}" for i in range(40)], n)).where(rng.random(n) > 0.05)
    return pd.DataFrame(
        {
            "source": "lapor",
            "complaint_id": [f"{region_code}-{i}" for i in range(n)],
            "region_code": region_code,
            "opd_code": opd,
            "channel": rng.choice(["aplikasi", "media_sosial", "hotline"], n),
            "kind": rng.choice(["pengaduan", "aspirasi", "permintaan_informasi"], n, p=[0.7, 0.15, 0.15]),
            "received_at": received,
            "forwarded_at": pd.Series(pd.NaT, index=range(n), dtype=received.dtype),
            "first_response_at": first.where(rng.random(n) < 0.8),
            "resolved_at": resolved.where(rng.random(n) < 0.6),
        }
    )


def build(engine, n_regions: int, per_region: int) -> list[str]:
    from rapor.warehouse import schema
    from rapor.warehouse.db import frame_records, upsert

    rng = np.random.default_rng(1)
    now = datetime.now(UTC)
    regions = [f"{90 + i // 100}.{i % 100:02d}" for i in range(n_regions)]
    with engine.begin() as conn:
        upsert(
            conn,
            schema.region,
            [
                {"region_code": r, "region_name": f"Kabupaten {r}", "timezone": ZONES[i % 3], "updated_at": now}
                for i, r in enumerate(regions)
            ],
            ["region_code"],
        )
        upsert(
            conn,
            schema.opd,
            [
                {"region_code": r, "opd_code": f"OPD{i:02d}", "opd_name": f"OPD {i}", "updated_at": now}
                for r in regions
                for i in range(40)
            ],
            ["region_code", "opd_code"],
        )
        inspections = [
            {
                "region_code": r,
                "opd_code": f"OPD{i:02d}",
                "inspected_on": date(2026, 10, 12),
                "indicator": f"{d}_terpenuhi",
                "dimension": d,
                "score": int(rng.integers(0, 4)),
                "updated_at": now,
            }
            for r in regions
            for i in range(38)  # two OPDs never inspected
            for d in DIMENSIONS
        ]
        upsert(conn, schema.inspection, inspections, ["region_code", "opd_code", "inspected_on", "indicator"])
        for r in regions:
            frame = synth_complaints(r, per_region, rng)
            if regions.index(r) % 7 == 3:  # a collector bug: a reply before its complaint (held)
                frame.loc[0, "first_response_at"] = frame.loc[0, "received_at"] - pd.Timedelta(hours=1)
            frame["updated_at"] = now
            upsert(conn, schema.complaint, frame_records(frame), ["source", "complaint_id"])
    return regions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=514)
    parser.add_argument("--per-region", type=int, default=200, help="complaints per region over two months")
    parser.add_argument("--per-region-sample", type=int, default=5, help="regions gated one at a time")
    parser.add_argument("--url", help="warehouse URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", help="folder for the warehouse, outputs and GX state (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-gate-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["RAPOR_OUTPUT_DIR"] = str(folder / "output")
    os.environ["RAPOR_HOME"] = str(folder)
    url = args.url or f"sqlite:///{folder / 'bench.db'}"
    os.environ["RAPOR_WAREHOUSE_URL"] = url

    from rapor.policy import load_policy
    from rapor.scoring.periods import Period
    from rapor.scoring.scorecard import score_region_month
    from rapor.warehouse.db import open_warehouse

    engine = open_warehouse(url)
    policy = load_policy()
    period = Period(2026, 10)
    t0 = time.perf_counter()
    regions = build(engine, args.regions, args.per_region)
    t1 = time.perf_counter()
    for region in regions:
        score_region_month(engine, region, period, policy)
    t2 = time.perf_counter()
    print(f"built {len(regions)} regions in {t1 - t0:.1f} s, scored in {t2 - t1:.1f} s", flush=True)

    from rapor.tasks.monthly import plan_region_months

    t = time.perf_counter()
    jobs = plan_region_months(datetime(2026, 11, 1, 1, tzinfo=UTC))
    print(f"plan_region_months: {len(jobs)} jobs in {time.perf_counter() - t:.2f} s", flush=True)

    t = time.perf_counter()
    import great_expectations  # noqa: F401 - its import is a fixed cost of a fresh process

    from rapor.quality import gate

    print(f"import GX: {time.perf_counter() - t:.1f} s", flush=True)
    sample = regions[: args.per_region_sample]
    t = time.perf_counter()
    for region in sample:
        gate.run_gate(engine, region, period, policy)
    one = (time.perf_counter() - t) / max(len(sample), 1)
    print(f"one region at a time, gate: {one:.2f} s per region ({len(sample)} regions)", flush=True)
    if hasattr(gate, "run_gates"):
        logging.getLogger("rapor.quality.gate").setLevel(logging.CRITICAL)  # one line per region otherwise
        t = time.perf_counter()
        results = gate.run_gates(engine, [gate.GateRequest(r, period) for r in regions], policy)
        seconds = time.perf_counter() - t
        held = sum(isinstance(r, Exception) or not r.passed for r in results)
        print(f"all {len(regions)} regions in one pass, gate: {seconds:.1f} s ({held} held)", flush=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, warehouse {engine.dialect.name}")


if __name__ == "__main__":
    main()
