"""Pseudonymisation and redaction of personal data, applied on the way in.

UU 27/2022 (PDP) binds the regions: complainants' names, phone numbers, NIK and
account handles must never reach scorecards, logs or exports. Identities become a
keyed HMAC (stable per installation, so the same reporter links across complaints
without being named); free text keeps its meaning with the identifiers masked.

The key is a keyring, oldest key first: a pseudonym is the HMAC under the first key, keyed
again (``rekeyed``) under each later one. Adding a key therefore re-keys every stored
pseudonym without the identities (``rapor rekey-pseudonyms``: rapor.warehouse.pseudonyms),
and the same reporter keeps one pseudonym across the rotation; a leaked old key alone no
longer links a guessed identity to a stored pseudonym. With one key (every installation
before its first rotation) the pseudonym is the plain HMAC under it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

import pandas as pd

Keys = bytes | Sequence[bytes]  # one key, or a keyring oldest first (rapor.config.pseudonym_keys)
PSEUDONYM_HEX = 24  # p-<24 hex digits>
_FINGERPRINT_LABEL = b"rapor pseudonym key fingerprint"

# E-mail in any case, also written "name [at] host [dot] id" or with spaces around the @.
_EMAIL = re.compile(
    r"[\w.+-]+(?:@|\s@\s|\s?\[at\]\s?|\s?\(at\)\s?)[\w-]+(?:(?:\.|\s?\[dot\]\s?|\s?\(dot\)\s?)[\w-]+)+",
    re.IGNORECASE,
)
# A run of digits in groups: 5205 0101 0101 0001, +62-812-3456-7890, (0370) 631234, 0812.3456.7890.
# A label may be glued in front ("NIK:5205...", "telp0812...", "WA+62..."): no digit before it.
_DIGITS = re.compile(r"(?<![\d])(?:\+\s?)?\(?\d+\)?(?:(?:[ .\-/]{1,2}|(?<=\)))\(?\d+\)?)*(?!\d)")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")


def _digits_token(match: re.Match) -> str:
    """[NIK] for 16 digits, [TELEPON] for an Indonesian number, [ANGKA] for another long number."""
    text = match.group(0)
    digits = re.sub(r"\D", "", text)
    glued = match.start() > 0 and match.string[match.start() - 1].isalpha()
    if len(digits) == 16:
        return "[NIK]"
    if 9 <= len(digits) <= 14 and (digits.startswith("0") or digits.startswith("62") or text.startswith("+")):
        return "[TELEPON]"
    if len(digits) >= 9 and not glued:
        # Foreign phone numbers, card or social-security numbers. A date (8 digits) or a short number stays.
        return "[ANGKA]"
    return text


def _mask(text: str) -> str:
    text = _EMAIL.sub("[EMAIL]", text)
    text = _DIGITS.sub(_digits_token, text)
    return _HANDLE.sub("[AKUN]", text)


_PHONE_LIKE = re.compile(r"[\d\s+().-]{8,}")


def keyring(key: Keys) -> tuple[bytes, ...]:
    """A key or keyring as a keyring (oldest first)."""
    keys = (key,) if isinstance(key, bytes) else tuple(key)
    if not keys:
        raise ValueError("an empty pseudonym keyring")
    return keys


def key_fingerprint(key: bytes) -> str:
    """A key's name that is safe to store and log (an HMAC of a fixed label: reveals nothing of it)."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def rekeyed(value: str, key: bytes) -> str:
    """A stored pseudonym (``p-…``) or complaint reference (``k-…``) keyed again under ``key``."""
    prefix, _, digest = value.partition("-")
    return f"{prefix}-" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[: len(digest)]


def chained(value: str, keys: Sequence[bytes]) -> str:
    """``value`` keyed again under each of ``keys`` in turn."""
    for key in keys:
        value = rekeyed(value, key)
    return value


def pseudonymise(value: str | None, key: Keys) -> str | None:
    """A stable pseudonym for an identity (name, phone number, account handle)."""
    if value is None:
        return None
    normalised = " ".join(str(value).split()).casefold()
    if not normalised:
        return None
    if _PHONE_LIKE.fullmatch(normalised):
        # 0812-3456-7890, +62 812 3456 7890 and 081234567890 are one person.
        digits = re.sub(r"\D", "", normalised)
        normalised = "0" + digits[2:] if digits.startswith("62") else digits
    first, *later = keyring(key)
    digest = hmac.digest(first, normalised.encode("utf-8"), hashlib.sha256).hex()
    return chained(f"p-{digest[:PSEUDONYM_HEX]}", later)


def redact(text: str | None) -> str | None:
    """Mask e-mail addresses, NIK, phone numbers, long numbers and @handles in free text."""
    if text is None:
        return None
    return _mask(text)


# Timestamps in a cell (2026-10-05 09:30:00+08:00, 31/08/2026 14.20) are not personal data.
_TIMESTAMP = re.compile(
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})(?:[T ]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?)?"
    r"\s*(?:[zZ]|[+-]\d{2}:?\d{2})?"
)
# Two or more words with small letters (as a name is typed: "Budi Santoso", "siti aminah") in a
# cell meant for a code: the shape of a shifted column, masked whole. Codes ("DPU PR") stay.
_WORDS = re.compile(r"(?=.*[a-z])[^\W\d_]{2,}(?:[\s.,']+[^\W\d_]+)+", re.DOTALL)


def mask_cell(value: str) -> str:
    """A cell of a quarantined row as it may be stored: identifiers and name-like words masked.

    Used for every cell of a row that is kept for review (not only the reporter and the
    text): when a file's columns are shifted, a name or phone number can sit in any of them.
    """
    if _TIMESTAMP.fullmatch(value.strip()):
        return value
    masked = _mask(value)
    return "[TEKS]" if _WORDS.fullmatch(masked.strip()) else masked


def _per_distinct(values: pd.Series, function) -> pd.Series:
    """``function`` of each text of a column, computed once per distinct text; None elsewhere."""
    is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    out = pd.Series(None, index=values.index, dtype=object)
    if is_text.any():
        texts = values[is_text]
        distinct = pd.unique(texts.to_numpy())
        out[is_text] = texts.map(dict(zip(distinct, map(function, distinct), strict=True)))
    return out


def pseudonymise_series(values: pd.Series, key: Keys) -> pd.Series:
    """``pseudonymise`` of a column (a reporter is hashed once however many complaints name them)."""
    keys = keyring(key)
    return _per_distinct(values, lambda v: pseudonymise(v, keys))


# Text that can hold nothing _mask changes: no digit, no @, no "[at]" / "(at)".
_MAYBE_PERSONAL = re.compile(r"[\d@]|[\[(]at[\])]", re.IGNORECASE)


def _mask_if_needed(text: str) -> str:
    return _mask(text) if _MAYBE_PERSONAL.search(text) else text


def redact_series(values: pd.Series) -> pd.Series:
    """Redaction of a text column (None stays None), once per distinct text."""
    return _per_distinct(values, _mask_if_needed).where(values.notna(), None)
