"""score_region_month on the warehouse: the staging SQL selects every complaint that matters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import insert, select

from rapor.policy import load_policy
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd, month_evidence, with_deadlines
from rapor.scoring.scorecard import score_region_month
from rapor.scoring.workdays import WorkdayCalendar
from rapor.warehouse import schema

TZ = "Asia/Makassar"
OPDS = ["DPUPR", "DINKES", "RSUD"]


def _random_complaints(n: int, seed: int) -> list[dict]:
    """Complaints over a whole year, with every mix of missing and late events."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        forwarded = received + timedelta(hours=rng.randrange(1, 120)) if rng.random() < 0.4 else None
        clock = forwarded or received
        first = clock + timedelta(hours=rng.randrange(0, 24 * 20)) if rng.random() < 0.8 else None
        resolved = clock + timedelta(hours=rng.randrange(1, 24 * 60)) if rng.random() < 0.6 else None
        rows.append(
            {
                "source": rng.choice(["lapor", "facebook", "hotline-call"]),
                "complaint_id": str(i),
                "region_code": "52.05",
                "opd_code": rng.choice(OPDS),
                "channel": rng.choice(["aplikasi", "media_sosial", "hotline"]),
                "kind": rng.choice(["pengaduan", "pengaduan", "aspirasi", "permintaan_informasi"]),
                "received_at": received,
                "forwarded_at": forwarded,
                "first_response_at": first,
                "resolved_at": resolved,
                "updated_at": start,
            }
        )
    return rows


@pytest.mark.parametrize("period", ["2026-03", "2026-08", "2026-12"])  # Lebaran, 17 Agustus, year end
def test_month_counts_equal_those_over_all_complaints(warehouse, period):
    now = datetime.now(UTC)
    rows = _random_complaints(3000, seed=7)
    with warehouse.begin() as conn:
        conn.execute(
            insert(schema.region), [{"region_code": "52.05", "region_name": "Dompu", "timezone": TZ, "updated_at": now}]
        )
        conn.execute(
            insert(schema.opd),
            [{"region_code": "52.05", "opd_code": o, "opd_name": o, "updated_at": now} for o in OPDS],
        )
        conn.execute(insert(schema.complaint), rows)
    policy = load_policy()
    month = Period.parse(period)

    score_region_month(warehouse, "52.05", month, policy)

    # The same counts computed over every complaint, with no SQL pre-selection.
    calendar = WorkdayCalendar.for_policy(policy, "52.05", TZ, month.year - 1, month.year + 1)
    everything = pd.DataFrame(rows).drop(columns=["updated_at", "region_code"])
    expected = counts_by_opd(month_evidence(with_deadlines(everything, calendar, policy), *month.bounds_utc(TZ)), OPDS)
    with warehouse.connect() as conn:
        stored = pd.DataFrame(
            conn.execute(select(schema.scorecard).where(schema.scorecard.c.period == period)).mappings().all()
        ).set_index("opd_code")
    for column in expected.columns:
        assert stored.loc[OPDS, column].tolist() == expected[column].tolist(), column
    assert expected["n_first_response"].sum() > 100  # the month really has populations
