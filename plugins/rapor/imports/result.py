"""What an import did, for the command line, the logs and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field


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

    @property
    def rows_quarantined(self) -> int:
        return len({p.row_number for p in self.problems})

    def summary(self) -> str:
        text = (
            f"{self.dataset} {self.file}: {self.rows_total} rows, {self.rows_loaded} loaded, "
            f"{self.rows_quarantined} quarantined"
        )
        rules: dict[str, int] = {}
        for problem in self.problems:
            rules[problem.rule] = rules.get(problem.rule, 0) + 1
        if rules:
            text += " (" + ", ".join(f"{rule}: {n}" for rule, n in sorted(rules.items())) + ")"
        return text
