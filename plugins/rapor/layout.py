"""Where Rapor writes its files: the one map of the output folder.

    <output>/scorecards/<region>/scorecard-YYYY-MM.csv      the §7 scorecard of the monthly DAG
    <output>/scorecards/<region>/quality-YYYY-MM.json|.html the data-quality summary beside it
    <output>/scorecards/<region>/quality-YYYY-MM/index.html the month's GX Data Docs
    <output>/gx/<region>/<YYYY-MM>/validations/             its GX validation results (output store on a URL only)
    <output>/published/<region>/<YYYY-MM>/r<N>/             a published revision (never overwritten)
    <output>/early-warning/<region>/<YYYY-MM-DD>/<opd>.csv|.json  the morning's early warning per OPD
    <output>/public/<region>/                               the public open-data site (passed revisions)

``<output>`` is ``config.output_dir()`` unless a caller names another folder: the output store,
a local folder (every location a ``Path``) or an fsspec URL (every location a ``UPath``); the
files are the same bytes in either (``rapor.storage`` writes and copies them).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapor import config
from rapor.scoring.periods import Period
from rapor.storage import Location, location


def _root(out_dir: Location | str | None) -> Location:
    return location(out_dir) if out_dir else config.output_dir()


def scorecard_path(region_code: str, period: Period, out_dir: Location | None = None) -> Location:
    """``<output>/scorecards/<region>/scorecard-YYYY-MM.csv``; ``out_dir`` replaces ``<output>/scorecards``."""
    folder = location(out_dir) if out_dir else config.output_dir() / "scorecards"
    return folder / region_code / f"scorecard-{period}.csv"


def docs_index(docs_dir: Location) -> Location:
    """The front page of a GX Data Docs site."""
    return docs_dir / "index.html"


@dataclass(frozen=True)
class QualityPaths:
    """Where a month's quality files live, beside its scorecard CSV."""

    docs_dir: Location  # GX Data Docs site: quality-YYYY-MM/index.html
    summary_json: Location  # quality-YYYY-MM.json
    summary_html: Location  # quality-YYYY-MM.html (verdict, coverage, link to the Data Docs)

    @property
    def docs_index(self) -> Location:
        return docs_index(self.docs_dir)


def quality_paths(region_code: str, period: Period, out_dir: Location | None = None) -> QualityPaths:
    """The quality files of (region, month); ``out_dir`` as for :func:`scorecard_path`."""
    folder = scorecard_path(region_code, period, out_dir).parent
    return QualityPaths(
        folder / f"quality-{period}", folder / f"quality-{period}.json", folder / f"quality-{period}.html"
    )


def gx_results_folder(region_code: str, period: Period, out_dir: Location | None = None) -> Location:
    """``<output>/gx/<region>/<YYYY-MM>/validations``: the month's GX validation results, which its Data Docs
    list, kept in an output store on a URL so that a gate on any worker lists every run of the month."""
    return _root(out_dir) / "gx" / region_code / str(period) / "validations"


def published_root(out_dir: Location | None = None) -> Location:
    """``<output>/published``; ``out_dir`` replaces ``<output>``."""
    return _root(out_dir) / "published"


def revision_folder(region_code: str, period: str, revision: int, out_dir: Location | None = None) -> Location:
    """``<output>/published/<region>/<YYYY-MM>/r<N>``."""
    return published_root(out_dir) / region_code / str(period) / f"r{revision}"


def early_warning_folder(region_code: str, day, out_dir: Location | None = None) -> Location:
    """``<output>/early-warning/<region>/<YYYY-MM-DD>``: one CSV and one JSON file per OPD."""
    return _root(out_dir) / "early-warning" / region_code / str(day)


def public_root(out_dir: Location | None = None) -> Location:
    """``<output>/public``: one static site per region, for any web host."""
    return _root(out_dir) / "public"
