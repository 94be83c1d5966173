"""Text cells that are safe to open in a spreadsheet (CSV/formula injection, OWASP).

A text cell starting with ``=`` ``+`` ``-`` ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(…)``, ``+cmd|…``,
``@SUM(…)``). Complaint data comes from the public: an OPD name, an id or a text may carry
one. Every CSV and workbook Rapor writes passes its TEXT cells through ``safe_text``, which
prefixes such a cell with an apostrophe (shown as text, never evaluated). Numeric cells are
written as numbers and left alone: ``-2.50`` in a number column is a number.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` as a spreadsheet shows it literally (an apostrophe before a formula trigger)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def safe_cell(value):
    """A workbook cell: strings made safe, numbers, dates and None as they are."""
    return safe_text(value) if isinstance(value, str) else value
