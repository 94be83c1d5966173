"""Pseudonyms for identities and redaction of free text (UU 27/2022 PDP; SCORING.md §8)."""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd
import pytest

from rapor.privacy import (
    chained,
    key_fingerprint,
    mask_cell,
    pseudonymise,
    pseudonymise_series,
    redact,
    redact_series,
    rekeyed,
)

KEY = b"installation-key-1"
OTHER_KEY = b"installation-key-2"


# --- pseudonymise -------------------------------------------------------------------------------------


def test_pseudonym_is_stable_for_the_same_identity_and_key():
    assert pseudonymise("Budi Santoso", KEY) == pseudonymise("Budi Santoso", KEY)


def test_pseudonym_depends_on_the_key():
    # Keyed: another installation (another key) cannot link its reporters to ours.
    assert pseudonymise("Budi Santoso", KEY) != pseudonymise("Budi Santoso", OTHER_KEY)
    assert pseudonymise("081234567890", KEY) != pseudonymise("081234567890", OTHER_KEY)


def test_different_identities_get_different_pseudonyms():
    assert pseudonymise("Budi Santoso", KEY) != pseudonymise("Siti Aminah", KEY)
    assert pseudonymise("081234567890", KEY) != pseudonymise("081234567891", KEY)


@pytest.mark.parametrize(
    "written",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "+6281234567890",
        "+62 812 3456 7890",
        "+62 812-3456-7890",
        "62 812 3456 7890",
        "(0812) 3456-7890",
        " 0812 3456 7890 ",
    ],
)
def test_the_same_phone_number_written_differently_is_one_pseudonym(written):
    assert pseudonymise(written, KEY) == pseudonymise("081234567890", KEY)


def test_the_same_name_with_other_case_or_spacing_is_one_pseudonym():
    assert pseudonymise("  budi   SANTOSO ", KEY) == pseudonymise("Budi Santoso", KEY)


def test_pseudonym_does_not_contain_the_identity():
    for identity in ("Budi Santoso", "081234567890", "@budisantoso88"):
        pseudonym = pseudonymise(identity, KEY)
        assert identity.lower() not in pseudonym.lower()
        assert "1234567890" not in pseudonym


def test_empty_identity_has_no_pseudonym():
    assert pseudonymise(None, KEY) is None
    assert pseudonymise("", KEY) is None
    assert pseudonymise("   ", KEY) is None


def test_pseudonymise_series_matches_the_scalar_and_keeps_missing_missing():
    values = pd.Series(["Budi Santoso", None, "0812-3456-7890"])
    out = pseudonymise_series(values, KEY)
    assert out[0] == pseudonymise("Budi Santoso", KEY)
    assert pd.isna(out[1])
    assert out[2] == pseudonymise("081234567890", KEY)


# --- redact --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "+6281234567890",
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "62812 3456 7890",
        "0857 1234 567",
        "0370-631234",
    ],
)
def test_redact_masks_indonesian_phone_numbers(phone):
    out = redact(f"tolong hubungi {phone} segera")
    assert phone not in out
    assert out.startswith("tolong hubungi ") and out.endswith(" segera")
    assert not any(ch.isdigit() for ch in out)


def test_redact_masks_a_landline_with_area_code_in_parentheses():
    # (0370) is Mataram's area code: a common way to write a home number.
    out = redact("telepon rumah saya (0370) 631234")
    assert "631234" not in out


def test_redact_masks_a_16_digit_nik():
    assert redact("NIK saya 5271012345670001.") == "NIK saya [NIK]."


def test_redact_masks_e_mail_addresses():
    out = redact("kirim ke budi.santoso+lapor@example.co.id ya")
    assert out == "kirim ke [EMAIL] ya"


def test_redact_masks_account_handles():
    out = redact("sudah saya tag @budisantoso88 dan @dishub_mataram")
    assert "@budisantoso88" not in out and "@dishub_mataram" not in out


@pytest.mark.parametrize(
    "text",
    [
        "jalan rusak di km 12",
        "sejak tahun 2026",
        "RT 03 RW 05",
        "jam 08.30 pagi",
        "biaya Rp 150.000",
        "tanggal 05-10-2026",
        "nomor rumah 45",
        "antre 3 jam, loket 2",
    ],
)
def test_redact_leaves_ordinary_numbers_alone(text):
    assert redact(text) == text


def test_redact_keeps_the_meaning_of_the_text():
    text = "Lampu jalan mati di km 12 sejak Senin, hubungi 0812-3456-7890 atau budi@mail.id"
    assert redact(text) == "Lampu jalan mati di km 12 sejak Senin, hubungi [TELEPON] atau [EMAIL]"


def test_redact_series_matches_the_scalar_and_keeps_missing_as_none():
    values = pd.Series(["hubungi 0812-3456-7890", None, "km 12"])
    assert list(redact_series(values)) == [redact("hubungi 0812-3456-7890"), None, "km 12"]


# --- Indonesian spellings of personal data (issue 14): every one masked, the words around kept ----------

