"""Benchmark: bulk-load canonical complaints and score region-months.

    .venv/bin/python benchmarks/bench_scoring.py [--regions 5] [--per-region 20000] [--url URL]
    .venv/bin/python benchmarks/bench_scoring.py --set-based [--regions 100] [--per-region 8000] [--url URL]

Synthesises complaints (one month's worth per region, plus the month before), loads
them with the warehouse upsert, and scores each region's month. Prints rows/s and
seconds per region-month; results are kept by hand in benchmarks/results.md.

``--set-based``: regions in the three time zones, 40 OPDs each, one inspection per OPD;
times scoring October for all regions region by region (``score_region_month``), in one
pass (``score_regions_month``) and one aggregate SQL scan over the month's complaints.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import text

from rapor.policy import load_policy
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month, score_regions_month
from rapor.warehouse import schema
from rapor.warehouse.db import frame_records, get_engine, migrate, upsert

TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
DIMENSIONS = ("input", "proses", "output", "pengaduan")
# One aggregate pass over the month's complaints of every region: the floor of set-based scoring.
AGGREGATE_SCAN = """
select region_code, opd_code, count(*) as n, count(first_response_at) as n_first,
       count(resolved_at) as n_resolved, sum(case when resolved_at is null then 1 else 0 end) as n_open
from complaint
where received_at >= :start and received_at < :end
group by region_code, opd_code
"""


def synth(region_code: str, n: int, rng: np.random.Generator) -> pd.DataFrame:
    start = pd.Timestamp("2026-09-01", tz="UTC")
    received = start + pd.to_timedelta(rng.integers(0, 61 * 24 * 3600, n), unit="s")
    first = received + pd.to_timedelta(rng.integers(0, 10 * 24 * 3600, n), unit="s")
    resolved = received + pd.to_timedelta(rng.integers(3600, 40 * 24 * 3600, n), unit="s")
    return pd.DataFrame(
        {
            "source": "lapor",
            "complaint_id": [f"{region_code}-{i}" for i in range(n)],
            "region_code": region_code,
            "opd_code": rng.choice([f"OPD{i:02d}" for i in range(40)], n),
            "channel": rng.choice(["aplikasi", "media_sosial", "hotline"], n),
            "kind": rng.choice(["pengaduan", "aspirasi", "permintaan_informasi"], n, p=[0.7, 0.15, 0.15]),
            "received_at": received,
            "forwarded_at": pd.Series(pd.NaT, index=range(n), dtype=received.dtype),
            "first_response_at": first.where(rng.random(n) < 0.8),
            "resolved_at": resolved.where(rng.random(n) < 0.6),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--per-region", type=int, default=20000)
    parser.add_argument("--url", help="warehouse URL (default: a fresh SQLite file)")
    parser.add_argument("--set-based", action="store_true", help="per-region vs one pass vs one aggregate scan")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    engine = get_engine(url)
    migrate(engine)
    rng = np.random.default_rng(1)
    now = datetime.now(UTC)
    regions = [f"99.{i:02d}" for i in range(args.regions)]
    with engine.begin() as conn:
        upsert(
            conn,
            schema.region,
            [
                {
                    "region_code": r,
                    "region_name": r,
                    "timezone": TIMEZONES[i % 3] if args.set_based else "Asia/Makassar",
                    "updated_at": now,
                }
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
    frames = [synth(r, args.per_region, rng) for r in regions]
    t0 = time.perf_counter()
    for frame in frames:
        with engine.begin() as conn:
            upsert(conn, schema.complaint, frame_records(frame, updated_at=now), ["source", "complaint_id"])
    load_s = time.perf_counter() - t0
    total = args.regions * args.per_region
    policy = load_policy()
    if args.set_based:
        compare(engine, regions, policy, load_s, total)
        return
    t0 = time.perf_counter()
    for region in regions:
        score_region_month(engine, region, Period(2026, 10), policy)
    score_s = time.perf_counter() - t0
    print(f"dialect={engine.dialect.name} regions={args.regions} complaints={total}")
    print(f"load: {load_s:.1f} s, {total / load_s:,.0f} rows/s (upsert)")
    print(f"score: {score_s:.2f} s, {score_s / args.regions:.2f} s per region-month")


def compare(engine, regions: list[str], policy, load_s: float, total: int) -> None:
    """Score October region by region, in one pass, and time one aggregate scan of the month."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        upsert(
            conn,
            schema.inspection,
            [
                {
                    "region_code": r,
                    "opd_code": f"OPD{i:02d}",
                    "inspected_on": datetime(2026, 10, 1 + i % 28).date(),
                    "indicator": f"{d}_{k}",
                    "dimension": d,
                    "score": (i + k) % 4,
                    "updated_at": now,
                }
                for r in regions
                for i in range(40)
                for d in DIMENSIONS
                for k in range(2)
            ],
            ["region_code", "opd_code", "inspected_on", "indicator"],
        )
    period = Period(2026, 10)
    start, end = Period(2026, 10).bounds_utc("Asia/Jayapura")[0], Period(2026, 10).bounds_utc("Asia/Jakarta")[1]
    timings = {}
    t0 = time.perf_counter()
    with engine.connect() as conn:
        groups = len(conn.execute(text(AGGREGATE_SCAN), {"start": start, "end": end}).all())
    timings["aggregate scan"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for region in regions:
        score_region_month(engine, region, period, policy)
    timings["region by region"] = time.perf_counter() - t0
    for attempt in (1, 2):
        t0 = time.perf_counter()
        done = score_regions_month(engine, regions, period, policy)
        timings[f"one pass (run {attempt})"] = time.perf_counter() - t0
    assert not done.refused and len(done.scored) == len(regions)
    print(f"dialect={engine.dialect.name} regions={len(regions)} opds=40 complaints={total} scan groups={groups}")
    print(f"load: {load_s:.1f} s, {total / load_s:,.0f} rows/s (upsert)")
    scan = timings["aggregate scan"]
    for name, seconds in timings.items():
        print(
            f"{name}: {seconds:.2f} s ({seconds / scan:.1f}x the scan, {seconds / len(regions) * 1000:.0f} ms/region)"
        )


if __name__ == "__main__":
    main()
