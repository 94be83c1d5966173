"""The public open-data site of a region: what the Inspektorat published, for everyone.

Built only from published revisions whose data-quality gate passed (``publication`` rows and
their folders), so the public numbers are exactly the published ones:

    <output>/public/<region>/index.html                     the months, newest first, with zones
    <output>/public/<region>/<YYYY-MM>/index.html           ranking, zones, counts, trend, revisions
    <output>/public/<region>/<YYYY-MM>/r<N>/rapor-….csv      the §7 CSV of each revision, and .json
    <output>/public/<region>/metode.html                    the method appendix of the latest revision

No personal data, no ticket or reference of an individual complaint, no official's name or NIP,
no internal user name: only the §7 scorecard rows, the revision reasons and the method. Pages
are plain HTML with inline styles and relative links, so the folder works from any static web
host or a plain file copy; nothing is loaded from elsewhere. A rebuild writes the same bytes
for the same revisions (no build time on the pages), one file at a time, atomically.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from rapor.layout import public_root, revision_folder
from rapor.publish.charts import to_svg, trend_geometry
from rapor.publish.fingerprint import read_snapshot
from rapor.publish.formatting import long_datetime, month_name, month_short, number, percent
from rapor.publish.inputs import snapshot_policy
from rapor.publish.report import jinja_env, methodology, rank_by_index
from rapor.publish.revisions import INPUTS, SCORECARD, list_revisions, read_manifest
from rapor.scoring.scorecard_csv import CSV_COLUMNS
from rapor.storage import Location, write_atomically
from rapor.vocabulary import GATE_PASSED, STATUS_NOT_RATED, ZONES
from rapor.warehouse import schema

TREND_MONTHS = 6


@dataclass(frozen=True)
class PublicRevision:
    period: str
    revision: int
    published_at: object
    reason: str
    rows: tuple[dict, ...]  # the §7 CSV rows, as text

    @property
    def stem(self) -> str:
        return f"rapor-{self.rows[0]['region_code'] if self.rows else 'daerah'}-{self.period}-r{self.revision}"


def public_revisions(engine, region_code: str, out_dir: Location | None = None) -> dict[str, list[PublicRevision]]:
    """{period: [revisions whose gate passed, oldest first]} of the region, read from their folders."""
    with engine.connect() as conn:
        rows = [r for r in list_revisions(conn, region_code) if r["gate_status"] == GATE_PASSED]
    months: dict[str, list[PublicRevision]] = {}
    for row in rows:
        folder = revision_folder(region_code, row["period"], row["revision"], out_dir)
        scorecard = list(csv.DictReader(io.StringIO((folder / SCORECARD).read_text(encoding="utf-8"))))
        manifest = read_manifest(folder)
        months.setdefault(row["period"], []).append(
            PublicRevision(
                row["period"], int(row["revision"]), row["published_at"], manifest["reason"], tuple(scorecard)
            )
        )
    return months


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text not in ("", None) else None


def _ranked(rows: tuple[dict, ...]) -> list[dict]:
    """The rows ranked as in the Inspektorat's report (equal index, equal rank; not rated last)."""
    entries = [dict(r, index=_dec(r["index"]), index_text=r["index"]) for r in rows]
    rank_by_index(entries)
    return entries


def _share_text(on_time: str, n: str) -> str:
    n_, k = int(n), int(on_time)
    return f"{k} dari {n_} ({percent(Decimal(k) / Decimal(n_))})" if n_ else "tidak ada"


def _region_index(rows: tuple[dict, ...]) -> float | None:
    values = [_dec(r["index"]) for r in rows if r["index"]]
    return float(sum(values) / len(values)) if values else None


