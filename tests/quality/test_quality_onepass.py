"""The gate of many regions in one GX pass per suite gives each region the verdict of its own run.

Five regions in the three zones, each with a different problem (a reply before its complaint, a
complaint for an OPD not in the registry, the same OPD and date inspected twice, no complaints
at all, an OPD without inspections), are gated one at a time (``run_gate``, today's path) and
all at once (``run_gates``): the verdicts, the findings, the held OPDs and every stored GX
validation result must be the same, and each region gets its own Data Docs site.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from rapor.policy import load_policy
from rapor.quality.gate import GateRequest, run_gate, run_gates
from rapor.scoring.periods import Period
from rapor.scoring.scorecard import score_region_month
from rapor.warehouse import schema

OCTOBER = Period(2026, 10)
NOW = datetime(2026, 11, 3, 2, tzinfo=UTC)
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
REGIONS = ("91.01", "91.02", "91.03", "91.04", "91.05", "91.06")
OPDS = ("DINKES", "DISDIK", "DLH", "DPMPTSP")
DIMENSIONS = ("input", "proses", "output", "pengaduan")


def _registry(conn, regions, opds, now) -> None:
    """The regions (in the three zones in turn) and the same OPDs in each."""
    for n, region in enumerate(regions):
        conn.execute(
            insert(schema.region).values(
                region_code=region, region_name=f"Kabupaten {region}", timezone=ZONES[n % 3], updated_at=now
            )
        )
        for opd in opds:
            conn.execute(
                insert(schema.opd).values(region_code=region, opd_code=opd, opd_name=f"{opd} {region}", updated_at=now)
            )


def _load(engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        _registry(conn, REGIONS, OPDS, now)
        for region in REGIONS:
            for k in range(24):
                received = datetime(2026, 10, 2 + k, 2, tzinfo=UTC)
                conn.execute(
                    insert(schema.complaint).values(
                        source="lapor",
                        complaint_id=f"{region}-{k}",
                        region_code=region,
                        opd_code=None if k == 7 else OPDS[k % 4],
                        channel="aplikasi",
                        kind="pengaduan",
                        received_at=received,
                        first_response_at=received + timedelta(hours=5 + k),
                        resolved_at=received + timedelta(days=3) if k % 3 else None,
                        updated_at=now,
                    )
                )
            for opd in OPDS[: 3 if region == "91.06" else 4]:
                for d in DIMENSIONS:
                    conn.execute(
                        insert(schema.inspection).values(
                            region_code=region,
                            opd_code=opd,
                            inspected_on=date(2026, 10, 12),
                            indicator=f"{d}_terpenuhi",
                            dimension=d,
                            score=(len(opd) + len(d)) % 4,
                            updated_at=now,
                        )
                    )
        c = schema.complaint
        # 91.02: a reply before its complaint (critical). 91.03: an OPD the registry does not know.
        conn.execute(
            c.update()
            .where(c.c.complaint_id == "91.02-3")
            .values(first_response_at=datetime(2026, 10, 4, 1, tzinfo=UTC))
        )
        conn.execute(c.update().where(c.c.complaint_id.in_(["91.03-5", "91.03-9"])).values(opd_code="DISHUB"))
        # 91.04: one indicator in two dimensions (a warning). 91.05: no complaints at all.
        conn.execute(
            insert(schema.inspection).values(
                region_code="91.04",
                opd_code="DLH",
                inspected_on=date(2026, 10, 19),
                indicator="input_terpenuhi",
                dimension="proses",
                score=2,
                updated_at=now,
            )
        )
        conn.execute(c.delete().where(c.c.region_code == "91.05"))


def _validations(home) -> dict:
    """Region → suite → its stored GX validation result, without what differs from run to run."""
    found = {}
    for path in sorted((home / "var" / "gx").glob("9*/2026-10/uncommitted/validations/**/*.json")):
        region = path.relative_to(home / "var" / "gx").parts[0]
        result = json.loads(path.read_text(encoding="utf-8"))
        for key in ("run_id", "validation_time"):
            result["meta"].pop(key)
        result["meta"]["batch_markers"].pop("ge_load_time")
        if result["suite_name"] == "scorecards":  # a held month's TPP was cleared by the first gate
            result["meta"]["batch_markers"].pop("pandas_data_fingerprint")
        found.setdefault(region, {})[result["suite_name"]] = result
    return found


def test_one_pass_gives_every_region_the_verdict_of_its_own_run(warehouse, tmp_path, monkeypatch):
    _load(warehouse)
    policy = load_policy()
    for region in REGIONS:
        score_region_month(warehouse, region, OCTOBER, policy)

    monkeypatch.setenv("RAPOR_HOME", str(tmp_path / "alone"))
    alone = [run_gate(warehouse, r, OCTOBER, policy, out_dir=tmp_path / "alone-out", now=NOW) for r in REGIONS]
    for region in REGIONS:  # the held months' TPP values, cleared by their first gate, come back
        score_region_month(warehouse, region, OCTOBER, policy)
    monkeypatch.setenv("RAPOR_HOME", str(tmp_path / "together"))
    together = run_gates(
        warehouse, [GateRequest(r, OCTOBER) for r in REGIONS], policy, out_dir=tmp_path / "out", now=NOW
    )

    assert [r.status for r in alone] == ["lulus", "ditahan", "ditahan", "lulus", "ditahan", "lulus"]
    rules = {r.region_code: {f["rule"] for f in r.critical_failures + r.warnings} for r in alone}
    assert "first_response_at_not_before_receipt" in rules["91.02"] and "opd_known" in rules["91.03"]
    assert "indicator_in_one_dimension" in rules["91.04"] and "month_has_complaints" in rules["91.05"]
    for one, batch in zip(alone, together, strict=True):
        assert not isinstance(batch, Exception), batch
        for field in ("region_code", "period", "passed", "critical_failures", "warnings", "held_opds"):
            assert getattr(batch, field) == getattr(one, field), (one.region_code, field)
        assert batch.data_docs_path.startswith(str(tmp_path / "out"))
    differences = list(_diff(_validations(tmp_path / "together"), _validations(tmp_path / "alone")))
    assert differences == []
    for region in REGIONS:
        site = tmp_path / "out" / region / "quality-2026-10"
        reference = tmp_path / "alone-out" / region / "quality-2026-10"
        assert _pages(site) == _pages(reference) and len(_pages(site)) >= 9  # index, 5 suites, 4 results
        assert region in (site / "index.html").read_text(encoding="utf-8")


def _load_unrated(engine, regions, opds) -> None:
    """Regions with many OPDs and no inspections: every scorecard row is unrated (no index)."""
    now = datetime.now(UTC)
    received = datetime(2026, 10, 5, 2, tzinfo=UTC)
    with engine.begin() as conn:
        _registry(conn, regions, opds, now)
        for region in regions:
            for opd in opds:
                conn.execute(
                    insert(schema.complaint).values(
                        source="lapor",
                        complaint_id=f"{region}-{opd}",
                        region_code=region,
                        opd_code=opd,
                        channel="aplikasi",
                        kind="pengaduan",
                        received_at=received,
                        first_response_at=received + timedelta(hours=3),
                        updated_at=now,
                    )
                )


def test_more_unexpected_rows_than_gx_lists_values_for_are_split_in_one_pass(warehouse, tmp_path, monkeypatch, caplog):
    """GX keeps at most 200 unexpected values of a pass (its index list stays whole): 6 regions of
    40 unrated OPDs give the combined pass 240 rows without an index, and each region must still
    get the result of its own run from the one pass, not from the region-by-region fallback."""
    regions = [f"92.0{n}" for n in range(1, 7)]
    opds = [f"OPD{n:02d}" for n in range(1, 41)]
    _load_unrated(warehouse, regions, opds)
    policy = load_policy()
    for region in regions:
        score_region_month(warehouse, region, OCTOBER, policy)

    monkeypatch.setenv("RAPOR_HOME", str(tmp_path / "alone"))
    alone = [run_gate(warehouse, r, OCTOBER, policy, out_dir=tmp_path / "alone-out", now=NOW) for r in regions]
    monkeypatch.setenv("RAPOR_HOME", str(tmp_path / "together"))
    with caplog.at_level("WARNING", logger="rapor.quality.onepass"):
        together = run_gates(
            warehouse, [GateRequest(r, OCTOBER) for r in regions], policy, out_dir=tmp_path / "out", now=NOW
        )

    # The one pass split every suite: onepass warns only when it falls back to one region at a time.
    assert [r.getMessage() for r in caplog.records if r.name == "rapor.quality.onepass"] == []
    assert all("most_opds_rated" in {f["rule"] for f in r.warnings} for r in alone)
    for one, batch in zip(alone, together, strict=True):
        for field in ("region_code", "period", "passed", "critical_failures", "warnings", "held_opds"):
            assert getattr(batch, field) == getattr(one, field), (one.region_code, field)
    together_results, alone_results = _validations(tmp_path / "together"), _validations(tmp_path / "alone")
    assert len(together_results) == len(regions)
    assert list(_diff(together_results, alone_results)) == []
    nulls = next(
        r
        for r in together_results["92.01"]["scorecards"]["results"]
        if r["expectation_config"]["type"] == "expect_column_values_to_not_be_null"
    )
    assert nulls["result"]["unexpected_count"] == 40 and not nulls["success"]


def test_a_region_that_cannot_be_read_is_reported_and_the_others_are_gated(warehouse, tmp_path):
    _load(warehouse)
    for region in REGIONS[:2]:
        score_region_month(warehouse, region, OCTOBER)
    results = run_gates(warehouse, [GateRequest("91.01", OCTOBER), GateRequest("99.99", OCTOBER)], now=NOW)
    assert results[0].passed
    assert isinstance(results[1], Exception) and "99.99" in str(results[1])


def test_a_bad_override_in_a_batch_is_that_region_s_error(warehouse, tmp_path):
    _load(warehouse)
    score_region_month(warehouse, "91.01", OCTOBER)
    score_region_month(warehouse, "91.02", OCTOBER)
    results = run_gates(
        warehouse, [GateRequest("91.01", OCTOBER), GateRequest("91.02", OCTOBER, "ok", "Inspektur")], now=NOW
    )
    assert results[0].passed and "too short" in str(results[1])


def _pages(site) -> list[str]:
    """A Data Docs site's pages, the run's time in their paths replaced."""
    return sorted(re.sub(r"/\d{8}T\d{6}\.\d+Z/", "/RUN/", p.relative_to(site).as_posix()) for p in site.rglob("*.html"))


def _diff(a, b, path=""):
    """Where two JSON documents differ, one line per difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            yield from _diff(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"
