"""Where Rapor writes its files: the one map of the output folder.

    <output>/scorecards/<region>/scorecard-YYYY-MM.csv      the §7 scorecard of the monthly DAG
    <output>/scorecards/<region>/quality-YYYY-MM.json|.html the data-quality summary beside it
    <output>/scorecards/<region>/quality-YYYY-MM/index.html the month's GX Data Docs
    <output>/published/<region>/<YYYY-MM>/r<N>/             a published revision (never overwritten)
    <output>/early-warning/<region>/<YYYY-MM-DD>/<opd>.csv|.json  the morning's early warning per OPD
    <output>/public/<region>/                               the public open-data site (passed revisions)

``<output>`` is ``config.output_dir()`` unless a caller names another folder.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rapor import config
from rapor.scoring.periods import Period


def scorecard_path(region_code: str, period: Period, out_dir: Path | None = None) -> Path:
    """``<output>/scorecards/<region>/scorecard-YYYY-MM.csv``; ``out_dir`` replaces ``<output>/scorecards``."""
    return (out_dir or config.output_dir() / "scorecards") / region_code / f"scorecard-{period}.csv"


def docs_index(docs_dir: Path) -> Path:
    """The front page of a GX Data Docs site."""
    return docs_dir / "index.html"


@dataclass(frozen=True)
class QualityPaths:
    """Where a month's quality files live, beside its scorecard CSV."""

    docs_dir: Path  # GX Data Docs site: quality-YYYY-MM/index.html
    summary_json: Path  # quality-YYYY-MM.json
    summary_html: Path  # quality-YYYY-MM.html (verdict, coverage, link to the Data Docs)

    @property
    def docs_index(self) -> Path:
        return docs_index(self.docs_dir)


def quality_paths(region_code: str, period: Period, out_dir: Path | None = None) -> QualityPaths:
    """The quality files of (region, month); ``out_dir`` as for :func:`scorecard_path`."""
    folder = scorecard_path(region_code, period, out_dir).parent
    return QualityPaths(
        folder / f"quality-{period}", folder / f"quality-{period}.json", folder / f"quality-{period}.html"
    )


def published_root(out_dir: Path | None = None) -> Path:
    """``<output>/published``; ``out_dir`` replaces ``<output>``."""
    return Path(out_dir or config.output_dir()) / "published"


def revision_folder(region_code: str, period: str, revision: int, out_dir: Path | None = None) -> Path:
    """``<output>/published/<region>/<YYYY-MM>/r<N>``."""
    return published_root(out_dir) / region_code / str(period) / f"r{revision}"


def early_warning_folder(region_code: str, day, out_dir: Path | None = None) -> Path:
    """``<output>/early-warning/<region>/<YYYY-MM-DD>``: one CSV and one JSON file per OPD."""
    return Path(out_dir or config.output_dir()) / "early-warning" / region_code / str(day)


def public_root(out_dir: Path | None = None) -> Path:
    """``<output>/public``: one static site per region, for any web host."""
    return Path(out_dir or config.output_dir()) / "public"


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write a file of the output folder whole or not at all (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)
