"""The public open-data site: the published numbers for everyone, nothing personal, any host."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from sqlalchemy import select

from rapor.publish.public_site import build_public_site
from rapor.publish.revisions import publish_month
from rapor.scoring.scorecard_csv import CSV_COLUMNS
from rapor.warehouse import schema

REGION = "52.05"
AUGUST, SEPTEMBER, OCTOBER = "2026-08", "2026-09", "2026-10"


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("href", "src") and v]

    def handle_data(self, data):
        self.text.append(data)


def _parse(path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def _publish_three_months(scored, pass_gate, hold_gate):
    pass_gate(AUGUST)
    pass_gate(SEPTEMBER)
    hold_gate(OCTOBER)
    out = scored.out_dir
    for day, period in ((2, AUGUST), (3, SEPTEMBER)):
        publish_month(
            scored.engine,
            REGION,
            period,
            published_by="inspektur.dompu (manual__2026-10-02)",
            now=datetime(2026, 10, day, 1, tzinfo=UTC),
            out_dir=out,
        )
    return out


def test_the_site_shows_only_months_whose_gate_passed_with_each_revision_data(scored, pass_gate, hold_gate):
    out = _publish_three_months(scored, pass_gate, hold_gate)
    files = build_public_site(scored.engine, REGION, out)
    root = out / "public" / REGION
    assert root / "index.html" in files and root / "metode.html" in files
    assert (root / AUGUST / "index.html").is_file() and (root / SEPTEMBER / "index.html").is_file()
    assert not (root / OCTOBER).exists()  # held: not public
    published_csv = (out / "published" / REGION / SEPTEMBER / "r1" / "scorecard.csv").read_bytes()
    public_csv = root / SEPTEMBER / "r1" / f"rapor-{REGION}-{SEPTEMBER}-r1.csv"
    assert public_csv.read_bytes() == published_csv  # the §7 CSV exactly as published
    rows = list(csv.DictReader(io.StringIO(published_csv.decode("utf-8"))))
    document = json.loads((root / SEPTEMBER / "r1" / f"rapor-{REGION}-{SEPTEMBER}-r1.json").read_text())
    assert document["columns"] == list(CSV_COLUMNS)
    assert document["rows"] == rows
    month = "".join(_parse(root / SEPTEMBER / "index.html").text)
    for row in rows:
        assert row["opd_name"] in month
    index = "".join(_parse(root / "index.html").text)
    assert "September 2026" in index and "Agustus 2026" in index and "Oktober 2026" not in index


def test_the_site_carries_no_personal_data_no_tickets_no_officials(scored, pass_gate, hold_gate):
    out = _publish_three_months(scored, pass_gate, hold_gate)
    build_public_site(scored.engine, REGION, out)
    site = "\n".join(p.read_text(encoding="utf-8") for p in sorted((out / "public").rglob("*")) if p.is_file())
    with scored.engine.connect() as conn:
        complaints = conn.execute(select(schema.complaint.c.complaint_id, schema.complaint.c.reporter_pseudonym)).all()
        officials = conn.execute(select(schema.opd_staff.c.name, schema.opd_staff.c.nip)).all()
        users = conn.execute(select(schema.publication.c.published_by)).scalars().all()
    assert complaints and officials and users
    for complaint_id, pseudonym in complaints:
        assert not re.search(rf"\b{re.escape(complaint_id)}\b", site), complaint_id
        if pseudonym:
            assert pseudonym not in site
    for name, nip in officials:
        assert name not in site and nip not in site
    for user in users:
        assert user not in site
    assert not re.search(r"\bk-[0-9a-f]{6,}", site)  # not even the keyed references of the report


def test_every_link_is_relative_and_resolves_inside_the_folder(scored, pass_gate, hold_gate):
    out = _publish_three_months(scored, pass_gate, hold_gate)
    build_public_site(scored.engine, REGION, out)
    root = out / "public" / REGION
    for page in root.rglob("*.html"):
        for ref in _parse(page).refs:
            assert "://" not in ref and not ref.startswith("/"), (page, ref)
            target = (page.parent / ref.split("#")[0]).resolve()
            assert target.is_file() and root.resolve() in target.parents, (page, ref)


def test_a_rebuild_writes_the_same_bytes_and_a_correction_adds_its_revision(scored, pass_gate, hold_gate):
    out = _publish_three_months(scored, pass_gate, hold_gate)
    build_public_site(scored.engine, REGION, out)
    root = out / "public" / REGION
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    build_public_site(scored.engine, REGION, out)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before

    publish_month(
        scored.engine,
        REGION,
        SEPTEMBER,
        "Koreksi: templat laporan",
        force=True,
        now=datetime(2026, 10, 9, 1, tzinfo=UTC),
        out_dir=out,
    )
    build_public_site(scored.engine, REGION, out)
    month = "".join(_parse(root / SEPTEMBER / "index.html").text)
    assert "Koreksi: templat laporan" in month  # the reason of the new revision stays visible
    assert (root / SEPTEMBER / "r1" / f"rapor-{REGION}-{SEPTEMBER}-r1.csv").is_file()
    assert (root / SEPTEMBER / "r2" / f"rapor-{REGION}-{SEPTEMBER}-r2.csv").is_file()
