"""Working days, deadlines and scoring months (SCORING.md §1), with hand-derived dates.

Calendar facts used below (2026): 1 Sep is a Tuesday, 1 Oct a Thursday; September and
October 2026 hold no Indonesian holiday. The ``holidays`` package (categories public and
government) lists for March 2026: Wed 18 (Nyepi cuti bersama), Thu 19 (Nyepi), Fri 20
(Idul Fitri cuti bersama), Sat 21 and Sun 22 (Idul Fitri), Mon 23 and Tue 24 (Idul Fitri
cuti bersama); for December 2026: Thu 24 (Christmas cuti bersama) and Fri 25 (Christmas);
for January 2027: Fri 1 (New Year) and Tue 5 (Isra' Mi'raj).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from rapor.errors import PeriodError
from rapor.policy import RegionCalendar, load_policy, parse_policy
from rapor.scoring.periods import Period, period_ended_before, period_of_instant
from rapor.scoring.responsiveness import month_evidence, with_deadlines
from rapor.scoring.workdays import WorkdayCalendar

WITA = "Asia/Makassar"  # UTC+8, no daylight saving
WIB = "Asia/Jakarta"  # UTC+7


@pytest.fixture(scope="module")
def wita() -> WorkdayCalendar:
    return WorkdayCalendar.build(WITA, 2026, 2026)


def due_day(calendar: WorkdayCalendar, instant: str, n: int) -> date:
    """The local due day of an N-HK deadline: the day before its exclusive bound."""
    bound = calendar.deadline_bound(pd.Series([pd.Timestamp(instant)]), n).iloc[0]
    local = bound.tz_convert(calendar.timezone)
    # The bound is local midnight after the due day, exactly.
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    return (local - pd.Timedelta(days=1)).date()


# --- the examples of §1 -------------------------------------------------------------------------


def test_friday_afternoon_complaint_with_1_hk_is_due_end_of_monday(wita):
    # Fri 2 Oct 2026 16:00 WITA: day 1 is the first working day after Friday = Mon 5 Oct.
    assert due_day(wita, "2026-10-02T16:00:00+08:00", 1) == date(2026, 10, 5)


def test_friday_evening_complaint_with_1_hk_is_due_end_of_monday(wita):
    # Fri 2 Oct 2026 23:30 WITA (= 15:30 UTC Friday): local date Friday -> Mon 5 Oct.
    assert due_day(wita, "2026-10-02T15:30:00Z", 1) == date(2026, 10, 5)


def test_deadline_bound_is_local_midnight_after_the_due_day_in_utc(wita):
    # Due end of Mon 5 Oct WITA -> bound 6 Oct 00:00 WITA = 5 Oct 16:00 UTC.
    bound = wita.deadline_bound(pd.Series([pd.Timestamp("2026-10-02T16:00:00+08:00")]), 1).iloc[0]
    assert bound == pd.Timestamp("2026-10-05T16:00:00Z")


def test_friday_in_utc_that_is_already_saturday_locally_is_still_due_monday(wita):
    # 2 Oct 2026 17:00 UTC is Sat 3 Oct 01:00 WITA: the local date counts, and a Saturday
    # complaint has day 1 = Mon 5 Oct.
    assert due_day(wita, "2026-10-02T17:00:00Z", 1) == date(2026, 10, 5)


def test_saturday_complaint_with_1_hk_is_due_end_of_monday(wita):
    # Sat 3 Oct 2026 10:00 WITA -> first working day after Saturday is Mon 5 Oct.
    assert due_day(wita, "2026-10-03T10:00:00+08:00", 1) == date(2026, 10, 5)


def test_monday_morning_complaint_with_3_hk_is_due_end_of_thursday(wita):
    # Mon 5 Oct 2026 09:00 WITA: day 1 Tue 6, day 2 Wed 7, day 3 Thu 8 Oct.
    assert due_day(wita, "2026-10-05T09:00:00+08:00", 3) == date(2026, 10, 8)


def test_working_day_count_starts_after_the_local_date_not_after_24_hours(wita):
    # Mon 5 Oct 00:01 and 23:59 WITA are the same local date: both due Tue 6 Oct with 1 HK.
    assert due_day(wita, "2026-10-05T00:01:00+08:00", 1) == date(2026, 10, 6)
    assert due_day(wita, "2026-10-05T23:59:00+08:00", 1) == date(2026, 10, 6)


# --- holidays --------------------------------------------------------------------------------


def test_idul_fitri_2026_holidays_are_not_working_days(wita):
    for day in (18, 19, 20, 23, 24):  # the weekday holidays of March 2026 (module docstring)
        assert not wita.is_workday(date(2026, 3, day)), day
    assert not wita.is_workday(date(2026, 3, 21))  # Saturday (and Idul Fitri)
    assert wita.is_workday(date(2026, 3, 17))  # Tuesday before
    assert wita.is_workday(date(2026, 3, 25))  # Wednesday after


def test_complaint_before_idul_fitri_with_1_hk_is_due_after_the_holidays(wita):
    # Tue 17 Mar 2026 10:00: Wed 18 .. Tue 24 are holidays or weekend -> day 1 = Wed 25 Mar.
    assert due_day(wita, "2026-03-17T10:00:00+08:00", 1) == date(2026, 3, 25)


def test_complaint_before_idul_fitri_with_5_hk_spans_the_holidays(wita):
    # Tue 17 Mar 2026: day 1 Wed 25, 2 Thu 26, 3 Fri 27, 4 Mon 30, 5 Tue 31 Mar.
    assert due_day(wita, "2026-03-17T10:00:00+08:00", 5) == date(2026, 3, 31)


def test_complaint_on_a_holiday_starts_counting_from_the_next_working_day(wita):
    # Fri 20 Mar 2026 (cuti bersama) 11:00: day 1 = Wed 25 Mar, day 3 = Fri 27 Mar.
    assert due_day(wita, "2026-03-20T11:00:00+08:00", 3) == date(2026, 3, 27)


def test_deadline_of_a_late_december_complaint_falls_in_january(wita):
    # Built for 2026 only: Thu 31 Dec 2026 + 1 HK -> Fri 1 Jan 2027 New Year, weekend
    # -> Mon 4 Jan 2027; + 2 HK -> Tue 5 Jan is Isra' Mi'raj -> Wed 6 Jan 2027.
    assert due_day(wita, "2026-12-31T10:00:00+08:00", 1) == date(2027, 1, 4)
    assert due_day(wita, "2026-12-31T10:00:00+08:00", 2) == date(2027, 1, 6)


def test_region_holiday_addition_moves_the_deadline():
    # Mon 14 Sep 2026 + 1 HK is Tue 15 Sep; the region declares 15 Sep a holiday -> Wed 16.
    plain = WorkdayCalendar.build(WITA, 2026, 2026)
    local = WorkdayCalendar.build(WITA, 2026, 2026, region=RegionCalendar(holidays_add=(date(2026, 9, 15),)))
    assert due_day(plain, "2026-09-14T09:00:00+08:00", 1) == date(2026, 9, 15)
    assert due_day(local, "2026-09-14T09:00:00+08:00", 1) == date(2026, 9, 16)


def test_region_holiday_removal_moves_the_deadline():
    # Wed 23 Dec 2026 + 1 HK: 24 (cuti bersama) and 25 Dec are off, 26-27 weekend -> Mon 28.
    # The region works on 24 Dec (removes the cuti bersama) -> Thu 24 Dec.
    plain = WorkdayCalendar.build(WITA, 2026, 2026)
    local = WorkdayCalendar.build(WITA, 2026, 2026, region=RegionCalendar(holidays_remove=(date(2026, 12, 24),)))
    assert due_day(plain, "2026-12-23T09:00:00+08:00", 1) == date(2026, 12, 28)
    assert due_day(local, "2026-12-23T09:00:00+08:00", 1) == date(2026, 12, 24)


def test_region_calendar_from_the_policy_file_reaches_the_deadlines():
    # The same two changes written as a policy file's `regions` section, for region 52.05 only.
    base = load_policy()
    data = {
        "method_version": base.method_version,
        "first_response_hk": dict(base.first_response_hk),
        "resolution_hk": dict(base.resolution_hk),
        "forwarding_hk": base.forwarding_hk,
        "small_number_k": base.small_number_k,
        "responsiveness_weights": {"r1": 40, "r2": 40, "r3": 20},
        "sop_weights": {"input": 21.85, "proses": 32.37, "output": 24.24, "pengaduan": 21.54},
        "sop_carry_forward_factor": 0.9,
        "sop_carry_forward_months": 2,
        "index_weights": {"sop": 0.5, "resp": 0.5},
        "zone_table": "ombudsman-2022",
        "tpp": {
            "cap_pct": 15,
            "step_pct": 2.5,
            "by_category": {
                "A": None,
                "B": None,
                "C": {"base_pct": 2.5, "r0": 2},
                "D": {"base_pct": 5, "r0": 1},
                "E": {"base_pct": 10, "r0": 1},
            },
        },
        "holiday_categories": ["public", "government"],
        "regions": {
            "52.05": {"holidays_add": [{"date": "2026-09-15", "name": "Hari jadi"}], "holidays_remove": ["2026-12-24"]}
        },
    }
    policy = parse_policy(data)
    dompu = WorkdayCalendar.for_policy(policy, "52.05", WITA, 2026, 2026)
    other = WorkdayCalendar.for_policy(policy, "52.71", WITA, 2026, 2026)
    assert due_day(dompu, "2026-09-14T09:00:00+08:00", 1) == date(2026, 9, 16)
    assert due_day(dompu, "2026-12-23T09:00:00+08:00", 1) == date(2026, 12, 24)
    assert due_day(other, "2026-09-14T09:00:00+08:00", 1) == date(2026, 9, 15)
    assert due_day(other, "2026-12-23T09:00:00+08:00", 1) == date(2026, 12, 28)


# --- vectorised helpers -----------------------------------------------------------------------


def test_nth_workday_after_works_on_arrays_and_keeps_nat(wita):
    days = pd.Series(pd.to_datetime(["2026-10-02", None, "2026-03-17"])).to_numpy(dtype="datetime64[D]")
    out = wita.nth_workday_after(days, [1, 1, 5])
    # Fri 2 Oct + 1 -> Mon 5 Oct; NaT stays NaT; Tue 17 Mar + 5 -> Tue 31 Mar (see above).
    assert str(out[0]) == "2026-10-05"
    assert str(out[1]) == "NaT"
    assert str(out[2]) == "2026-03-31"


def test_earliest_clock_day_is_the_first_date_whose_deadline_reaches_the_month(wita):
    # Deadlines of 14 HK that can fall on or after Thu 1 Oct 2026. Counting back 14 working
    # days before 1 Oct: 30, 29, 28, 25, 24, 23, 22, 21, 18, 17, 16, 15, 14, 11 Sep.
    # Check: a clock on Fri 11 Sep has day 1 = Mon 14 Sep ... day 14 = Thu 1 Oct; a clock on
    # Thu 10 Sep has day 14 = Wed 30 Sep, before October.
    assert wita.earliest_clock_day(date(2026, 10, 1), 14) == date(2026, 9, 11)
    assert due_day(wita, "2026-09-11T09:00:00+08:00", 14) == date(2026, 10, 1)
    assert due_day(wita, "2026-09-10T09:00:00+08:00", 14) == date(2026, 9, 30)


# --- "met" is <= 23:59:59.999999 local of the due day -------------------------------------------


def _one_hotline_complaint(first_response_at: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["t"],
            "complaint_id": ["1"],
            "opd_code": ["X"],
            "channel": ["hotline"],
            "kind": ["aspirasi"],
            "received_at": [pd.Timestamp("2026-10-05T09:00:00+08:00")],  # Mon -> due end of Tue 6 Oct
            "forwarded_at": [pd.NaT],
            "first_response_at": [first_response_at],
            "resolved_at": [pd.NaT],
        }
    )


def _met(wita, first_response_at: pd.Timestamp) -> bool:
    frame = with_deadlines(_one_hotline_complaint(first_response_at), wita, load_policy())
    start, end = Period(2026, 10).bounds_utc(WITA)
    evidence = month_evidence(frame, start, end)
    assert bool(evidence["in_first_response"].iloc[0])
    return bool(evidence["first_response_on_time"].iloc[0])


def test_response_at_the_last_microsecond_of_the_due_day_is_on_time(wita):
    last = pd.Timestamp("2026-10-06T23:59:59.999999", tz=WITA)
    assert _met(wita, last)


def test_response_at_midnight_after_the_due_day_is_late(wita):
    assert not _met(wita, pd.Timestamp("2026-10-07T00:00:00", tz=WITA))


def test_deadline_evidence_is_the_last_microsecond_of_the_due_day_local(wita):
    frame = with_deadlines(_one_hotline_complaint(pd.NaT), wita, load_policy())
    start, end = Period(2026, 10).bounds_utc(WITA)
    deadline = month_evidence(frame, start, end)["first_response_deadline_at"].iloc[0]
    # End of Tue 6 Oct WITA = 23:59:59.999999 local = 15:59:59.999999 UTC.
    assert deadline == pd.Timestamp("2026-10-06T15:59:59.999999Z")


# --- periods -------------------------------------------------------------------------------------


def test_month_bounds_are_local_midnights_in_utc():
    # Oct 2026 in WITA: [1 Oct 00:00, 1 Nov 00:00) local = [30 Sep 16:00, 31 Oct 16:00) UTC.
    start, end = Period(2026, 10).bounds_utc(WITA)
    assert start == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 16, tzinfo=UTC)


def test_complaint_at_2330_wita_on_the_last_day_belongs_to_that_month():
    # 30 Sep 2026 23:30 WITA = 30 Sep 15:30 UTC: its local date is 30 Sep, so September.
    instant = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)
    assert instant.astimezone(ZoneInfo(WITA)).date() == date(2026, 9, 30)
    assert period_of_instant(instant, WITA) == Period(2026, 9)
    sep_start, sep_end = Period(2026, 9).bounds_utc(WITA)
    # September WITA ends at 30 Sep 16:00 UTC, half an hour after the complaint.
    assert sep_end == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert sep_start <= instant < sep_end
    assert instant < Period(2026, 10).bounds_utc(WITA)[0]


def test_same_instant_is_in_different_months_in_different_zones():
    # 31 Oct 2026 16:30 UTC is 1 Nov 00:30 WITA but 31 Oct 23:30 WIB.
    instant = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert period_of_instant(instant, WITA) == Period(2026, 11)
    assert period_of_instant(instant, WIB) == Period(2026, 10)


def test_period_ended_before_is_the_month_before_the_local_date():
    # The monthly run at 1 Nov 2026 00:30 UTC: 1 Nov 08:30 WITA and 07:30 WIB -> October.
    run = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    assert period_ended_before(run, WITA) == Period(2026, 10)
    assert period_ended_before(run, WIB) == Period(2026, 10)
    # At 31 Oct 16:30 UTC it is already November in WITA (Oct ended) but not yet in WIB.
    early = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    assert period_ended_before(early, WITA) == Period(2026, 10)
    assert period_ended_before(early, WIB) == Period(2026, 9)


def test_period_ended_before_in_january_is_december_of_the_year_before():
    assert period_ended_before(datetime(2027, 1, 1, 1, tzinfo=UTC), WITA) == Period(2026, 12)


def test_period_ended_before_refuses_a_naive_instant():
    with pytest.raises(PeriodError):
        period_ended_before(datetime(2026, 11, 1), WITA)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "oktober", ""])
def test_period_parse_rejects_anything_but_yyyy_mm(text):
    with pytest.raises(PeriodError, match="YYYY-MM"):
        Period.parse(text)


def test_period_parse_print_and_shift():
    assert str(Period.parse("2026-09")) == "2026-09"
    assert Period(2026, 12).shift(1) == Period(2027, 1)
    assert Period(2026, 1).shift(-2) == Period(2025, 11)
    assert Period(2026, 10).months_after(Period(2026, 8)) == 2


def test_workdays_between_counts_the_working_days_after_a_deadline_up_to_an_event(wita):
    after = np.array(
        ["2026-10-16", "2026-10-16", "2026-10-16", "2026-03-18", "2026-10-20", "NaT"], dtype="datetime64[D]"
    )
    through = np.array(
        ["2026-10-17", "2026-10-19", "2026-10-23", "2026-03-25", "2026-10-19", "2026-10-20"], dtype="datetime64[D]"
    )
    # Fri → Sat: 0; Fri → Mon: 1; Fri → next Fri: 5; Idul Fitri 2026 (19–24 March off): Wed → Wed = 1;
    # an event before the deadline's day: 0; no deadline: -1.
    assert list(wita.workdays_between(after, through)) == [0, 1, 5, 1, 0, -1]