SPELLINGS = [
    # NIK, whole or grouped as printed on the KTP, glued to its label
    ("NIK 5205010101010001", "[NIK]"),
    ("NIK 5205 0101 0101 0001", "[NIK]"),
    ("NIK 5205-0101-0101-0001", "[NIK]"),
    ("NIK 5205.0101.0101.0001", "[NIK]"),
    ("NIK 520501 010101 0001", "[NIK]"),
    ("NIK:5205010101010001", "[NIK]"),
    ("NIK: 5205 0101 0101 0001", "[NIK]"),
    ("nik5205010101010001", "[NIK]"),
    ("No.KTP 5205010101010001", "[NIK]"),
    ("NIK:5205010101010001;telp:081234567890", "[NIK]"),
    # mobile numbers
    ("telp 081234567890", "[TELEPON]"),
    ("telp:081234567890", "[TELEPON]"),
    ("telp0812-3456-7890", "[TELEPON]"),
    ("HP 0812 3456 7890", "[TELEPON]"),
    ("hp.0812.3456.7890", "[TELEPON]"),
    ("WA +6281234567890", "[TELEPON]"),
    ("WA+62 812 3456 7890", "[TELEPON]"),
    ("wa +62-812-3456-7890", "[TELEPON]"),
    ("no +62 812-3456-7890", "[TELEPON]"),
    ("no 62-812-3456-7890", "[TELEPON]"),
    ("no 6281234567890", "[TELEPON]"),
    ("no (0812) 3456 7890", "[TELEPON]"),
    ("no +62 (812) 3456 7890", "[TELEPON]"),
    ("no 0857 1234 567", "[TELEPON]"),
    ("no 0812/3456/7890", "[TELEPON]"),
    # landlines
    ("kantor (0370) 631234", "[TELEPON]"),
    ("kantor 0370-631234", "[TELEPON]"),
    ("kantor 021 555 1234", "[TELEPON]"),
    ("kantor (021)5551234", "[TELEPON]"),
    # e-mail in every case and spelling
    ("surel budi.santoso@gmail.com", "[EMAIL]"),
    ("surel BUDI.SANTOSO@GMAIL.COM", "[EMAIL]"),
    ("surel Budi_Santoso88@Yahoo.Co.Id", "[EMAIL]"),
    ("surel budi+lapor@mail.dompukab.go.id", "[EMAIL]"),
    ("surel budi @ gmail.com", "[EMAIL]"),
    ("surel budi[at]gmail.com", "[EMAIL]"),
    ("surel budi (at) gmail (dot) com", "[EMAIL]"),
    ("surel budi [at] gmail [dot] com", "[EMAIL]"),
    ("email:budi@gmail.com;hp:0812", "[EMAIL]"),
    # handles
    ("akun @budisantoso88", "[AKUN]"),
    ("akun @budi.santoso_", "[AKUN]"),
    # foreign or unlabelled long numbers
    ("rekening 1234567890123", "[ANGKA]"),
    ("paspor +1 415 555 2671", "[TELEPON]"),
]


@pytest.mark.parametrize(("written", "token"), SPELLINGS)
def test_redact_masks_indonesian_spellings_of_personal_data(written, token):
    out = redact(f"mohon dibantu, {written} terima kasih")
    assert token in out
    assert out.startswith("mohon dibantu, ") and out.endswith(" terima kasih")
    # No run of 5+ digits, no '@' with a name, survives.
    assert not re.search(r"\d{5,}", re.sub(r"\D", "", out.split(", ", 1)[1])) or token == "[EMAIL]"
    assert "santoso@" not in out.lower() and "[at]gmail" not in out.lower()


def test_the_spelling_table_is_large():
    assert len(SPELLINGS) >= 40


def test_glued_nik_and_phone_are_both_masked():
    assert redact("NIK:5205010101010001;telp:081234567890") == "NIK:[NIK];telp:[TELEPON]"


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("Budi Santoso", "[TEKS]"),
        ("siti aminah", "[TEKS]"),
        ("0812-3456-7890", "[TELEPON]"),
        ("5205 0101 0101 0001", "[NIK]"),
        ("BUDI@GMAIL.COM", "[EMAIL]"),
        ("DPU PR", "DPU PR"),
        ("pengaduaan", "pengaduaan"),
        ("52.05", "52.05"),
        ("2026-10-05 09:30:00+08:00", "2026-10-05 09:30:00+08:00"),
        ("31/08/2026 14.20", "31/08/2026 14.20"),
        ("", ""),
    ],
)
def test_a_quarantined_cell_keeps_codes_and_times_but_no_identity(cell, stored):
    assert mask_cell(cell) == stored


def test_an_e_mail_at_the_end_of_a_sentence_keeps_the_next_word():
    assert redact("surel budi@mail.id. Saya tunggu") == "surel [EMAIL]. Saya tunggu"


# --- the keyring: rotation without the identities ---------------------------------------------------


def test_a_keyring_of_one_key_gives_the_plain_hmac_of_that_key():
    assert pseudonymise("Budi Santoso", [KEY]) == pseudonymise("Budi Santoso", KEY)
    assert pseudonymise("Budi Santoso", KEY) == "p-" + hmac.new(KEY, b"budi santoso", hashlib.sha256).hexdigest()[:24]


def test_a_rotated_keyring_gives_the_stored_pseudonym_keyed_again_under_the_new_key():
    stored = pseudonymise("0812-3456-7890", KEY)
    rotated = pseudonymise("081234567890", [KEY, OTHER_KEY])
    assert rotated == rekeyed(stored, OTHER_KEY) == chained(stored, [OTHER_KEY])
    assert re.fullmatch(r"p-[0-9a-f]{24}", rotated)
    # Neither the old key nor the new one alone gives it.
    assert rotated not in (stored, pseudonymise("081234567890", OTHER_KEY))
    assert pseudonymise_series(pd.Series(["081234567890"]), (KEY, OTHER_KEY)).tolist() == [rotated]


def test_a_key_fingerprint_names_the_key_without_revealing_it():
    assert key_fingerprint(KEY) == key_fingerprint(b"installation-key-1") != key_fingerprint(OTHER_KEY)
    assert re.fullmatch(r"[0-9a-f]{16}", key_fingerprint(KEY)) and b"installation" not in key_fingerprint(KEY).encode()
