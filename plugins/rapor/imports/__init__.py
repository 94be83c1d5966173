"""Import of the file formats of SCORING.md §8: registry, complaints, inspections.

Each importer validates a whole file set-wise, quarantines the rows that break a
rule (with the rule, field, file and row), loads the rest idempotently, and records
the file by checksum. Re-importing the same file changes nothing.
"""

from collections.abc import Iterable
from pathlib import Path

from rapor.imports.complaints import import_complaints
from rapor.imports.inspections import import_inspections
from rapor.imports.registry import import_registry
from rapor.imports.result import ImportResult

__all__ = ["ImportResult", "import_complaints", "import_files", "import_inspections", "import_registry"]


def import_files(
    engine,
    registry: Iterable[Path] = (),
    complaints: Iterable[Path] = (),
    inspections: Iterable[Path] = (),
) -> list[ImportResult]:
    """Import in dependency order: the registry first, since the others refer to it."""
    results = [import_registry(engine, p) for p in registry]
    results += [import_complaints(engine, p) for p in complaints]
    results += [import_inspections(engine, p) for p in inspections]
    return results
