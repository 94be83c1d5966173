"""The daily early warning: what each OPD must answer, told each working morning, once.

Built on a small region in WIT (Asia/Jayapura) around Idul Fitri 2026, when the holidays
package's calendar is off from Wednesday 18 to Tuesday 24 March (Nyepi, Idul Fitri and their
cuti bersama), and on the demo region's October.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from rapor.demo.region import DEMO_REGION_CODE, generate_demo_officials, generate_demo_region
from rapor.imports import import_files
from rapor.imports.staff import import_staff
from rapor.mail import SENT, SKIPPED
from rapor.policy import load_policy
from rapor.publish.early_warning import FEED_HEADER, opd_warnings, warn_region
from rapor.registry import get_region
from rapor.scoring.early_warning import due_at, is_warning_day
from rapor.tasks.early_warning import plan_warnings
from rapor.vocabulary import DUTY_FIRST_RESPONSE, DUTY_RESOLUTION, WARNING_DUE, WARNING_OVERDUE
from rapor.warehouse import schema

DAGS = Path(__file__).resolve().parents[2] / "dags"
WIT = ZoneInfo("Asia/Jayapura")
REGION = "94.71"  # Kota Jayapura


@pytest.fixture
def jayapura(warehouse, write_csv):
    """A WIT region with two OPDs, their handlers' mailboxes and complaints around Idul Fitri."""
    registry = write_csv(
        "registry.csv",
        """
region_code,region_name,timezone,opd_code,opd_name
94.71,Kota Jayapura,Asia/Jayapura,DINKES,Dinas Kesehatan
94.71,Kota Jayapura,Asia/Jayapura,DISDUK,Dinas Kependudukan dan Pencatatan Sipil
""",
    )
    complaints = write_csv(
        "complaints.csv",
        """
complaint_id,region_code,opd_code,channel,source,kind,received_at,forwarded_at,first_response_at,resolved_at,reporter,text
FB-1,94.71,DINKES,media_sosial,facebook,pengaduan,2026-03-16 10:00,,,,Budi,Antrean puskesmas panjang
FB-2,94.71,DINKES,media_sosial,facebook,pengaduan,2026-03-17 10:00,,,,Sari,Obat habis
FB-7,94.71,DINKES,media_sosial,facebook,aspirasi,2026-03-16 11:00,,2026-03-17 15:00,,Yan,Jam buka puskesmas
LPR-3,94.71,DINKES,aplikasi,lapor,pengaduan,2026-03-13 09:00,,2026-03-16 09:00,,Ani,Ambulans terlambat
LPR-4,94.71,DINKES,aplikasi,lapor,pengaduan,2026-02-02 09:00,,2026-02-03 09:00,,Joko,Limbah rumah sakit
HL-5,94.71,DISDUK,hotline,hotline,permintaan_informasi,2026-03-16 08:00,,2026-03-17 06:30,,Rina,Syarat KTP
HL-6,94.71,DISDUK,hotline,hotline,pengaduan,2026-03-16 08:30,,2026-03-26 06:00,,Dodi,KK belum jadi
""",
    )
    import_files(warehouse, [registry], [complaints], [])
    with warehouse.begin() as conn:
        conn.execute(
            schema.complaint.update().where(schema.complaint.c.complaint_id == "FB-2").values(confidential=True)
        )
    staff = write_csv(
        "staff.csv",
        """
region_code,opd_code,role,name,nip,email
94.71,DINKES,kepala,dr. Yohana Wenda,197001012000032001,
94.71,DINKES,pengelola_pengaduan,Markus Kogoya,199001012015031001,pengaduan@dinkes.jayapurakota.example
94.71,DISDUK,pengelola_pengaduan,Maria Itlay,199202022016042002,
""",
    )
    import_staff(warehouse, staff)
    return warehouse


def _due(engine, day: date):
    policy = load_policy()
    with engine.connect() as conn:
        region = get_region(conn, REGION)
        return due_at(conn, region, datetime(day.year, day.month, day.day, 7, tzinfo=WIT), policy)


def _listed(frame) -> set[tuple[str, str, bool]]:
    return {(r.complaint_id, r.duty, bool(r.overdue)) for r in frame.itertuples()}


def test_the_morning_lists_overdue_answers_and_todays_deadlines_on_the_scoring_clock(jayapura):
    due = _due(jayapura, date(2026, 3, 17))
    # FB-1 (1 HK from Monday): due by the end of Tuesday 17 March, so due today. LPR-4 was
    # answered but its resolution (14 HK from 2 February) is overdue. HL-6 (hotline, 1 HK):
    # its first response came later (26 March), so that morning it was still owed and due.
    # HL-5 was answered at 06:30 that morning and owes no resolution (information request).
    # FB-2 arrives later that day; LPR-3's resolution is due 10 April, beyond the horizon.
    # FB-7 (an aspiration, 1 HK) is answered at 15:00 that day: still owed at 07:00.
    assert _listed(due) == {
        ("FB-1", DUTY_FIRST_RESPONSE, False),
        ("FB-7", DUTY_FIRST_RESPONSE, False),
        ("HL-6", DUTY_FIRST_RESPONSE, False),
        ("LPR-4", DUTY_RESOLUTION, True),
    }
    first = due[due["complaint_id"] == "FB-1"].iloc[0]
    assert first["deadline_at"].tz_convert(WIT).to_pydatetime() == datetime(2026, 3, 17, 23, 59, 59, 999999, WIT)
    assert list(due["deadline_at"]) == sorted(due["deadline_at"])  # oldest first


