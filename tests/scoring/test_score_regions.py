"""Scoring a month for many regions in one pass gives what scoring each region alone gives.

Four regions in the three time zones (WIB, WITA twice, WIT), one with a holiday of its own,
one OPD inactive, complaints without an OPD, months around Nyepi and Idul Fitri 2026
(18-24 March): the set-based pass (``score_regions_month``) stores the same scorecards and
evidence as ``score_region_month`` called region by region, and both equal the month computed
per region from the pure functions over every complaint of the region (no SQL pre-selection).
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import delete, insert, select

from rapor.policy import RegionCalendar, load_policy
from rapor.scoring.periods import Period
from rapor.scoring.responsiveness import counts_by_opd, month_evidence, with_deadlines
from rapor.scoring.scorecard import (
    score_region_month,
    score_regions_month,
    score_rows,
    scorecard_history,
)
from rapor.scoring.sop import sop_scores
from rapor.scoring.workdays import WorkdayCalendar
from rapor.warehouse import schema

REGIONS = {"31.71": "Asia/Jakarta", "52.05": "Asia/Makassar", "52.71": "Asia/Makassar", "94.71": "Asia/Jayapura"}
OPDS = ["DINKES", "DPUPR", "RSUD", "TUTUP"]  # TUTUP is inactive in 52.71
MONTHS = [Period(2026, 2), Period(2026, 3), Period(2026, 4)]
DIMENSIONS = ("input", "proses", "output", "pengaduan")
# Dompu's own holiday on the Monday before Nyepi, and a working day instead of a cuti bersama.
POLICY = dataclasses.replace(
    load_policy(),
    regions={"52.05": RegionCalendar(holidays_add=(date(2026, 3, 16),), holidays_remove=(date(2026, 3, 24),))},
)


def _complaints(region_code: str, n: int, rng: random.Random) -> list[dict]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        received = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 130))
        forwarded = received + timedelta(hours=rng.randrange(1, 120)) if rng.random() < 0.4 else None
        clock = forwarded or received
        first = clock + timedelta(hours=rng.randrange(0, 24 * 12)) if rng.random() < 0.8 else None
        resolved = clock + timedelta(hours=rng.randrange(1, 24 * 40)) if rng.random() < 0.6 else None
        rows.append(
            {
                "source": rng.choice(["lapor", "facebook"]),
                "complaint_id": f"{region_code}-{i}",
                "region_code": region_code,
                "opd_code": rng.choice([*OPDS, None]),
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


def _inspections(region_code: str, rng: random.Random) -> list[dict]:
    rows = []
    for opd_code in OPDS[:3]:
        for month in (1, 3):  # February carries January's forward; March and April have their own
            day = date(2026, month, rng.randrange(2, 27))
            low = rng.random() < 0.5  # weak categories often, for the TPP runs
            for dimension in DIMENSIONS:
                for k in range(2):
                    score = rng.randrange(0, 2) if low else rng.randrange(1, 4)
                    rows.append(
                        {
                            "region_code": region_code,
                            "opd_code": opd_code,
                            "inspected_on": day,
                            "indicator": f"{dimension}_{k}",
                            "dimension": dimension,
                            "score": score,
                            "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
                        }
                    )
    return rows


@pytest.fixture
def regions(warehouse):
    rng = random.Random(12)
    now = datetime.now(UTC)
    complaints = [row for code in REGIONS for row in _complaints(code, 700, rng)]
    with warehouse.begin() as conn:
        conn.execute(
            insert(schema.region),
            [{"region_code": c, "region_name": c, "timezone": tz, "updated_at": now} for c, tz in REGIONS.items()],
        )
        conn.execute(
            insert(schema.opd),
            [
                {
                    "region_code": c,
                    "opd_code": o,
                    "opd_name": f"{o} {c}",
                    "active": (c, o) != ("52.71", "TUTUP"),
                    "updated_at": now,
                }
                for c in REGIONS
                for o in OPDS
            ],
        )
        conn.execute(insert(schema.complaint), complaints)
        conn.execute(insert(schema.inspection), [row for code in REGIONS for row in _inspections(code, rng)])
    return pd.DataFrame(complaints).drop(columns=["updated_at"])


def _stored(warehouse) -> tuple[list[dict], list[dict]]:
    sc, ev = schema.scorecard, schema.score_evidence
    with warehouse.connect() as conn:
        cards = [
            {k: v for k, v in r.items() if k != "computed_at"}
            for r in conn.execute(select(sc).order_by(sc.c.region_code, sc.c.period, sc.c.opd_code)).mappings()
        ]
        evidence = [
            dict(r)
            for r in conn.execute(
                select(ev).order_by(ev.c.region_code, ev.c.period, ev.c.source, ev.c.complaint_id)
            ).mappings()
        ]
    return cards, evidence


def test_one_pass_over_all_regions_stores_what_region_by_region_stores(warehouse, regions):
    for month in MONTHS:
        done = score_regions_month(warehouse, list(REGIONS), month, POLICY)
        assert list(done.scored) == list(REGIONS) and done.refused == {}
    set_based = _stored(warehouse)
    with warehouse.begin() as conn:
        conn.execute(delete(schema.scorecard))
        conn.execute(delete(schema.score_evidence))
    for month in MONTHS:
        for code in REGIONS:
            score_region_month(warehouse, code, month, POLICY)
    one_by_one = _stored(warehouse)

    assert set_based[0] == one_by_one[0]
    assert set_based[1] == one_by_one[1]
    cards = pd.DataFrame(set_based[0])
    assert set(cards["region_code"]) == set(REGIONS) and len(cards) == 3 * (4 * 4 - 1)
    assert cards["tpp_cut_pct"].astype(float).gt(0).any()  # runs of weak months carried across the months
    assert cards["category"].notna().any() and cards["category"].isna().any()  # rated and not rated


def test_each_region_as_the_pure_functions_score_it_over_all_its_complaints(warehouse, regions):
    for month in MONTHS:
        done = score_regions_month(warehouse, list(REGIONS), month, POLICY)
        stored = {code: scored.rows for code, scored in done.scored.items()}
        _, evidence = _stored(warehouse)
        evidence = pd.DataFrame(evidence)
        for code, tz in REGIONS.items():
            opd_names = {o: f"{o} {code}" for o in OPDS if (code, o) != ("52.71", "TUTUP")}
            calendar = WorkdayCalendar.for_policy(POLICY, code, tz, month.year - 1, month.year + 1)
            mine = regions[(regions["region_code"] == code) & regions["opd_code"].isin(opd_names)]
            expected = month_evidence(with_deadlines(mine, calendar, POLICY), *month.bounds_utc(tz))
            got = evidence[(evidence["region_code"] == code) & (evidence["period"] == str(month))]
            assert sorted(got["complaint_id"]) == sorted(expected["complaint_id"])
            by_id = got.set_index("complaint_id").loc[expected["complaint_id"]]
            for column in ("first_response_deadline_at", "resolution_deadline_at", "forwarding_deadline_at"):
                want = expected[column].dt.tz_convert("UTC").tolist()
                have = pd.to_datetime(by_id[column], utc=True).tolist()
                assert [None if pd.isna(v) else v for v in have] == [None if pd.isna(v) else v for v in want], column
            for column in ("in_first_response", "first_response_on_time", "in_resolution", "open_at_end"):
                assert by_id[column].astype(bool).tolist() == expected[column].tolist(), column
            with warehouse.connect() as conn:
                inspections = pd.DataFrame(
                    conn.execute(
                        select(
                            schema.inspection.c.opd_code,
                            schema.inspection.c.inspected_on,
                            schema.inspection.c.dimension,
                            schema.inspection.c.indicator,
                            schema.inspection.c.score,
                        ).where(schema.inspection.c.region_code == code)
                    ).all()
                )
                history = scorecard_history(conn, code, month)
            oldest, after = month.shift(-POLICY.sop_carry_forward_months), month.shift(1)
            inspections = inspections[
                (inspections["inspected_on"] >= date(oldest.year, oldest.month, 1))
                & (inspections["inspected_on"] < date(after.year, after.month, 1))
            ]
            earlier: dict = {}
            for opd_code, period_text, category in history.itertuples(index=False):
                earlier.setdefault(opd_code, {})[Period.parse(period_text)] = category
            want_rows = score_rows(
                counts_by_opd(expected, opd_names),
                opd_names,
                sop_scores(inspections, month, POLICY),
                earlier,
                month,
                code,
                POLICY,
            )
            assert stored[code] == want_rows, (code, month)


def test_a_region_out_of_order_is_refused_and_the_others_scored(warehouse, regions):
    score_regions_month(warehouse, ["31.71"], MONTHS[0], POLICY)  # 31.71 has February; the others nothing
    done = score_regions_month(warehouse, list(REGIONS), MONTHS[2], POLICY)  # April: 31.71 lacks March
    assert set(done.refused) == {"31.71"}
    assert "2026-04 cannot be scored before 2026-03" in str(done.refused["31.71"])
    assert list(done.scored) == ["52.05", "52.71", "94.71"]
    sc = schema.scorecard
    with warehouse.connect() as conn:
        stored = set(conn.execute(select(sc.c.region_code, sc.c.period).distinct()).all())
    assert stored == {("31.71", "2026-02"), ("52.05", "2026-04"), ("52.71", "2026-04"), ("94.71", "2026-04")}

    # March is in order everywhere (after 31.71's February; before the others' April). With
    # cascade, each names its scored months right after March: April, where it was scored.
    done = score_regions_month(warehouse, list(REGIONS), MONTHS[1], POLICY, cascade=True)
    assert done.refused == {}
    assert {code: [str(p) for p in s.later_months] for code, s in done.scored.items()} == {
        "31.71": [],
        "52.05": ["2026-04"],
        "52.71": ["2026-04"],
        "94.71": ["2026-04"],
    }
