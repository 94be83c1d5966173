"""Pseudonyms for identities and redaction of free text (UU 27/2022 PDP; SCORING.md §8)."""

from __future__ import annotations

import pandas as pd
import pytest

from rapor.privacy import pseudonymise, pseudonymise_series, redact, redact_series

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