def test_deadlines_skip_idul_fitri_and_the_horizon_counts_working_days(jayapura):
    due = _due(jayapura, date(2026, 3, 25))
    # FB-2 came on Tuesday 17 March: 1 HK is the end of Wednesday 25 March (18-24 are off).
    assert ("FB-2", DUTY_FIRST_RESPONSE, False) in _listed(due)
    # FB-1 was due on 17 March and never answered: overdue now.
    assert ("FB-1", DUTY_FIRST_RESPONSE, True) in _listed(due)
    # LPR-3 (14 HK from 13 March, over Idul Fitri and Good Friday) is due on 10 April: not listed.
    assert "LPR-3" not in set(due["complaint_id"])
    fb2 = due[due["complaint_id"] == "FB-2"].iloc[0]
    assert fb2["deadline_at"].tz_convert(WIT).date() == date(2026, 3, 25)


def test_no_warning_on_weekends_and_holidays_of_the_region(jayapura):
    policy = load_policy()
    with jayapura.connect() as conn:
        region = get_region(conn, REGION)
    assert is_warning_day(region, date(2026, 3, 17), policy)
    assert not any(is_warning_day(region, date(2026, 3, d), policy) for d in range(18, 25))
    assert is_warning_day(region, date(2026, 3, 25), policy)
    # 22:00 UTC on 16 March is 07:00 WIT on Tuesday 17 March; on 18 March (a holiday) nothing runs.
    assert plan_warnings(datetime(2026, 3, 16, 22, tzinfo=UTC)) == [{"region_code": REGION, "day": "2026-03-17"}]
    assert plan_warnings(datetime(2026, 3, 17, 22, tzinfo=UTC)) == []
    # Other hours of the day are not Jayapura's morning.
    assert plan_warnings(datetime(2026, 3, 16, 23, tzinfo=UTC)) == []


