"""The kind of a social-media comment, by the reviewable rules of ``collectors/kind_rules.yaml``.

The table is the review of the rules: each comment is written as citizens write on the
pages and accounts of an OPD (Bahasa Indonesia, informal spellings, Dompu's places), with
the kind a complaint handler would give it and the rule that decides it. Precedence, from
the file: keluhan (pengaduan) > usulan (aspirasi) > pertanyaan (permintaan_informasi) >
harapan (aspirasi) > tanda_tanya (permintaan_informasi); no rule: pengaduan.
"""

from __future__ import annotations

import pytest
import yaml

from rapor.collectors.normalise import KIND_RULES_FILE, classify_kind, kind_rules
from rapor.errors import ConfigError
from rapor.vocabulary import KINDS

PGD, ASP, INF = "pengaduan", "aspirasi", "permintaan_informasi"

# (comment, kind, deciding rule or None for the default): why, when it is not plain.
TABLE = [
    # -- complaints: a complaint word decides, a question mark does not matter
    ("Jalan rusak di Desa Riwo sudah 2 bulan, kapan diperbaiki?", PGD, "keluhan"),  # the example
    ("Lampu jalan depan SDN 3 Dompu mati sdh seminggu, kapan dinyalakan?", PGD, "keluhan"),  # mati
    ("Pak, air PDAM di Kelurahan Bada gak ngalir 3 hari. Gimana ini?", PGD, "keluhan"),  # gak ngalir = tidak ngalir
    ("Sampah di Pasar Raya menumpuk, baunya sampai ke rumah warga", PGD, "keluhan"),  # menumpuk, not "sampah"
    ("Drainase depan rumah saya mampet, tiap hujan banjir", PGD, "keluhan"),
    ("Atap los pasar bocor, pedagang basah kuyup. Tolong perbaiki pak", PGD, "keluhan"),
    ("Ngurus KTP di Disdukcapil lambat sekali, sudah 3 minggu blm jadi", PGD, "keluhan"),
    ("Ada pungli waktu urus surat pindah di kantor desa, diminta 100rb", PGD, "keluhan"),
    ("Kenapa bansos PKH sy blm cair sampai skrg?", PGD, "keluhan"),  # blm cair = belum cair
    ("Petugas puskesmas judes bgt sama pasien lansia", PGD, "keluhan"),
    ("Jembatan di Desa Kiwu retak, bahaya kalau dilewati truk", PGD, "keluhan"),
    ("Antre di RSUD dari jam 7 pagi blm dipanggil, sistemnya error?", PGD, "keluhan"),  # error beats "?"
    ("Laporan saya minggu lalu tdk ada tindakan sama sekali", PGD, "keluhan"),  # tdk ada tindakan
    ("Website pemda nggak bisa dibuka dari kemarin", PGD, "keluhan"),  # nggak bisa = tidak bisa
    ("Jalan ke Doropeti berlubang2, sudah banyak yang jatuh", PGD, "keluhan"),  # reduplication 2
    ("Sudah 4 hari sampah tidak diangkut di Kelurahan Karijawa", PGD, "keluhan"),
    ("Mohon segera ditindaklanjuti, pipa air bersih di Desa Lepadi pecah", PGD, "keluhan"),
    ("Tolong ditertibkan PKL yang jualan di trotoar depan pasar", PGD, "keluhan"),
    ("Balap liar tiap malam minggu di jalan lintas, warga tidak bisa tidur", PGD, "keluhan"),
    ("Pupuk subsidi langka di Kecamatan Woja, petani kecewa", PGD, "keluhan"),
    ("Kapan jalan di Desa Marada diperbaiki? Sudah bertahun-tahun rusak.", PGD, "keluhan"),  # kapan, but rusak
    ("Kok sudah 2 bulan gaji honorer belum dibayar?", PGD, "keluhan"),
    ("Kapan diperbaiki?? Udah lapor dari bulan lalu", PGD, "keluhan"),  # the phrase "kapan diperbaiki"
    ("Usulan musrenbang Desa Kiwu tdk ditindaklanjuti", PGD, "keluhan"),  # keluhan outranks usulan
    ("Tanya dong, kenapa jalan depan kantor desa rusak tdk diperbaiki2?", PGD, "keluhan"),  # tanya, but rusak
    # -- aspirasi: an explicit proposal, even when phrased as a question
    ("Usul pak, jam layanan Disdukcapil dibuka juga hari Sabtu", ASP, "usulan"),
    ("Saran saya, sebaiknya antrean di RSUD pakai nomor online", ASP, "usulan"),
    ("Sebaiknya ada taman bermain anak di Kelurahan Potu", ASP, "usulan"),
    ("Alangkah baiknya kalau info lowongan diumumkan di IG Pemkab juga", ASP, "usulan"),
    ("Usul, apakah bisa dibuka layanan KTP keliling ke desa-desa?", ASP, "usulan"),  # usulan outranks apakah
    ("Bagaimana kalau pasar malam dipindah ke lapangan Manggelewa?", ASP, "usulan"),
    ("Mohon dipertimbangkan penambahan armada angkutan sampah", ASP, "usulan"),  # "sampah" is a topic
    ("Saran: tempat sampah di taman kota ditambah", ASP, "usulan"),
    # -- aspirasi: a wish, when no complaint, proposal or question word is there
    ("Mohon jam layanan puskesmas diperpanjang sampai sore", ASP, "harapan"),
    ("Semoga ke depan pelayanan perizinan bisa lewat aplikasi", ASP, "harapan"),
    ("Mohon layanan KIA bisa online supaya warga Desa Calabai tidak bolak-balik", ASP, "harapan"),
    # -- information requests
    ("Mohon info syarat membuat akta kelahiran", INF, "pertanyaan"),
    ("Mhn infonya, jam buka kantor Disdukcapil hari Sabtu?", INF, "pertanyaan"),  # mhn infonya = mohon informasinya
    ("Bagaimana cara daftar BPJS PBI untuk lansia?", INF, "pertanyaan"),
    ("Gmn caranya urus izin usaha lewat OSS?", INF, "pertanyaan"),  # gmn caranya = bagaimana cara + nya
    ("Kapan jadwal pengangkutan sampah di Kelurahan Bada?", INF, "pertanyaan"),  # "sampah" is a topic
    ("Berapa biaya bikin SIM di Dompu?", INF, "pertanyaan"),
    ("Dimana tempat vaksin untuk anak sekolah?", INF, "pertanyaan"),  # dimana = di mana
    ("Apakah pembuatan KTP dipungut biaya?", INF, "pertanyaan"),
    ("Syarat pindah domisili apa saja ya", INF, "pertanyaan"),  # no question mark needed
    ("Bagaimana caranya supaya dapat bantuan PKH?", INF, "pertanyaan"),  # pertanyaan outranks harapan
    ("Numpang tanya, pendaftaran CPNS tahun ini dibuka kpn", INF, "pertanyaan"),
    ("Bisakah KK diurus di kantor kecamatan?", INF, "tanda_tanya"),  # a question, no word of a rule
    # -- nothing matches: the default
    ("PKL menutup trotoar di Kelurahan Potu", PGD, None),
    ("@pemkabdompu https://t.co/x?ref=1 ternak berkeliaran di jalan Desa Soriutu", PGD, None),  # a link's "?"
]


