"""Running the Great Expectations suites of ``expectations/`` on pandas DataFrames.

The suites, validation definitions and checkpoints are JSON files reviewed like code
(``config.expectations_dir()``). Rapor never runs that folder in place: each run copies
it into a working folder (``var/gx/<region>/<month>/``) whose Data Docs site points at
the month's folder beside the scorecards, so that parallel regions never write the
same files and the committed project never changes at run time. The working folder
keeps its validation results, so a month's Data Docs list every run of that month
(a held run, then the re-run that released it); with the output store on a URL, the gate
keeps them in the store as well, for a run on another worker (``rapor.quality.gate``).

Data reaches GX only as DataFrames that Rapor read from the warehouse through
SQLAlchemy: no connection string is ever written into a GX file.

Great Expectations takes seconds to import: it is imported inside ``run_suites`` only,
never when this module is imported (the DAG file imports neither).
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from rapor import config
from rapor.errors import ConfigError
from rapor.quality.datadocs import localise_site

log = logging.getLogger(__name__)

SUITES = ("raw_landing", "complaints", "inspections", "scorecards", "coverage")
GATE_SUITES = ("complaints", "inspections", "scorecards", "coverage")  # the monthly gate
SEVERITIES = ("critical", "warning")
DOCS_SITE = "rapor_month"
_COMMITTED = ("expectations", "validation_definitions", "checkpoints")
_EXAMPLES = 5  # unexpected values quoted per failure
# Columns that name a row of each suite's frame, quoted with a failure so it can be found.
ROW_KEYS = {
    "raw_landing": ("source", "page_id", "record_id"),
    "complaints": ("source", "complaint_id"),
    "inspections": ("opd_code", "inspected_on", "indicator"),
    "scorecards": ("opd_code",),
    "coverage": ("source",),
}


@dataclass(frozen=True)
class Finding:
    """One failed expectation: what it checks, how bad, and what was seen."""

    suite: str
    rule: str
    expectation: str
    column: str | None
    severity: str
    detail: str
    label: str = ""  # what the rule checks, in Bahasa Indonesia (the suite's ``meta.label_id``)

    def as_record(self) -> dict:
        """The JSON form stored in ``quality_gate.critical_failures`` / ``warnings``."""
        return {
            "suite": self.suite,
            "rule": self.rule,
            "expectation": self.expectation,
            "column": self.column,
            "detail": self.detail,
            "label": self.label,
        }


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    evaluated: int
    failures: list[Finding] = field(default_factory=list)

    @property
    def critical(self) -> list[Finding]:
        return [f for f in self.failures if f.severity == "critical"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.failures if f.severity != "critical"]

    @property
    def passed(self) -> bool:
        """No critical expectation failed (warnings do not fail a suite)."""
        return not self.critical


def suite_file(name: str, project_dir: Path | None = None) -> Path:
    return (project_dir or config.expectations_dir()) / "expectations" / f"{name}.json"


def prepare_workspace(work_dir: Path, docs_dir: Path | None = None, project_dir: Path | None = None) -> Path:
    """Copy the committed GX project into ``work_dir``; its Data Docs go to ``docs_dir``.

    The committed files are copied afresh every time (a run always uses the reviewed
    suites); ``uncommitted/`` (validation results) is kept.
    """
    project_dir = project_dir or config.expectations_dir()
    source_yml = project_dir / "great_expectations.yml"
    if not source_yml.is_file():
        raise ConfigError(f"the data-quality gate's GX project is missing: {source_yml} (set RAPOR_EXPECTATIONS_DIR)")
    work_dir.mkdir(parents=True, exist_ok=True)
    for sub in _COMMITTED:
        shutil.rmtree(work_dir / sub, ignore_errors=True)
        shutil.copytree(project_dir / sub, work_dir / sub)
    settings = yaml.safe_load(source_yml.read_text(encoding="utf-8"))
    docs = docs_dir or work_dir / "uncommitted" / "data_docs"
    settings["data_docs_sites"] = {
        DOCS_SITE: {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs) + os.sep},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    (work_dir / "great_expectations.yml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return work_dir


def _plain(value):
    """A value from a GX result as short JSON-able text."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "item") and not hasattr(value, "isoformat"):  # numpy scalars
        try:
            return _plain(value.item())
        except (ValueError, TypeError):
            pass
    if isinstance(value, float):
        return round(value, 6)
    return str(value)


