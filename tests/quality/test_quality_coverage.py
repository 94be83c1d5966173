"""Coverage and freshness: arrivals per source and day, silent sources, quarantine counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import insert

from rapor.policy import load_policy
from rapor.quality.coverage import build_coverage, daily_counts, source_silence, store_coverage, stored_coverage
from rapor.scoring.periods import Period
from rapor.warehouse import schema

OCTOBER = Period(2026, 10)


def _arrivals(source: str, channel: str, days: list[date]) -> pd.DataFrame:
    return pd.DataFrame({"source": source, "channel": channel, "arrival_date": days})


def _every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_a_facebook_page_that_stops_on_the_10th_is_flagged_silent():
    # Facebook sends every day until 10 October (token expired), LAPOR! every day.
    arrivals = pd.concat(
        [
            _arrivals("facebook", "media_sosial", _every_day(date(2026, 8, 1), date(2026, 10, 10))),
            _arrivals("lapor", "aplikasi", _every_day(date(2026, 8, 1), date(2026, 10, 31))),
        ]
    )
    silence = source_silence(arrivals, OCTOBER, threshold_days=7).set_index("source")
    # 11..31 October: 21 days without a complaint.
    assert silence.loc["facebook", "longest_silent_days"] == 21
    assert (silence.loc["facebook", "silent_from"], silence.loc["facebook", "silent_to"]) == (
        date(2026, 10, 11),
        date(2026, 10, 31),
    )
    assert bool(silence.loc["facebook", "flagged"])
    assert silence.loc["facebook", "n_complaints"] == 10 and silence.loc["facebook", "last_received_on"] == date(
        2026, 10, 10
    )
    assert silence.loc["lapor", "longest_silent_days"] == 0 and not silence.loc["lapor", "flagged"]


def test_a_silence_that_began_last_month_counts_whole_and_the_threshold_is_exclusive():
    # Last complaint 28 September, next 6 October: 29 Sep .. 5 Oct = 7 days, not more than 7.
    seven = _arrivals(
        "x", "media_sosial", [date(2026, 9, 28), date(2026, 10, 6), *_every_day(date(2026, 10, 7), date(2026, 10, 31))]
    )
    assert source_silence(seven, OCTOBER, 7).iloc[0][["longest_silent_days", "flagged"]].tolist() == [7, False]
    # Next one on 7 October instead: 8 days, flagged.
    eight = _arrivals("x", "media_sosial", [date(2026, 9, 28), *_every_day(date(2026, 10, 7), date(2026, 10, 31))])
    assert source_silence(eight, OCTOBER, 7).iloc[0][["longest_silent_days", "flagged"]].tolist() == [8, True]


def test_a_silence_that_ended_before_the_month_is_not_this_months_and_a_new_source_was_never_silent():
    arrivals = pd.concat(
        [
            # Silent all of August, then every day: September's concern, not October's.
            _arrivals("hotline-wa", "hotline", [date(2026, 7, 31), *_every_day(date(2026, 9, 1), date(2026, 10, 31))]),
            # First complaint ever on 20 October.
            _arrivals("open311", "aplikasi", _every_day(date(2026, 10, 20), date(2026, 10, 31))),
        ]
    )
    silence = source_silence(arrivals, OCTOBER, 7).set_index("source")
    assert silence["longest_silent_days"].to_dict() == {"hotline-wa": 0, "open311": 0}


def test_daily_counts_list_every_day_of_every_source_with_zeros():
    arrivals = pd.concat(
        [
            _arrivals("facebook", "media_sosial", [date(2026, 10, 1), date(2026, 10, 1), date(2026, 10, 3)]),
            _arrivals("lapor", "aplikasi", [date(2026, 9, 30)]),  # seen before the month only
        ]
    )
    daily = daily_counts(arrivals, OCTOBER)
    assert len(daily) == 2 * 31
    facebook = daily[daily["source"] == "facebook"].set_index("arrival_date")["n_complaints"]
    assert (facebook[date(2026, 10, 1)], facebook[date(2026, 10, 2)], facebook[date(2026, 10, 3)]) == (2, 0, 1)
    assert daily.loc[daily["source"] == "lapor", "n_complaints"].sum() == 0


def _registry(conn, now):
    conn.execute(
        insert(schema.region),
        [{"region_code": "52.05", "region_name": "Kabupaten Dompu", "timezone": "Asia/Makassar", "updated_at": now}],
    )
    conn.execute(
        insert(schema.opd),
        [{"region_code": "52.05", "opd_code": "RSUD", "opd_name": "RSUD Dompu", "active": True, "updated_at": now}],
    )


def test_coverage_is_computed_from_the_warehouse_and_stored(warehouse, write_csv):
    from rapor.imports import import_complaints

    now = datetime.now(UTC)
    with warehouse.begin() as conn:
        _registry(conn, now)
    # 31 Oct 23:30 WITA is still October locally (15:30 UTC); 1 Nov 00:30 WITA is not.
    path = write_csv(
        "complaints.csv",
        """
complaint_id,region_code,opd_code,channel,source,kind,received_at,forwarded_at,first_response_at,resolved_at,reporter,text
FB-1,52.05,RSUD,media_sosial,facebook,pengaduan,2026-10-01T09:00:00+08:00,,,,@a,antre lama
FB-2,52.05,RSUD,media_sosial,facebook,pengaduan,2026-10-31 23:30:00,,,,@b,antre lama
FB-3,52.05,RSUD,media_sosial,facebook,pengaduan,2026-11-01 00:30:00,,,,@c,antre lama
FB-4,52.05,RSUD,email,facebook,pengaduan,2026-10-05T09:00:00+08:00,,,,@d,antre lama
FB-5,52.05,RSUD,media_sosial,facebook,keluhan,2026-10-06T09:00:00+08:00,,,,@e,antre lama
FB-6,52.05,RSUD,media_sosial,facebook,pengaduan,2026-09-06T09:00:00+08:00,,,,@f,antre lama
FB-7,52.05,RSUD,media_sosial,facebook,pengaduan,31/10/2026 09.00,,,,@g,antre lama
""",
    )
    import_complaints(warehouse, path, key=b"k")
    policy = load_policy()
    with warehouse.connect() as conn:
        coverage = build_coverage(conn, "52.05", "Asia/Makassar", OCTOBER, policy)
    with warehouse.begin() as conn:
        store_coverage(conn, coverage)
    with warehouse.begin() as conn:  # idempotent per region and month
        store_coverage(conn, coverage)
    with warehouse.connect() as conn:
        stored = stored_coverage(conn, "52.05", OCTOBER)

    facebook = stored.daily.set_index("arrival_date")["n_complaints"]
    assert len(stored.daily) == 31 and facebook.sum() == 2
    assert (facebook[date(2026, 10, 1)], facebook[date(2026, 10, 31)]) == (1, 1)
    # 1 Oct .. 31 Oct, nothing between: 29 silent days, flagged.
    row = stored.silence.iloc[0]
    assert (row["source"], row["longest_silent_days"], bool(row["flagged"])) == ("facebook", 29, True)
    assert stored.flagged_sources == ["facebook"]
    # Quarantine by rule for October: FB-4 and FB-5 (dated October); FB-7's date is what broke,
    # so it counts in the month it was quarantined (today), not in October.
    counts = {(r.dataset, r.rule): r.n_rows for r in stored.quarantine.itertuples()}
    assert counts == {("complaints", "invalid_channel"): 1, ("complaints", "invalid_kind"): 1}