def test_a_warning_is_emailed_to_the_handlers_once_and_fed_without_confidential_complaints(
    jayapura, smtp_server, tmp_path
):
    out = tmp_path / "output"
    outcome = warn_region(jayapura, REGION, date(2026, 3, 25), out_dir=out)
    assert outcome.statuses == {"DINKES": SENT, "DISDUK": SKIPPED}  # DISDUK's handler has no address
    assert len(smtp_server.messages) == 1
    to, message = smtp_server.messages[0]
    assert to == ["pengaduan@dinkes.jayapurakota.example"]
    html = message.get_body(("html",)).get_content()
    assert "FB-2" in html and "rahasia" in html  # the handlers see the confidential complaint
    assert "Sari" not in html and "Obat habis" not in html  # no reporter, no text

    folder = out / "early-warning" / REGION / "2026-03-25"
    rows = list(csv.reader(io.StringIO((folder / "DINKES.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == FEED_HEADER
    tickets = [r[1] for r in rows[1:]]
    assert "FB-2" not in tickets and "FB-1" in tickets
    assert {r[6] for r in rows[1:]} <= {WARNING_OVERDUE, WARNING_DUE}
    feed = json.loads((folder / "DINKES.json").read_text(encoding="utf-8"))
    assert feed["n_confidential_not_listed"] == 1
    assert [c["ticket"] for c in feed["complaints"]] == tickets
    assert feed["complaints"][0]["deadline_at"].endswith("+09:00")

    again = warn_region(jayapura, REGION, date(2026, 3, 25), out_dir=out)
    assert again.statuses["DINKES"] == SENT
    assert len(smtp_server.messages) == 1  # nothing sent twice
    with jayapura.connect() as conn:
        sent = conn.execute(
            select(func.count())
            .select_from(schema.notification_log)
            .where(schema.notification_log.c.event_key == "peringatan:2026-03-25:DINKES")
        ).scalar_one()
    assert sent == 1


def test_a_warning_for_an_earlier_day_ignores_what_happened_after_that_morning(jayapura):
    # HL-6 was answered on 26 March: on the 25th it was still owed (and overdue by then).
    assert ("HL-6", DUTY_FIRST_RESPONSE, True) in _listed(_due(jayapura, date(2026, 3, 25)))
    # Answered at 06:00 on the 26th; its resolution (14 HK) is due in April: nothing that morning.
    assert "HL-6" not in set(_due(jayapura, date(2026, 3, 26))["complaint_id"])


def test_every_demo_opd_with_something_due_in_october_gets_its_email(warehouse, tmp_path, smtp_server):
    files = generate_demo_region(tmp_path / "demo")
    officials = generate_demo_officials(tmp_path / "demo")
    import_files(warehouse, [files.registry], [files.complaints, files.hotline], [])
    import_staff(warehouse, officials.staff)
    with officials.staff.open(encoding="utf-8", newline="") as handle:
        handlers: dict[str, list[str]] = {}
        for row in csv.DictReader(handle):
            if row["role"] == "pengelola_pengaduan":
                handlers.setdefault(row["opd_code"], []).append(row["email"])
    day = date(2026, 10, 28)  # a Wednesday
    warnings = opd_warnings(warehouse, DEMO_REGION_CODE, day)
    assert len(warnings) >= 3
    outcome = warn_region(warehouse, DEMO_REGION_CODE, day, out_dir=tmp_path / "output")
    assert outcome.statuses == {w.opd_code: SENT for w in warnings}
    received = sorted(sorted(to) for to, _ in smtp_server.messages)
    assert received == sorted(sorted(handlers[w.opd_code]) for w in warnings)


@pytest.mark.dag_run
def test_the_dag_warns_jayapura_at_seven_in_the_morning_wit_and_a_rerun_sends_nothing(
    jayapura, airflow_db, smtp_server, out_dir
):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS / "rapor_early_warning.py")).dags["rapor_early_warning"]
    morning = datetime(2026, 3, 24, 22, tzinfo=UTC)  # 07:00 WIT on Wednesday 25 March
    run = dag.test(logical_date=morning)
    assert run.state == "success"
    assert [to for to, _ in smtp_server.messages] == [["pengaduan@dinkes.jayapurakota.example"]]
    assert (out_dir / "early-warning" / REGION / "2026-03-25" / "DISDUK.json").is_file()
    dag.test(logical_date=morning)
    assert len(smtp_server.messages) == 1


def test_early_warning_settings_are_checked_in_the_policy():
    import yaml

    from rapor.config import DEFAULT_POLICY_PATH
    from rapor.errors import ConfigError
    from rapor.policy import parse_policy

    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    assert parse_policy(data).early_warning.horizon_hk == 1
    for bad in ({"horizon_hk": -1}, {"local_hour": 24}, {"horizon": 2}):
        with pytest.raises(ConfigError, match="early_warning"):
            parse_policy({**data, "early_warning": bad})


def test_a_handler_address_that_is_not_an_email_is_quarantined(warehouse, write_csv):
    registry = write_csv(
        "registry.csv",
        "region_code,region_name,timezone,opd_code,opd_name\n94.71,Kota Jayapura,Asia/Jayapura,DINKES,Dinas Kesehatan",
    )
    import_files(warehouse, [registry], [], [])
    staff = write_csv(
        "staff.csv",
        """
region_code,opd_code,role,name,nip,email
94.71,DINKES,pengelola_pengaduan,Markus Kogoya,199001012015031001,markus at dinkes
94.71,DINKES,kepala,dr. Yohana Wenda,197001012000032001,
""",
    )
    result = import_staff(warehouse, staff)
    assert result.rows_loaded == 1
    with warehouse.connect() as conn:
        rule = conn.execute(select(schema.quarantine.c.rule).where(schema.quarantine.c.field == "email")).scalar_one()
    assert rule == "invalid_email"


def test_the_monthly_report_counts_the_warned_complaints_and_those_then_answered_in_time(jayapura, tmp_path):
    from rapor.publish.revisions import REPORT_HTML, REPORT_PDF, publish_month
    from rapor.scoring.early_warning import warning_effect
    from rapor.scoring.periods import Period
    from rapor.scoring.scorecard import score_region_month

    out = tmp_path / "output"
    for day in (17, 25, 25):  # the 25th twice: a re-run counts nothing twice
        warn_region(jayapura, REGION, date(2026, 3, day), out_dir=out)
    with jayapura.connect() as conn:
        effect = warning_effect(conn, REGION, Period(2026, 3))
    # DINKES: FB-1 and FB-7 warned on the 17th, FB-2 on the 25th (LPR-4 was already overdue);
    # only FB-7 was then answered by its deadline. DISDUK: HL-6 warned on the 17th, answered late.
    assert effect == {
        "DINKES": {"n_warned": 3, "n_answered_in_time": 1},
        "DISDUK": {"n_warned": 1, "n_answered_in_time": 0},
    }
    score_region_month(jayapura, REGION, Period(2026, 3))
    outcome = publish_month(jayapura, REGION, "2026-03", now=datetime(2026, 4, 2, 1, tzinfo=UTC), out_dir=out)
    html = (outcome.folder / REPORT_HTML).read_text(encoding="utf-8")
    assert "3 aduan diperingatkan sebelum batasnya; 1 di antaranya kemudian dijawab tepat waktu" in html
    from pypdf import PdfReader

    pdf = "\n".join(page.extract_text() for page in PdfReader(str(outcome.folder / REPORT_PDF)).pages)
    assert "Peringatan dini" in pdf
