"""Routing rules and normalisation: which OPD, which clock events, hand-checked cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rapor.collectors.normalise import Collected, Reply, classify_kind, normalise
from rapor.imports.accounts import import_accounts, import_routing_rules
from rapor.imports.registry import import_registry
from rapor.registry import Account, Registry, match_rule
from rapor.warehouse import schema

RULES = (
    ("jalan rusak", "DPUPR"),
    ("jalan", "DISHUB"),
    ("ktp", "DISDUKCAPIL"),
    ("pasar", "DISDAG"),
    ("parkir", "DISHUB"),
    ("sampah", "DLH"),
)
T0 = datetime(2026, 9, 4, 1, 0, tzinfo=UTC)  # Friday 09:00 WITA


def test_a_broken_road_goes_to_dpupr_because_the_longest_keyword_wins():
    assert match_rule(RULES, "Jalan rusak di Desa Riwo sudah 2 minggu") == ("DPUPR", "jalan rusak")
    assert match_rule(RULES, "Jalan licin di Desa Kiwu") == ("DISHUB", "jalan")
    assert match_rule(RULES, "Blanko KTP-el habis") == ("DISDUKCAPIL", "ktp")  # a whole word, any case


def test_two_opds_claiming_a_complaint_equally_leave_it_for_the_coordinator():
    assert match_rule(RULES, "Sampah di area parkir") is None  # 'sampah' and 'parkir', both 6 letters
    assert match_rule(RULES, "Jalan menuju pasar licin") is None  # 'jalan' and 'pasar', both 5
    assert match_rule(RULES, "Pelayanan lambat") is None
    assert match_rule(RULES, "Kartupasar") is None  # not a whole word


def test_kinds_of_social_media_text():
    assert classify_kind("Berapa lama proses KTP? Terima kasih.") == "permintaan_informasi"
    assert classify_kind("Usul untuk layanan pasar: jam buka diperpanjang.") == "aspirasi"
    assert classify_kind("Usulan musrenbang tidak ditindaklanjuti") == "pengaduan"  # 'usulan' is not 'usul'


def registry() -> Registry:
    reg = Registry()
    reg.rules = {"52.05": list(RULES)}
    reg.accounts = {("facebook", "1"): Account("facebook", "1", "52.05", None)}
    return reg


def complaint(**changes) -> Collected:
    base = dict(
        source="facebook",
        complaint_id="c1",
        region_code="52.05",
        channel="media_sosial",
        kind="pengaduan",
        received_at=T0,
        text="Jalan rusak di Desa Kiwu",
    )
    return Collected(**{**base, **changes})


def test_a_central_complaint_is_forwarded_when_the_central_account_replies_and_answered_by_its_opd():
    # Friday 09:00 comment on the Bupati's page; 10:00 the page forwards it; 11:00 a citizen
    # joins in (not in replies: not an account); Monday 08:30 DPU-PR answers; the Thursday
    # reply with #selesai resolves it; DISHUB's reply is not DPU-PR's.
    replies = [
        Reply(None, T0 + timedelta(hours=1)),
        Reply("DISHUB", T0 + timedelta(hours=2)),
        Reply("DPUPR", T0 + timedelta(days=2, hours=23, minutes=30)),
        Reply("DPUPR", T0 + timedelta(days=6), resolves=True),
    ]
    out = normalise([complaint(replies=replies)], registry())
    row = out.frame.iloc[0]
    assert row["opd_code"] == "DPUPR"
    assert row["forwarded_at"] == (T0 + timedelta(hours=1)).isoformat()
    assert row["first_response_at"] == (T0 + timedelta(days=2, hours=23, minutes=30)).isoformat()
    assert row["resolved_at"] == (T0 + timedelta(days=6)).isoformat()
    assert out.routing[0] | {"updated_at": None} == {
        "source": "facebook",
        "complaint_id": "c1",
        "region_code": "52.05",
        "opd_code": "DPUPR",
        "routed_by": "kata_kunci",
        "keyword": "jalan rusak",
        "updated_at": None,
    }


def test_a_rule_routed_complaint_without_a_forwarding_act_is_forwarded_at_receipt():
    row = normalise([complaint()], registry()).frame.iloc[0]
    assert (row["opd_code"], row["forwarded_at"]) == ("DPUPR", T0.isoformat())


def test_what_no_rule_matches_is_kept_without_an_opd():
    out = normalise([complaint(text="Pelayanan lambat", replies=[Reply(None, T0 + timedelta(hours=1))])], registry())
    row = out.frame.iloc[0]
    assert (row["opd_code"], row["forwarded_at"], row["first_response_at"]) == ("", "", "")
    assert out.routing[0]["routed_by"] == "belum_terdisposisi"


def test_the_same_complaint_seen_twice_is_one_with_the_later_view_and_both_pages():
    first = complaint(raw_shas={"a"})
    later = complaint(raw_shas={"b"}, first_response_at=T0 + timedelta(hours=3), opd_code="DPUPR", attributed_by="akun")
    out = normalise([first, later], registry())
    assert len(out.frame) == 1 and out.frame.iloc[0]["first_response_at"] == (T0 + timedelta(hours=3)).isoformat()
    assert out.lineage[("facebook", "c1")] == {"a", "b"}


def test_accounts_and_routing_rules_import_with_quarantine(warehouse, write_csv):
    import_registry(
        warehouse,
        write_csv(
            "registry.csv",
            """
region_code,region_name,timezone,opd_code,opd_name
52.05,Kabupaten Dompu,Asia/Makassar,DPUPR,Dinas PUPR
52.05,Kabupaten Dompu,Asia/Makassar,DISHUB,Dinas Perhubungan
""",
        ),
    )
    accounts = import_accounts(
        warehouse,
        write_csv(
            "accounts.csv",
            """
region_code,opd_code,platform,account_id
52.05,,facebook,100000000000001
52.05,DPUPR,facebook,100000000000100
52.05,DPUPR,tiktok,dpupr.dompu
52.05,DISPERKIM,x,1500000999
""",
        ),
    )
    rules = import_routing_rules(
        warehouse,
        write_csv(
            "routing_rules.csv",
            """
region_code,keyword,opd_code
52.05,Jalan  Rusak,DPUPR
52.05,lampu jalan,DISHUB
52.05,rumah,
""",
        ),
    )
    assert (accounts.rows_loaded, accounts.rows_quarantined) == (2, 2)
    assert {p.rule for p in accounts.problems} == {"invalid_platform", "unknown_opd"}
    assert (rules.rows_loaded, rules.rows_quarantined) == (2, 1)
    with warehouse.connect() as conn:
        reg = Registry.load(conn)
        central = conn.execute(
            select(schema.account.c.opd_code).where(schema.account.c.account_id == "100000000000001")
        ).scalar_one()
    assert central is None
    assert reg.route("52.05", "JALAN RUSAK parah") == ("DPUPR", "jalan rusak")
    assert reg.route("52.05", "Lampu jalan mati") == ("DISHUB", "lampu jalan")
