"""Coverage and freshness of one region's month: is the data complete enough to score?

A channel that went silent (an expired Facebook token, a hotline export nobody ran)
makes its OPDs look better than they are: fewer complaints, fewer late answers. So,
per region and month:

- ``daily``: complaints that arrived per source and local day (every day of the month
  for every source, zeros included);
- ``silence``: per source seen in the lookback window, the longest run of days without
  a complaint that touches the month; flagged when longer than the policy's
  ``quality.silent_source_days``. A run may start before the month (it is still one
  silence); a source whose first complaint ever falls in the month is not silent
  before it;
- ``quarantine``: quarantined rows of the region counted by dataset and rule. A row is
  attributed to the month of its own date (``received_at`` / ``inspected_at`` in the
  region's zone), or, when that date is what was broken, to the month it was
  quarantined in. Rows whose region is unknown to the registry belong to no region.

- ``accounts``: per channel account of the region that the collectors tried (table
  ``collection_attempt``): how much of the month only failed attempts covered (an expired
  token, a missing permission, an endpoint down), i.e. the union of the failed attempts'
  windows less the successful ones', within the month and up to now; the cause and error
  of the latest failure; flagged when more than ``quality.max_uncollected_days`` days
  (the gate then holds the account's OPD alone). Also the replies whose author the
  platform did not say (``unidentified_replies``: a Facebook page read without its Page
  token), the most any attempt of the month saw: such a page's first responses are unknown.

Everything is stored (tables ``quality_coverage_daily``, ``quality_source_silence``,
``quality_quarantine_count``, ``quality_account_coverage``), replaced per (region, month),
and shown beside the scorecard; the ``coverage`` suite validates ``silence``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import delete, insert, select

from rapor.imports.timestamps import parse_instants
from rapor.policy import Policy
from rapor.scoring.periods import Period
from rapor.vocabulary import COLLECTED_OK
from rapor.warehouse import schema
from rapor.warehouse.db import frame_records

SILENCE_COLUMNS = (
    "source",
    "channel",
    "n_complaints",
    "days_with_complaints",
    "last_received_on",
    "longest_silent_days",
    "silent_from",
    "silent_to",
    "threshold_days",
    "flagged",
)
ACCOUNT_COLUMNS = (
    "platform",
    "account_id",
    "opd_code",
    "conn_id",
    "attempts",
    "failed_attempts",
    "uncollected_days",
    "uncollected_from",
    "uncollected_to",
    "outcome",
    "error",
    "threshold_days",
    "flagged",
    "unidentified_replies",
)
_DATE_FIELD = {"complaints": "received_at", "inspections": "inspected_at"}


@dataclass(frozen=True)
class Coverage:
    region_code: str
    period: Period
    daily: pd.DataFrame  # source, channel, arrival_date, n_complaints
    silence: pd.DataFrame  # SILENCE_COLUMNS
    quarantine: pd.DataFrame  # dataset, rule, n_rows
    accounts: pd.DataFrame = None  # ACCOUNT_COLUMNS

    def __post_init__(self):
        if self.accounts is None:
            object.__setattr__(self, "accounts", pd.DataFrame(columns=list(ACCOUNT_COLUMNS)))

    @property
    def flagged_sources(self) -> list[str]:
        return sorted(self.silence.loc[self.silence["flagged"], "source"])

    @property
    def uncollected(self) -> pd.DataFrame:
        """The accounts uncollected for more than the policy allows (their OPDs are held)."""
        return self.accounts[self.accounts["flagged"].astype(bool)]

    @property
    def unidentified(self) -> pd.DataFrame:
        """The accounts whose replies could not be attributed ("replies not identifiable")."""
        return self.accounts[self.accounts["unidentified_replies"].astype(int) > 0]


def _month_days(period: Period) -> tuple[date, date]:
    """First day of the month and first day after it."""
    nxt = period.shift(1)
    return date(period.year, period.month, 1), date(nxt.year, nxt.month, 1)


def load_arrivals(conn, region_code: str, tz: str, period: Period, lookback_days: int) -> pd.DataFrame:
    """Complaints of the region received from ``lookback_days`` before the month to its end.

    Columns: source, channel, arrival_date (local date of ``received_at``).
    """
    first_day, end_day = _month_days(period)
    start = datetime.combine(first_day - timedelta(days=lookback_days), datetime.min.time()).replace(
        tzinfo=period.start_local(tz).tzinfo
    )
    c = schema.complaint
    rows = conn.execute(
        select(c.c.source, c.c.channel, c.c.received_at).where(
            c.c.region_code == region_code,
            c.c.received_at >= start.astimezone(UTC),
            c.c.received_at < period.end_local(tz).astimezone(UTC),
        )
    ).all()
    frame = pd.DataFrame(rows, columns=["source", "channel", "received_at"])
    received = pd.to_datetime(frame["received_at"], utc=True)
    frame["arrival_date"] = received.dt.tz_convert(tz).dt.date
    return frame[["source", "channel", "arrival_date"]]


def _source_channels(arrivals: pd.DataFrame) -> dict[str, str]:
    """Each source's channel: the most frequent one (a source normally has one)."""
    if arrivals.empty:
        return {}
    counts = arrivals.groupby(["source", "channel"]).size().reset_index(name="n")
    counts = counts.sort_values(["source", "n", "channel"], ascending=[True, False, True])
    return dict(counts.drop_duplicates("source")[["source", "channel"]].itertuples(index=False))