def _column_of(kwargs: Mapping) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if kwargs.get("column_list"):
        return ", ".join(kwargs["column_list"])
    return None


def _exception_message(info: Mapping | None) -> str | None:
    """GX reports an exception either flat or keyed by the metric that raised it."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _rows_named(frame, suite: str, positions) -> str:
    """The key columns of the first unexpected rows, e.g. ``lapor/LAPOR-000012``."""
    keys = [k for k in ROW_KEYS.get(suite, ()) if k in frame.columns]
    if not keys or not positions:
        return ""
    named = []
    for label in list(positions)[:_EXAMPLES]:
        if label not in frame.index:
            continue
        row = frame.loc[label, keys]
        named.append(
            "/".join(
                str(_plain(v.date() if hasattr(v, "date") and k == "inspected_on" else v))
                for k, v in zip(keys, row, strict=True)
            )
        )
    return f"; rows {', '.join(named)}" if named else ""


def _detail(result: Mapping, exception: Mapping | None, frame=None, suite: str = "") -> str:
    message = _exception_message(exception)
    if message:
        return f"could not be evaluated: {message}"
    if result.get("unexpected_count") is not None:
        count, total = result["unexpected_count"], result.get("element_count")
        examples = _plain((result.get("partial_unexpected_list") or [])[:_EXAMPLES])
        share = f" ({result['unexpected_percent']:.1f}%)" if result.get("unexpected_percent") is not None else ""
        rows = _rows_named(frame, suite, result.get("partial_unexpected_index_list")) if frame is not None else ""
        return f"{count} of {total} rows unexpected{share}; e.g. {examples}{rows}"
    if "observed_value" in result:
        return f"observed {_plain(result['observed_value'])}"
    return "failed"


def _findings(suite: str, validation, frame=None) -> tuple[list[Finding], int]:
    findings = []
    for item in validation.results:
        cfg = item.expectation_config
        meta = cfg.meta or {}
        severity = meta.get("severity")
        if severity not in SEVERITIES:
            severity = "critical"  # an unmarked expectation is not allowed to pass quietly
        if item.success:
            continue
        findings.append(
            Finding(
                suite=suite,
                rule=str(meta.get("rule") or cfg.type),
                expectation=cfg.type,
                column=_column_of(cfg.kwargs),
                severity=severity,
                detail=_detail(item.result or {}, item.exception_info, frame, suite),
                label=str(meta.get("label_id") or ""),
            )
        )
    return findings, len(validation.results)


def run_suites(
    frames: Mapping,
    parameters: Mapping,
    work_dir: Path,
    docs_dir: Path | None = None,
    run_name: str = "rapor",
) -> list[SuiteOutcome]:
    """Run the checkpoint of each suite named in ``frames`` on its DataFrame.

    ``parameters`` fill the suites' ``$PARAMETER`` values (region's OPDs, thresholds of
    the policy, ...). With ``docs_dir``, the Data Docs site is built there afterwards.
    """
    config.disable_gx_analytics()
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    unknown = set(frames) - set(SUITES)
    if unknown:
        raise ConfigError(f"no GX suite named {sorted(unknown)} (suites: {', '.join(SUITES)})")
    prepare_workspace(work_dir, docs_dir)
    context = gx.get_context(mode="file", context_root_dir=str(work_dir))
    run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(UTC))
    outcomes = []
    for name, frame in frames.items():
        checkpoint = context.checkpoints.get(name)
        result = checkpoint.run(
            batch_parameters={"dataframe": frame}, expectation_parameters=dict(parameters), run_id=run_id
        )
        for validation in result.run_results.values():
            findings, evaluated = _findings(name, validation, frame)
            outcomes.append(SuiteOutcome(name, len(frame), evaluated, findings))
    if docs_dir is not None:
        context.build_data_docs(site_names=[DOCS_SITE])
        localise_site(docs_dir)  # CSS/JS from the site itself, not from CDNs
    return outcomes
