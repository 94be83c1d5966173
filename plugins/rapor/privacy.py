"""Pseudonymisation and redaction of personal data, applied on the way in.

UU 27/2022 (PDP) binds the regions: complainants' names, phone numbers, NIK and
account handles must never reach scorecards, logs or exports. Identities become a
keyed HMAC (stable per installation, so the same reporter links across complaints
without being named); free text keeps its meaning with the identifiers masked.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pandas as pd

# Order matters: NIK (16 digits) before phone numbers, e-mail before handles.
_PATTERNS = (
    ("[EMAIL]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[NIK]", re.compile(r"(?<!\d)\d{16}(?!\d)")),
    # Indonesian mobile/landline numbers: +62 / 62 / 0 prefix, digits with optional separators.
    ("[TELEPON]", re.compile(r"(?<![\w])(?:\+?62|0)[\s.-]?\d{2,4}(?:[\s.-]?\d{2,4}){2,3}(?!\d)")),
    # A landline with its area code in brackets: (0370) 631234.
    ("[TELEPON]", re.compile(r"\(\s*0\d{2,3}\s*\)[\s.-]?\d{3,4}[\s.-]?\d{0,4}(?!\d)")),
    # Any other run of 9+ digits, possibly in groups (foreign phone numbers, card or
    # social-security numbers). A date (8 digits) or a short number stays.
    ("[ANGKA]", re.compile(r"(?<![\d\w])(?=(?:\d[\s.-]?){9,})\d{2,}(?:[\s.-]\d{2,})*(?!\d)")),
    ("[AKUN]", re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")),
)


_PHONE_LIKE = re.compile(r"[\d\s+().-]{8,}")


def pseudonymise(value: str | None, key: bytes) -> str | None:
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
    digest = hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"p-{digest[:24]}"


def redact(text: str | None) -> str | None:
    """Mask e-mail addresses, NIK, phone numbers, long numbers and @handles in free text."""
    if text is None:
        return None
    for token, pattern in _PATTERNS:
        text = pattern.sub(token, text)
    return text


def pseudonymise_series(values: pd.Series, key: bytes) -> pd.Series:
    return values.map(lambda v: pseudonymise(v, key) if isinstance(v, str) else None)


def redact_series(values: pd.Series) -> pd.Series:
    """Vectorised redaction of a text column (pandas' regex replace per pattern)."""
    out = values.astype("string")
    for token, pattern in _PATTERNS:
        out = out.str.replace(pattern, token, regex=True)
    return out.astype(object).where(out.notna(), None)