def test_the_table_holds_at_least_forty_comments_of_every_kind():
    assert len(TABLE) >= 40
    assert {kind for _, kind, _ in TABLE} == set(KINDS)


@pytest.mark.parametrize(("comment", "kind", "rule"), TABLE, ids=[f"{i:02d}" for i in range(len(TABLE))])
def test_each_comment_gets_the_kind_a_complaint_handler_would_give_it_by_the_expected_rule(comment, kind, rule):
    decided = kind_rules().rule_for(comment)
    assert (classify_kind(comment), decided.name if decided else None) == (kind, rule)


def test_a_complaint_that_asks_when_it_will_be_fixed_is_a_pengaduan_not_a_question():
    # Issue 9 item 2: the question mark used to make this a permintaan_informasi.
    assert classify_kind("Jalan rusak di Desa Riwo sudah 2 bulan, kapan diperbaiki?") == "pengaduan"


def test_regional_spellings_are_read_as_their_standard_words():
    rules = kind_rules()
    assert rules.words("Lampu gak nyala, blm diperbaiki") == "lampu tidak nyala | belum diperbaiki"
    assert rules.words("Mhn infonya dmn tempatnya") == "mohon informasinya di mana tempatnya"
    assert rules.words("@dpupr_dompu JLN berlubang2 https://t.co/abc") == "jalan berlubang"


def test_a_phrase_matches_whole_words_only_with_an_optional_clitic():
    rules = kind_rules()
    assert rules.rule_for("Usulan warga").name == "usulan"  # "usulan" is its own phrase ...
    assert rules.rule_for("Pengusul kegiatan") is None  # ... but "usul" is not inside "pengusul"
    assert rules.rule_for("Rusaknya sudah lama").name == "keluhan"  # rusak + nya
    assert rules.rule_for("Matikan dulu mesinnya") is None  # "mati" is not inside "matikan"


def test_the_rules_file_names_every_rule_once_in_its_precedence_with_known_kinds():
    data = yaml.safe_load(KIND_RULES_FILE.read_text(encoding="utf-8"))
    assert sorted(data["precedence"]) == sorted(data["rules"])
    assert [rule.name for rule in kind_rules().rules] == data["precedence"]
    assert {rule.kind for rule in kind_rules().rules} | {data["default"]} <= set(KINDS)
    assert data["precedence"][0] == "keluhan" and data["default"] == "pengaduan"


def test_a_phrase_listed_under_two_rules_is_refused_when_the_file_is_read(tmp_path):
    data = yaml.safe_load(KIND_RULES_FILE.read_text(encoding="utf-8"))
    data["rules"]["pertanyaan"]["phrases"].append("tdk jelas")  # = "tidak jelas", already a keluhan
    path = tmp_path / "kind_rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="'tidak jelas' is in rules 'keluhan' and 'pertanyaan'"):
        kind_rules(path)


def test_a_rule_of_an_unknown_kind_is_refused_when_the_file_is_read(tmp_path):
    data = yaml.safe_load(KIND_RULES_FILE.read_text(encoding="utf-8"))
    data["rules"]["harapan"]["kind"] = "keluhan"
    path = tmp_path / "kind_rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="kind 'keluhan' is not one of"):
        kind_rules(path)
