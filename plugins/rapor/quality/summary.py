"""The month's quality summary beside its scorecard: ``quality-YYYY-MM.json`` and ``.html``.

The §7 CSV keeps exactly its columns, so the gate's verdict travels next to it:

    output/scorecards/<region>/scorecard-YYYY-MM.csv    the scorecard (§7)
    output/scorecards/<region>/quality-YYYY-MM.json     verdict, failures, coverage, quarantine
    output/scorecards/<region>/quality-YYYY-MM.html     the same for people, with the scorecard
                                                        and a link to the Data Docs
    output/scorecards/<region>/quality-YYYY-MM/         GX Data Docs (index.html), every run

Everything is read back from the warehouse (latest gate verdict, stored coverage), so
re-writing the summary is idempotent. Links are relative: the folder can be copied or
served as it is. ``output`` is the output store (a folder or an fsspec URL, ``rapor.storage``).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from html import escape

import pandas as pd

from rapor.layout import QualityPaths, quality_paths
from rapor.quality.coverage import stored_coverage
from rapor.quality.status import GateResult, latest_gate
from rapor.registry import active_opd_names, get_region
from rapor.scoring.periods import Period
from rapor.scoring.scorecard_csv import CSV_COLUMNS, read_scorecard_rows, scorecard_csv_rows
from rapor.storage import Location, location, relative, write_atomically
from rapor.vocabulary import (
    GATE_HELD,
    GATE_NOT_CHECKED,
    UNIDENTIFIED_REPLIES_NOTE,
    collection_cause,
    collection_fix,
)


def _plain(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite returns stored UTC instants naive
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Decimal):
        return float(value)
    if not isinstance(value, str) and value is not None and pd.isna(value):
        return None
    return value


def _records(frame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def summary_data(engine, region_code: str, period: Period, paths: QualityPaths) -> dict:
    """The month's verdict and coverage as one JSON-able mapping."""
    with engine.connect() as conn:
        region = get_region(conn, region_code)
        gate = latest_gate(conn, region_code, str(period))
        coverage = stored_coverage(conn, region_code, period)
        names = active_opd_names(conn, region_code)
    folder = paths.summary_json.parent
    verdict = _verdict(gate, paths, folder)
    daily: dict[str, list[int]] = {}
    for row in coverage.daily.itertuples(index=False):
        daily.setdefault(row.source, []).append(int(row.n_complaints))
    days = sorted({_plain(d) for d in coverage.daily["arrival_date"]}) if not coverage.daily.empty else []
    return {
        "region_code": region.region_code,
        "region_name": region.region_name,
        "period": str(period),
        **verdict,
        "scorecard_csv": f"scorecard-{period}.csv",
        "coverage": {
            "days": days,
            "complaints_per_source_and_day": daily,
            "sources": _records(coverage.silence),
            "silent_sources": coverage.flagged_sources,
            "accounts": _records(coverage.accounts),
            "accounts_with_unidentified_replies": _records(
                coverage.unidentified[["platform", "account_id", "opd_code", "unidentified_replies"]]
            ),
        },
        "held_opds": [_held(h, names) for h in (gate.held_opds if gate is not None else [])],
        "quarantine_by_rule": _records(coverage.quarantine),
    }


def _held(hold: dict, names: dict[str, str]) -> dict:
    """A held OPD as the summary shows it: the facts of the gate, the cause and the fix in words."""
    account = f"{hold['platform']} {hold['account_id']}"
    return {
        **hold,
        "opd_name": names.get(hold["opd_code"], hold["opd_code"]),
        "cause": collection_cause(hold["outcome"], hold["conn_id"], account),
        "fix": collection_fix(hold["outcome"], hold["conn_id"], account),
    }


def _verdict(gate: GateResult | None, paths: QualityPaths, folder: Location) -> dict:
    if gate is None:
        return {
            "status": GATE_NOT_CHECKED,
            "passed": False,
            "checked_at": None,
            "critical_failures": [],
            "warnings": [],
            "override": None,
            "data_docs": None,
            "tpp_recommendation": "withheld: the data-quality gate has not run for this month",
        }
    docs = location(gate.data_docs_path) if gate.data_docs_path else paths.docs_index
    docs_link = relative(docs, folder) or str(docs)
    if not gate.passed:
        tpp = "withheld: the month is held (ditahan) until its data is fixed and the month re-run"
    elif gate.held_opds:
        held = ", ".join(sorted(gate.held_opd_codes))
        tpp = f"as in the scorecard, none for {held}: held alone, a channel account was not collected"
    elif gate.override_reason:
        tpp = "as in the scorecard: released by an explicit override despite failed checks"
    else:
        tpp = "as in the scorecard"
    return {
        "status": gate.status,
        "passed": gate.passed,
        "checked_at": _plain(gate.checked_at),
        "critical_failures": gate.critical_failures,
        "warnings": gate.warnings,
        "override": {"reason": gate.override_reason, "by": gate.override_by} if gate.override_reason else None,
        "data_docs": docs_link,
        "tpp_recommendation": tpp,
    }


