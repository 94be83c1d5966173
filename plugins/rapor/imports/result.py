"""What an import did, for the command line, the logs and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# How many quarantined rules a summary names with their row and field.
SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class Problem:
    """One broken rule of one row: the quarantine record of it."""

    row_number: int
    record_key: str
    field: str
    rule: str
    detail: str


@dataclass
class ImportResult:
    dataset: str
    file: str
    rows_total: int = 0
    rows_loaded: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Physical lines after the header, and those that are not rows of their own (for files).
    lines: int | None = None
    lines_in_quoted_cells: int = 0
    blank_lines: int = 0
    # Set when the file was imported before and not read again: when, and its quarantined rows then.
    unchanged_since: datetime | None = None
    quarantined_then: int = 0

    @property
    def rows_quarantined(self) -> int:
        if self.unchanged_since is not None:
            return self.quarantined_then
        return len({p.row_number for p in self.problems})

    def add(self, part: ImportResult, lines) -> None:
        """Add what one chunk of the file did, and its lines (``imports.files.LineCount``)."""
        self.rows_total += part.rows_total
        self.rows_loaded += part.rows_loaded
        self.problems += part.problems
        self.lines = (self.lines or 0) + lines.lines
        self.lines_in_quoted_cells += lines.in_quoted_cells
        self.blank_lines += lines.blank

    @property
    def lines_accounted(self) -> bool:
        """Every physical line is a loaded, quarantined, blank or continuation line."""
        if self.lines is None:
            return True
        return self.rows_total + self.lines_in_quoted_cells + self.blank_lines == self.lines and (
            self.rows_loaded + self.rows_quarantined == self.rows_total
        )

    def summary(self) -> str:
        if self.unchanged_since is not None:
            return (
                f"{self.dataset} {self.file}: unchanged (imported before, last at "
                f"{self.unchanged_since:%Y-%m-%d %H:%M:%S} UTC; the registry has not changed since): "
                f"{self.rows_total} rows, {self.rows_loaded} loaded, {self.rows_quarantined} quarantined then; "
                "nothing written again"
            )
        text = (
            f"{self.dataset} {self.file}: {self.rows_total} rows, {self.rows_loaded} loaded, "
            f"{self.rows_quarantined} quarantined"
        )
        if self.lines is not None and (self.lines_in_quoted_cells or self.blank_lines):
            text += f" ({self.lines} lines: {self.lines_in_quoted_cells} inside quoted cells, {self.blank_lines} blank)"
        rules: dict[str, int] = {}
        for problem in self.problems:
            rules[problem.rule] = rules.get(problem.rule, 0) + 1
        if rules:
            text += " (" + ", ".join(f"{rule}: {n}" for rule, n in sorted(rules.items())) + ")"
        first = sorted(self.problems, key=lambda p: p.row_number)[:SHOWN_PROBLEMS]
        for problem in first:
            where = f"row {problem.row_number}" + (f", field {problem.field}" if problem.field else "")
            text += f"\n  {where}: {problem.rule}: {problem.detail}"
        if len(self.problems) > SHOWN_PROBLEMS:
            text += f"\n  ... and {len(self.problems) - SHOWN_PROBLEMS} more in the quarantine table"
        return text

    def count_lines(self, table) -> None:
        """Take the file's line accounting (``imports.files.LineCount``)."""
        self.lines = table.lines.lines
        self.lines_in_quoted_cells = table.lines.in_quoted_cells
        self.blank_lines = table.lines.blank
