"""The DataFrames the gate validates, read from the warehouse through SQLAlchemy.

Reading with Rapor's own engine (SQLite or PostgreSQL alike) and validating pandas
frames keeps connection strings out of the GX project entirely. Frames hold no
reporter or free text: Data Docs quote unexpected values.

Besides stored columns, some frames carry computed columns that the suites check
(documented in each suite's expectation descriptions):

- inspections: ``dimensions_in_set`` (distinct dimensions of the OPD's inspection on
  that date), ``dimensions_of_indicator`` (distinct dimensions one indicator has);
- scorecards: ``expected_category`` and ``expected_zone`` (from the stored index and
  the policy's zone table), ``status_matches_rating`` (an index exactly when the
  status is not ``tidak dinilai``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from rapor.policy import Policy
from rapor.registry import Region
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import month_complaints, month_inspections
from rapor.scoring.zones import category_for, zone_for
from rapor.vocabulary import CHANNELS, DIMENSIONS, KINDS, SCORE_STATUSES, STATUS_NOT_RATED
from rapor.warehouse import schema

SCORECARD_NUMBERS = ("r1", "r2", "r3", "s_resp", "s_sop", "index_score", "tpp_cut_pct")


def complaints_frame(conn, region: Region, period: Period, policy: Policy) -> pd.DataFrame:
    """Complaints whose clocks touch the month, with or without an OPD (as scoring reads them)."""
    return month_complaints(conn, region, period, policy)


def inspections_frame(conn, region: Region, period: Period, policy: Policy) -> pd.DataFrame:
    """Inspection rows the month's S_sop can use (the month and its carry-forward months)."""
    frame = month_inspections(conn, region.region_code, period, policy)
    frame.insert(0, "region_code", region.region_code)
    frame["inspected_on"] = pd.to_datetime(frame["inspected_on"])
    frame["score"] = pd.to_numeric(frame["score"]).astype("Int64")
    return with_inspection_checks(frame)


def with_inspection_checks(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the computed columns the inspections suite checks (replacing stale ones)."""
    frame = frame.copy()
    frame["dimensions_in_set"] = frame.groupby(["opd_code", "inspected_on"])["dimension"].transform("nunique")
    frame["dimensions_of_indicator"] = frame.groupby("indicator")["dimension"].transform("nunique")
    return frame


def scorecards_frame(conn, region: Region, period: Period, policy: Policy) -> pd.DataFrame:
    """The month's stored scorecard rows, numbers as floats, with the consistency columns."""
    sc = schema.scorecard
    result = conn.execute(
        select(sc).where(sc.c.region_code == region.region_code, sc.c.period == str(period)).order_by(sc.c.opd_code)
    )
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for column in SCORECARD_NUMBERS:
        frame[column] = pd.to_numeric(frame[column].map(lambda v: None if v is None else float(v)), errors="coerce")
    return with_scorecard_checks(frame, policy.zone_table)


def with_scorecard_checks(frame: pd.DataFrame, zone_table: str) -> pd.DataFrame:
    """Add the computed columns the scorecards suite checks (replacing stale ones)."""
    frame = frame.copy()
    index = [None if pd.isna(v) else Decimal(str(v)).quantize(Decimal("0.01")) for v in frame["index_score"]]
    categories = [None if v is None else category_for(v) for v in index]
    frame["expected_category"] = pd.Series(categories, index=frame.index, dtype=object)
    frame["expected_zone"] = pd.Series(
        [None if v is None else zone_for(v, c, zone_table) for v, c in zip(index, categories, strict=True)],
        index=frame.index,
        dtype=object,
    )
    frame["status_matches_rating"] = frame["index_score"].isna() == (frame["status"] == STATUS_NOT_RATED)
    frame["category"] = frame["category"].astype(object)
    frame["zone"] = frame["zone"].astype(object)
    return frame


def gate_parameters(
    region: Region, period: Period, policy: Policy, registry: list[str], active: list[str], now: datetime
) -> dict:
    """The values of the suites' ``$PARAMETER`` placeholders for one region and month."""
    latest = now + timedelta(minutes=policy.quality.future_tolerance_minutes)
    return {
        "region_codes": [region.region_code],
        "channels": list(CHANNELS),
        "kinds": list(KINDS),
        "dimensions": list(DIMENSIONS),
        "score_statuses": list(SCORE_STATUSES),
        "registry_opd_codes": registry,
        "active_opd_codes": active,
        "periods": [str(period)],
        "method_versions": [policy.method_version],
        "tpp_cap_pct": float(policy.tpp_cap_pct),
        "latest_allowed_at": latest.astimezone(UTC).isoformat(),
        # inspected_on is a date at local midnight: compared as a datetime, not a date.
        "latest_allowed_on": latest.astimezone(ZoneInfo(region.timezone)).date().isoformat() + "T00:00:00",
        "min_share_with_opd": float(1 - policy.quality.max_share_without_opd),
        "max_silent_days": policy.quality.silent_source_days,
    }