def _json_bytes(region: dict, revision: PublicRevision) -> bytes:
    document = {
        "region_code": region["region_code"],
        "region_name": region["region_name"],
        "period": revision.period,
        "revision": revision.revision,
        "reason": revision.reason,
        "columns": list(CSV_COLUMNS),
        "rows": [{c: r[c] for c in CSV_COLUMNS} for r in revision.rows],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write(path: Location, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    write_atomically(path, data, mode=0o644)  # meant for a public web host


def _month_context(
    region: dict, period: str, revisions: list[PublicRevision], trend: list[tuple[str, float | None]], zone_table: str
) -> dict:
    latest = revisions[-1]
    tz = region["timezone"]
    entries = _ranked(latest.rows)
    for e in entries:
        e["first_response"] = _share_text(e["n_first_response_on_time"], e["n_first_response"])
        e["resolution"] = _share_text(e["n_resolution_on_time"], e["n_resolution"])
        e["index_text"] = number(e["index"], 2) if e["index"] is not None else "—"
        e["not_rated"] = e["status"] == STATUS_NOT_RATED
    zones = {z: sum(1 for r in latest.rows if r["zone"] == z) for z in ZONES}
    labels = [month_short(p) for p, _ in trend]
    chart = to_svg(
        trend_geometry(labels, [v for _, v in trend], zone_table, width=360, height=140, show_values=True),
        f"Rata-rata indeks OPD {region['region_name']}, {labels[0]} sampai {labels[-1]}",
    )
    return {
        "region": region,
        "period": period,
        "month": month_name(period),
        "latest": latest,
        "entries": entries,
        "zones": zones,
        "n_not_rated": sum(1 for r in latest.rows if r["status"] == STATUS_NOT_RATED),
        "n_complaints": sum(int(r["n_first_response"]) for r in latest.rows),
        "trend_svg": chart,
        "trend": [(month_name(p), number(Decimal(str(v)), 2) if v is not None else "—") for p, v in trend],
        "history": [
            {
                "revision": r.revision,
                "published": long_datetime(r.published_at, tz),
                "reason": r.reason,
                "csv": f"r{r.revision}/{r.stem}.csv",
                "json": f"r{r.revision}/{r.stem}.json",
                "latest": r is latest,
            }
            for r in reversed(revisions)
        ],
    }


def build_public_site(engine, region_code: str, out_dir: Location | None = None) -> list[Location]:
    """Write the region's public site from its passed revisions; returns the files written or kept."""
    months = public_revisions(engine, region_code, out_dir)
    if not months:
        return []
    with engine.connect() as conn:
        region = dict(
            conn.execute(select(schema.region).where(schema.region.c.region_code == region_code)).mappings().one()
        )
    periods = sorted(months)
    newest = months[periods[-1]][-1]
    newest_folder = revision_folder(region_code, newest.period, newest.revision, out_dir)
    snapshot = read_snapshot(newest_folder / INPUTS)
    policy = snapshot_policy(snapshot)
    env = jinja_env()
    root = public_root(out_dir) / region_code
    written: list[Location] = []

    def emit(path: Location, data: bytes) -> None:
        _write(path, data)
        written.append(path)

    summaries = []
    for i, period in enumerate(periods):
        revisions = months[period]
        window = periods[max(0, i - TREND_MONTHS + 1) : i + 1]
        trend = [(p, _region_index(months[p][-1].rows)) for p in window]
        context = _month_context(region, period, revisions, trend, policy.zone_table)
        html = env.get_template("public_month.html.j2").render(**context, root="../")
        emit(root / period / "index.html", html.encode("utf-8"))
        for revision in revisions:
            folder = root / period / f"r{revision.revision}"
            source = revision_folder(region_code, period, revision.revision, out_dir) / SCORECARD
            emit(folder / f"{revision.stem}.csv", source.read_bytes())
            emit(folder / f"{revision.stem}.json", _json_bytes(region, revision))
        summaries.append(context)
    index = env.get_template("public_index.html.j2").render(region=region, months=list(reversed(summaries)), root="")
    emit(root / "index.html", index.encode("utf-8"))
    method = env.get_template("public_method.html.j2").render(
        region=region, blocks=methodology(policy, snapshot), month=month_name(newest.period), root=""
    )
    emit(root / "metode.html", method.encode("utf-8"))
    return written
