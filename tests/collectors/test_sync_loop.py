"""The shared sync loop where it needs no server: Open311's windows and its window-end watermark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rapor.collectors.http import CollectorError
from rapor.collectors.raw import RawLanding
from rapor.collectors.streams.base import RunContext
from rapor.collectors.streams.open311 import HalvingWindows, Open311Requests
from rapor.registry import Registry

SEPT = datetime(2026, 9, 1, tzinfo=UTC)


def bounds(request) -> tuple[str, str]:
    _, params = request
    return params["start_date"], params["end_date"]


def test_a_full_open311_window_is_read_again_in_halves_before_the_next_window():
    windows = HalvingWindows(SEPT, SEPT + timedelta(days=10), step=timedelta(days=7), cap=2, stream="open311")
    first = windows.first_request("requests.json", {"extensions": "true"})
    assert first == (
        "requests.json",
        {"start_date": "2026-09-01T00:00:00Z", "end_date": "2026-09-08T00:00:00Z", "extensions": "true"},
    )
    full, fits = [{}, {}], [{}]
    assert windows.superseded(full) and not windows.superseded(fits)
    half = windows.next_request(*first, full)
    assert bounds(half) == ("2026-09-01T00:00:00Z", "2026-09-04T12:00:00Z")
    other_half = windows.next_request(*half, fits)
    assert bounds(other_half) == ("2026-09-04T12:00:00Z", "2026-09-08T00:00:00Z")  # the halves share a second
    rest = windows.next_request(*other_half, fits)
    assert bounds(rest) == ("2026-09-08T00:00:00Z", "2026-09-11T00:00:00Z")
    assert windows.next_request(*rest, fits) is None


def test_a_window_of_two_seconds_still_full_is_an_error_not_a_loop():
    windows = HalvingWindows(SEPT, SEPT + timedelta(seconds=2), step=timedelta(days=7), cap=1, stream="open311")
    first = windows.first_request("requests.json", {})
    with pytest.raises(CollectorError, match="open311: more than 1 requests between"):
        windows.next_request(*first, [{}])


def test_an_open311_run_with_no_window_to_read_moves_its_watermark_to_the_runs_end(tmp_path):
    # The run ends before the connection's start date: nothing is requested, yet the window is read.
    until = datetime(2026, 8, 1, tzinfo=UTC)
    settings = {"region_code": "52.05", "start_date": "2026-09-01"}
    ctx = RunContext(None, RawLanding(tmp_path / "raw"), Registry(), until, settings)
    batch = Open311Requests().sync(ctx, "requests", {})
    assert (batch.pages, batch.items, batch.state) == (0, [], {"watermark": "2026-08-01T00:00:00+00:00"})