def daily_counts(arrivals: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Complaints per source and local day of the month, every day of every known source."""
    first_day, end_day = _month_days(period)
    channels = _source_channels(arrivals)
    days = [first_day + timedelta(days=i) for i in range((end_day - first_day).days)]
    in_month = arrivals[(arrivals["arrival_date"] >= first_day) & (arrivals["arrival_date"] < end_day)]
    counted = in_month.groupby(["source", "arrival_date"]).size()
    grid = pd.MultiIndex.from_product([sorted(channels), days], names=["source", "arrival_date"])
    frame = counted.reindex(grid, fill_value=0).rename("n_complaints").reset_index()
    frame["channel"] = frame["source"].map(channels)
    frame["n_complaints"] = frame["n_complaints"].astype(int)
    return frame[["source", "channel", "arrival_date", "n_complaints"]]


def source_silence(arrivals: pd.DataFrame, period: Period, threshold_days: int) -> pd.DataFrame:
    """Per source: the longest run of days without a complaint that touches the month."""
    first_day, end_day = _month_days(period)
    channels = _source_channels(arrivals)
    rows = []
    for source in sorted(channels):
        days = sorted(set(arrivals.loc[arrivals["source"] == source, "arrival_date"]))
        in_month = [d for d in days if d >= first_day]
        longest, silent_from, silent_to = 0, None, None
        # Gaps between consecutive arrival days, and from the last one to the month's end.
        for before, after in zip(days, [*days[1:], end_day], strict=True):
            if after <= first_day:
                continue  # this silence ended before the month: an earlier month's concern
            gap = (after - before).days - 1
            if gap > longest:
                longest, silent_from, silent_to = gap, before + timedelta(days=1), after - timedelta(days=1)
        rows.append(
            {
                "source": source,
                "channel": channels[source],
                "n_complaints": int(((arrivals["source"] == source) & (arrivals["arrival_date"] >= first_day)).sum()),
                "days_with_complaints": len(in_month),
                "last_received_on": days[-1] if days else None,
                "longest_silent_days": longest,
                "silent_from": silent_from,
                "silent_to": silent_to,
                "threshold_days": threshold_days,
                "flagged": longest > threshold_days,
            }
        )
    frame = pd.DataFrame(rows, columns=list(SILENCE_COLUMNS))
    frame["flagged"] = frame["flagged"].astype(bool)
    for column in ("n_complaints", "days_with_complaints", "longest_silent_days", "threshold_days"):
        frame[column] = frame[column].astype(int)
    return frame


def quarantine_counts(conn, region_code: str, tz: str, period: Period) -> pd.DataFrame:
    """Quarantined rows of the region attributed to the month, by dataset and rule."""
    q = schema.quarantine
    rows = conn.execute(
        select(q.c.dataset, q.c.rule, q.c.raw_record, q.c.quarantined_at).where(
            q.c.raw_record.like(f'%"region_code": {json.dumps(region_code)}%')
        )
    ).all()
    records = []
    for dataset, rule, raw, quarantined_at in rows:
        record = json.loads(raw)
        if record.get("region_code") != region_code:
            continue
        records.append(
            {
                "dataset": dataset,
                "rule": rule,
                "when": record.get(_DATE_FIELD.get(dataset, ""), ""),
                "quarantined_at": quarantined_at,
            }
        )
    frame = pd.DataFrame(records, columns=["dataset", "rule", "when", "quarantined_at"])
    if frame.empty:
        return pd.DataFrame(columns=["dataset", "rule", "n_rows"]).astype({"n_rows": int})
    instants, _ = parse_instants(frame["when"].fillna("").astype(str), pd.Series(tz, index=frame.index))
    fallback = pd.to_datetime(frame["quarantined_at"], utc=True)
    local = instants.fillna(fallback).dt.tz_convert(tz)
    in_month = (local.dt.year == period.year) & (local.dt.month == period.month)
    counts = frame[in_month].groupby(["dataset", "rule"]).size().rename("n_rows").reset_index()
    counts["n_rows"] = counts["n_rows"].astype(int)
    return counts.sort_values(["dataset", "rule"]).reset_index(drop=True)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _union(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(pieces: list[tuple[datetime, datetime]], cuts: list[tuple[datetime, datetime]]):
    """``pieces`` less ``cuts`` (both unions of intervals)."""
    out = []
    for start, end in pieces:
        for cut_start, cut_end in cuts:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                out.append((start, cut_start))
            start = max(start, cut_end)
            if start >= end:
                break
        if start < end:
            out.append((start, end))
    return out


def uncollected_time(attempts: list[dict], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that failed attempts were to cover and no successful one covered."""
    ok = _union([(a["window_start"], a["window_end"]) for a in attempts if a["outcome"] == COLLECTED_OK])
    failed = _union(
        [(max(a["window_start"], start), min(a["window_end"], end)) for a in attempts if a["outcome"] != COLLECTED_OK]
    )
    return _subtract(failed, ok)


def account_coverage(conn, region_code: str, tz: str, period: Period, policy: Policy, now: datetime) -> pd.DataFrame:
    """Per collected account of the region: the month's uncollected time and its cause (ACCOUNT_COLUMNS)."""
    start = period.start_local(tz).astimezone(UTC)
    end = min(period.end_local(tz).astimezone(UTC), now)
    a = schema.collection_attempt
    rows = conn.execute(
        select(a)
        .where(a.c.region_code == region_code, a.c.window_start < end, a.c.window_end > start)
        .order_by(a.c.attempted_at, a.c.attempt_id)
    ).mappings()
    by_account: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        item = dict(row)
        for name in ("window_start", "window_end", "attempted_at"):
            item[name] = _aware(item[name])
        by_account.setdefault((item["platform"], item["account_id"]), []).append(item)
    threshold = policy.quality.max_uncollected_days
    records = []
    for (platform, account_id), tried in sorted(by_account.items()):
        gaps = uncollected_time(tried, start, end)
        seconds = sum((gap_end - gap_start).total_seconds() for gap_start, gap_end in gaps)
        days = Decimal(seconds / 86400).quantize(Decimal("0.01"), ROUND_HALF_UP)
        failures = [t for t in tried if t["outcome"] != COLLECTED_OK]
        cause = failures[-1] if gaps and failures else None
        latest = tried[-1]
        records.append(
            {
                "platform": platform,
                "account_id": account_id,
                "opd_code": latest["opd_code"],
                "conn_id": latest["conn_id"],
                "attempts": len(tried),
                "failed_attempts": len(failures),
                "uncollected_days": days,
                "uncollected_from": gaps[0][0] if gaps else None,
                "uncollected_to": gaps[-1][1] if gaps else None,
                "outcome": cause["outcome"] if cause else None,
                "error": cause["error"] if cause else None,
                "threshold_days": threshold,
                "flagged": days > threshold,
                "unidentified_replies": max(int(t["unidentified_replies"]) for t in tried),
            }
        )
    frame = pd.DataFrame(records, columns=list(ACCOUNT_COLUMNS))
    frame["flagged"] = frame["flagged"].astype(bool)
    return frame


def build_coverage(
    conn, region_code: str, tz: str, period: Period, policy: Policy, now: datetime | None = None
) -> Coverage:
    arrivals = load_arrivals(conn, region_code, tz, period, policy.quality.source_lookback_days)
    return Coverage(
        region_code=region_code,
        period=period,
        daily=daily_counts(arrivals, period),
        silence=source_silence(arrivals, period, policy.quality.silent_source_days),
        quarantine=quarantine_counts(conn, region_code, tz, period),
        accounts=account_coverage(conn, region_code, tz, period, policy, now or datetime.now(UTC)),
    )


def store_coverage(conn, coverage: Coverage, computed_at: datetime | None = None) -> None:
    """Replace the month's coverage rows (idempotent per region and month)."""
    computed_at = computed_at or datetime.now(UTC)
    key = {"region_code": coverage.region_code, "period": str(coverage.period), "computed_at": computed_at}
    tables = (
        (schema.quality_coverage_daily, coverage.daily),
        (schema.quality_source_silence, coverage.silence),
        (schema.quality_quarantine_count, coverage.quarantine),
        (schema.quality_account_coverage, coverage.accounts),
    )
    for table, frame in tables:
        conn.execute(
            delete(table).where(table.c.region_code == coverage.region_code, table.c.period == str(coverage.period))
        )
        rows = frame_records(frame, **key)
        if rows:
            conn.execute(insert(table), rows)


def stored_coverage(conn, region_code: str, period: Period) -> Coverage:
    """The coverage stored for the month (as the gate last computed it)."""

    def read(table, order):
        stmt = select(table).where(table.c.region_code == region_code, table.c.period == str(period)).order_by(*order)
        frame = pd.DataFrame(conn.execute(stmt).mappings().all())
        return frame.drop(columns=["region_code", "period", "computed_at"], errors="ignore")

    daily = read(
        schema.quality_coverage_daily,
        [schema.quality_coverage_daily.c.source, schema.quality_coverage_daily.c.arrival_date],
    )
    silence = read(schema.quality_source_silence, [schema.quality_source_silence.c.source])
    quarantine = read(
        schema.quality_quarantine_count,
        [schema.quality_quarantine_count.c.dataset, schema.quality_quarantine_count.c.rule],
    )
    if silence.empty:
        silence = pd.DataFrame(columns=list(SILENCE_COLUMNS))
    else:
        silence["flagged"] = silence["flagged"].astype(bool)
    ac = schema.quality_account_coverage
    accounts = read(ac, [ac.c.platform, ac.c.account_id])
    accounts = pd.DataFrame(columns=list(ACCOUNT_COLUMNS)) if accounts.empty else accounts[list(ACCOUNT_COLUMNS)]
    return Coverage(region_code, period, daily, silence, quarantine, accounts)