def write_quality_summary(engine, region_code: str, period: Period, out_dir: Location | None = None) -> QualityPaths:
    """Write ``quality-YYYY-MM.json`` and ``.html`` beside the month's scorecard CSV."""
    paths = quality_paths(region_code, period, out_dir)
    data = summary_data(engine, region_code, period, paths)
    rows = scorecard_csv_rows(read_scorecard_rows(engine, period, [region_code]))
    write_atomically(paths.summary_json, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    write_atomically(paths.summary_html, render_html(data, rows).encode("utf-8"))
    return paths


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _findings(title: str, findings: list[dict]) -> str:
    if not findings:
        return f"<h2>{escape(title)}</h2><p>None.</p>"
    rows = [[f.get("suite"), f.get("rule"), f.get("column"), f.get("detail")] for f in findings]
    return f"<h2>{escape(title)}</h2>" + _table(["suite", "rule", "column", "detail"], rows)


def _held_section(held: list[dict]) -> str:
    """The OPDs held alone, in Bahasa Indonesia: which account, since when, why, and how to fix it."""
    if not held:
        return "<h2>OPD ditahan tanpa rekomendasi TPP</h2><p>Tidak ada: semua akun kanal terkumpul.</p>"
    rows = [
        [
            f"{h['opd_name']} ({h['opd_code']})",
            f"{h['platform']} {h['account_id']}",
            h["uncollected_days"].replace(".", ","),
            f"{(h['uncollected_from'] or '')[:16]} s.d. {(h['uncollected_to'] or '')[:16]} UTC",
            h["cause"],
            h["fix"],
        ]
        for h in held
    ]
    return (
        "<h2>OPD ditahan tanpa rekomendasi TPP</h2>"
        "<p>Akun kanal OPD berikut tidak dapat dikumpulkan lebih lama dari batas kebijakan bulan ini. "
        "Nilainya tetap ditampilkan, tetapi tidak ada rekomendasi potongan TPP untuk OPD ini; OPD lain "
        "diterbitkan seperti biasa.</p>"
        + _table(["OPD", "akun", "hari tidak terkumpul", "periode", "penyebab", "cara memperbaiki"], rows)
    )


def render_html(data: dict, scorecard_rows: list[list[str]]) -> str:
    """A self-contained page: verdict, failures, coverage, quarantine, scorecard, Data Docs link."""
    held = data["status"] == GATE_HELD or not data["passed"]
    colour = "#b00020" if held else ("#8a6d00" if data.get("override") else "#1b5e20")
    title = f"Rapor {data['region_name']} ({data['region_code']}) {data['period']}: kualitas data"
    docs = (
        f'<p><a href="{escape(data["data_docs"])}">Great Expectations Data Docs of this month</a> '
        "(every validation run, expectation by expectation).</p>"
        if data.get("data_docs")
        else "<p>No Data Docs: the gate has not run.</p>"
    )
    override = ""
    if data.get("override"):
        override = (
            f"<p><strong>Released by override</strong> of {escape(data['override']['by'])}: "
            f"{escape(data['override']['reason'])}</p>"
        )
    coverage = data["coverage"]
    days = coverage["days"]
    daily_rows = [
        [source, sum(counts), *counts] for source, counts in coverage["complaints_per_source_and_day"].items()
    ]
    silence_rows = [
        [
            s["source"],
            s["channel"],
            s["n_complaints"],
            s["days_with_complaints"],
            s["last_received_on"],
            s["longest_silent_days"],
            f"{s['silent_from'] or ''} .. {s['silent_to'] or ''}",
            "SILENT" if s["flagged"] else "",
        ]
        for s in coverage["sources"]
    ]
    quarantine_rows = [[q["dataset"], q["rule"], q["n_rows"]] for q in data["quarantine_by_rule"]]
    unidentified_rows = [
        [a["platform"], a["account_id"], a["opd_code"] or "akun pusat", a["unidentified_replies"]]
        for a in coverage.get("accounts_with_unidentified_replies", [])
    ]
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }} table {{ border-collapse: collapse; font-size: 0.85em; }}
td, th {{ border: 1px solid #ccc; padding: 0.2em 0.4em; text-align: left; }}
.verdict {{ color: white; background: {colour}; padding: 0.5em 1em; display: inline-block; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="verdict">Status: <strong>{escape(data["status"])}</strong> (checked {escape(str(data["checked_at"]))})</p>
<p>TPP recommendation: {escape(data["tpp_recommendation"])}.</p>
{override}{docs}
<p>Scorecard: <a href="{escape(data["scorecard_csv"])}">{escape(data["scorecard_csv"])}</a></p>
{_held_section(data.get("held_opds", []))}
{_findings("Failed critical expectations (hold the month)", data["critical_failures"])}
{_findings("Warnings (recorded, do not hold)", data["warnings"])}
<h2>Sources: silence</h2>
<p>A source without complaints for more than its threshold of days is flagged SILENT: its OPDs may look
better than they are.</p>
{
        _table(
            [
                "source",
                "channel",
                "complaints",
                "days with complaints",
                "last complaint on",
                "longest silence (days)",
                "silent",
                "flag",
            ],
            silence_rows,
        )
    }
<h2>Akun dengan balasan yang tidak dapat dikenali</h2>
<p>Jumlah balasan yang {escape(UNIDENTIFIED_REPLIES_NOTE)}.</p>
{_table(["platform", "akun", "OPD", "balasan"], unidentified_rows) if unidentified_rows else "<p>Tidak ada.</p>"}
<h2>Complaints per source and day</h2>
{_table(["source", "total", *[d[-2:] for d in days]], daily_rows)}
<h2>Quarantined rows by rule</h2>
{_table(["dataset", "rule", "rows"], quarantine_rows) if quarantine_rows else "<p>None.</p>"}
<h2>Scorecard</h2>
{_table(list(CSV_COLUMNS), scorecard_rows)}
</body></html>
"""
