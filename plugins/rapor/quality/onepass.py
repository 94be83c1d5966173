"""The gate's suites for many regions in one Great Expectations pass per suite.

Validating one region at a time costs GX's fixed price per expectation (building the metric
graph, about a second per region for the four suites) 514 times. Here the frames of a batch
of regions are put end to end and each suite runs once on the whole frame (result format
COMPLETE: every unexpected row is named), then the result is split into what the same
checkpoint gives on each region's own frame:

- row-level expectations (column, column-pair and multi-column maps): a region's unexpected
  rows are the whole frame's unexpected rows that are the region's; the expectation's own
  ``metrics_validate`` then builds the region's result (counts, shares, ``mostly``, the first
  values and row indexes) from the region's metrics, exactly as GX does after computing them;
- expectations whose parameter differs per region (``PER_REGION``: the region's code, its
  registry and active OPDs) and uniqueness run on a key that prefixes the value with the
  region's position in the batch, so a value is checked against its own region's set and
  duplicates count within one region only; the values reported are the region's own;
- table and column aggregates (row count, sum, share of non-null values, the distinct values
  equal to a set) are computed per region with pandas, as GX's pandas metrics compute them,
  and validated by the expectation's ``metrics_validate`` too.

Parameters that are the same for every region in a group (the month, the policy's
thresholds, the latest allowed day in the region's zone) are passed as they are; regions
whose shared parameters differ (time zones) are validated in separate groups. An
expectation type this module does not know, or any exception in the combined pass, sends
the regions of that group back to ``run_suites`` one region at a time: the verdict never
depends on which path computed it (tests/quality/test_quality_onepass.py compares both).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from rapor import config
from rapor.errors import ConfigError
from rapor.quality.datadocs import localise_site
from rapor.quality.suites import DOCS_SITE, SUITES, SuiteOutcome, _findings, prepare_workspace, run_suites

log = logging.getLogger(__name__)

PER_REGION = ("region_codes", "registry_opd_codes", "active_opd_codes")  # parameters that name one region's sets
GATE = "__gate__"  # the region's position in the batch, a column of the combined frame
SEP = "\x1f"
COLUMN_MAPS = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_unique",
}
PAIR_MAPS = {"expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"}
MULTI_MAPS = {"expect_compound_columns_to_be_unique"}
AGGREGATES = {
    "expect_table_row_count_to_be_between",
    "expect_column_sum_to_be_between",
    "expect_column_proportion_of_non_null_values_to_be_between",
    "expect_column_distinct_values_to_equal_set",
}
KEYED = {"expect_column_values_to_be_in_set", "expect_column_values_to_be_unique"}


class _UnsplittableError(Exception):
    """The combined result cannot be split exactly: validate those regions one at a time."""


@dataclass(frozen=True)
class RegionRun:
    """One region-month's frames and parameters, and where its GX results and Data Docs go."""

    frames: Mapping[str, pd.DataFrame]
    parameters: Mapping
    work_dir: Path
    docs_dir: Path | None
    run_name: str


def run_suites_for_regions(runs: list[RegionRun], batch_dir: Path) -> list[list[SuiteOutcome] | Exception]:
    """What ``run_suites`` gives for each run, computed with one GX pass per suite and group.

    Each region's results are stored in its own working folder and its Data Docs built there,
    as ``run_suites`` does. A region whose results cannot be stored gets its exception.
    """
    config.disable_gx_analytics()
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    for run in runs:
        unknown = set(run.frames) - set(SUITES)
        if unknown:
            raise ConfigError(f"no GX suite named {sorted(unknown)} (suites: {', '.join(SUITES)})")
    share_template_cache()
    prepare_workspace(batch_dir)
    context = gx.get_context(mode="file", context_root_dir=str(batch_dir))
    run_time = datetime.now(UTC)
    run_ids = [RunIdentifier(run_name=run.run_name, run_time=run_time) for run in runs]
    validations: list[dict] = [{} for _ in runs]
    groups: dict[str, list[int]] = {}
    for i, run in enumerate(runs):
        shared = {k: v for k, v in run.parameters.items() if k not in PER_REGION}
        key = json.dumps([sorted(run.frames), shared], sort_keys=True, default=str)
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        for suite in runs[members[0]].frames:
            try:
                split = _validate_group(context, suite, [runs[i] for i in members], [run_ids[i] for i in members])
            except Exception as exc:  # noqa: BLE001 - the exact per-region path decides instead
                log.warning("suite %s: validating %d regions one at a time (%s)", suite, len(members), exc)
                split = None
            for n, i in enumerate(members):
                validations[i][suite] = split[n] if split is not None else None
    outcomes: list[list[SuiteOutcome] | Exception] = []
    for run, run_id, results in zip(runs, run_ids, validations, strict=True):
        try:
            if any(result is None for result in results.values()):
                outcomes.append(run_suites(run.frames, run.parameters, run.work_dir, run.docs_dir, run.run_name))
            else:
                outcomes.append(_store_and_document(gx, run, run_id, results))
        except Exception as exc:  # one region's folder never stops the others
            log.exception("GX results of %s could not be stored", run.run_name)
            outcomes.append(exc)
    return outcomes


def _store_and_document(gx, run: RegionRun, run_id, results: dict) -> list[SuiteOutcome]:
    """Store a region's split results in its working folder and build its Data Docs there."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    stale = _suites_changed(run.work_dir)
    prepare_workspace(run.work_dir, run.docs_dir)
    context = gx.get_context(mode="file", context_root_dir=str(run.work_dir))
    outcomes, keys = [], []
    for suite, validation in results.items():
        checkpoint = context.checkpoints.get(suite)
        definition = checkpoint.validation_definitions[0]
        validation.meta["validation_id"] = definition.id
        validation.meta["checkpoint_id"] = checkpoint.id
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=definition.suite.name),
            run_id=run_id,
            batch_identifier=validation.batch_id,
        )
        context.validation_results_store.set(key, validation)
        keys.append(key)
        frame = run.frames[suite]
        findings, evaluated = _findings(suite, validation, frame)
        outcomes.append(SuiteOutcome(suite, len(frame), evaluated, findings))
    if run.docs_dir is not None:
        # The pages of the month's earlier runs are there already (same results, same
        # renderer): only this run's pages, the suites' pages and the index are rendered.
        built = (run.docs_dir / "index.html").is_file() and not stale
        context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=keys if built else None)
        localise_site(run.docs_dir)
    return outcomes


def _suites_changed(work_dir: Path) -> bool:
    """Whether the committed GX project differs from the copy in ``work_dir`` (or there is none)."""
    committed = config.expectations_dir()
    for sub in ("expectations", "validation_definitions", "checkpoints"):
        for source in (committed / sub).glob("*.json"):
            copy_ = work_dir / sub / source.name
            if not copy_.is_file() or copy_.read_bytes() != source.read_bytes():
                return True
    return False


def share_template_cache() -> None:
    """Let every GX page view of this process reuse compiled Jinja templates.

    GX builds a new Jinja environment for each view of each Data Docs build, so a batch would
    compile the same templates for every region; an in-memory bytecode cache shared by those
    environments compiles them once. What the templates render is unchanged.
    """
    from great_expectations.render.view.view import DefaultJinjaView

    if getattr(DefaultJinjaView, "_rapor_shared_cache", None) is not None:
        return
    from jinja2 import BytecodeCache

    class _Memory(BytecodeCache):
        def __init__(self) -> None:
            self.compiled: dict[str, bytes] = {}

        def load_bytecode(self, bucket) -> None:
            if bucket.key in self.compiled:
                bucket.bytecode_from_string(self.compiled[bucket.key])

        def dump_bytecode(self, bucket) -> None:
            self.compiled[bucket.key] = bucket.bytecode_to_string()

    cache = _Memory()
    original = DefaultJinjaView.__init__

    def init_with_cache(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = init_with_cache
    DefaultJinjaView._rapor_shared_cache = cache


def _keyed(frame: pd.DataFrame, column: str, position: int) -> pd.Series:
    values = frame[column]
    return values.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else f"{position}{SEP}{v}")


def _validate_group(context, suite: str, runs: list[RegionRun], run_ids: list) -> list:
    """One GX pass of ``suite`` over the group's frames, split into one suite result per region."""
    from great_expectations import __version__ as gx_version
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.result_format import ResultFormat
    from great_expectations.execution_engine.pandas_execution_engine import hash_pandas_dataframe
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.validator.v1_validator import Validator

    checkpoint = context.checkpoints.get(suite)
    definition = checkpoint.validation_definitions[0]
    committed = definition.suite
    configs = committed.expectation_configurations
    for cfg in configs:
        if cfg.type not in COLUMN_MAPS | PAIR_MAPS | MULTI_MAPS | AGGREGATES:
            raise _UnsplittableError(f"no split for {cfg.type}")

    frames = [run.frames[suite] for run in runs]
    sizes = [len(f) for f in frames]
    offsets = [sum(sizes[:n]) for n in range(len(frames))]
    parts = []
    for n, frame in enumerate(frames):
        part = frame.reset_index(drop=True)
        part[GATE] = n
        parts.append(part)
    combined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    shared = {k: v for k, v in runs[0].parameters.items() if k not in PER_REGION}

    # The expectations the combined pass runs: per-region sets and uniqueness on keyed columns.
    derived = []
    for cfg in configs:
        if cfg.type in AGGREGATES:
            continue
        kwargs = dict(cfg.kwargs)
        if cfg.type in KEYED:
            value_set = kwargs.get("value_set")
            name = value_set.get("$PARAMETER") if isinstance(value_set, dict) else None
            per_region = name in PER_REGION
            if per_region or cfg.type == "expect_column_values_to_be_unique":
                column = kwargs["column"]
                keyed = f"{GATE}{column}"
                if keyed not in combined.columns:
                    combined[keyed] = pd.concat(
                        [_keyed(p, column, n) for n, p in enumerate(parts)], ignore_index=True
                    ).astype(object)
                kwargs["column"] = keyed
                if per_region:
                    keyed_set = f"keyed_{name}"  # GX parameter names start with a letter
                    kwargs["value_set"] = {"$PARAMETER": keyed_set}
                    shared[keyed_set] = [f"{n}{SEP}{v}" for n, run in enumerate(runs) for v in run.parameters[name]]
        elif cfg.type in MULTI_MAPS:
            kwargs["column_list"] = [*kwargs["column_list"], GATE]
        elif any(isinstance(v, dict) and v.get("$PARAMETER") in PER_REGION for v in kwargs.values()):
            raise _UnsplittableError(f"{cfg.type} has a per-region parameter")
        derived.append(ExpectationConfiguration(type=cfg.type, kwargs=kwargs, meta=cfg.meta, id=cfg.id))

    batch_definition = definition.batch_definition
    validator = Validator(
        batch_definition=batch_definition,
        batch_parameters={"dataframe": combined},
        result_format={"result_format": "COMPLETE"},
    )
    whole = validator._validate_expectation_configs(derived, shared) if derived else []
    for result in whole:
        if result.exception_info and result.exception_info.get("raised_exception"):
            raise _UnsplittableError(
                f"{result.expectation_config.type}: {result.exception_info.get('exception_message')}"
            )
    by_id = {result.expectation_config.id: result.result for result in whole}
    if len(by_id) != len(derived):
        raise _UnsplittableError("the combined pass did not return every expectation")
    wrapped = validator._wrapped_validator
    engine = wrapped.execution_engine
    fmt = checkpoint.result_format
    fmt = fmt.value if isinstance(fmt, ResultFormat) else fmt
    batch_meta = {
        "great_expectations_version": gx_version,
        "batch_spec": _plain_json(wrapped.active_batch_spec),
        "active_batch_definition": _plain_json(wrapped.active_batch_definition),
    }
    load_time = wrapped.active_batch_markers.get("ge_load_time")

    # GX processes the suite once for the group (parameters substituted, batch id added, sorted
    # by column as GX sorts); each region's configuration is a copy with its own per-region sets.
    template = wrapped.process_expectations_for_validation(copy.deepcopy(configs), dict(runs[0].parameters))
    raw = {cfg.id: cfg.kwargs for cfg in configs}
    prepared = []
    for cfg in template:
        expectation = cfg.to_domain_obj()
        runtime = {"result_format": copy.deepcopy(fmt)}
        parsed = expectation.get_validation_dependencies(execution_engine=engine, runtime_configuration=runtime)
        per_region = {
            key: value["$PARAMETER"]
            for key, value in raw[cfg.id].items()
            if isinstance(value, dict) and value.get("$PARAMETER") in PER_REGION
        }
        prepared.append((cfg, expectation, parsed.result_format, per_region))

    out = []
    for n, run in enumerate(runs):
        frame = frames[n]
        labels = list(frame.index)
        low, high = offsets[n], offsets[n] + sizes[n]
        results = []
        for cfg, expectation, result_format, per_region in prepared:
            if cfg.type in AGGREGATES:
                metrics = _aggregate_metrics(cfg, frame, {k: run.parameters[v] for k, v in per_region.items()})
            else:
                metrics = _map_metrics(expectation, cfg, frame, by_id[cfg.id], low, high, labels)
            raw_result = expectation._validate(
                metrics=metrics, runtime_configuration={"result_format": copy.deepcopy(result_format)}
            )
            evr = ExpectationValidationResult(**raw_result)
            mine = copy.copy(cfg)  # GX adds the batch to the kwargs of the configuration it validated
            mine._kwargs = {**cfg.kwargs, **{k: list(run.parameters[v]) for k, v in per_region.items()}}
            mine._kwargs.setdefault("batch_id", wrapped.active_batch_id)
            evr.expectation_config = mine
            results.append(evr)
        statistics = _statistics(results)
        validation = ExpectationSuiteValidationResult(
            results=results,
            success=statistics["success"],
            suite_name=committed.name,
            statistics={k: v for k, v in statistics.items() if k != "success"},
            meta={
                **batch_meta,
                "batch_markers": {"ge_load_time": load_time, "pandas_data_fingerprint": hash_pandas_dataframe(frame)},
                "run_id": run_ids[n],
                "validation_time": run_ids[n].run_time,
                "batch_parameters": {"dataframe": "<DATAFRAME>"},
            },
            batch_id=wrapped.active_batch_id,
        )
        out.append(validation)
    return out


def _plain_json(value):
    from great_expectations.util import convert_to_json_serializable

    return convert_to_json_serializable(value)


def _statistics(results) -> dict:
    from great_expectations.validator.validator import calc_validation_statistics

    stats = calc_validation_statistics(results)
    return {
        "success": stats.success,
        "evaluated_expectations": stats.evaluated_expectations,
        "successful_expectations": stats.successful_expectations,
        "unsuccessful_expectations": stats.unsuccessful_expectations,
        "success_percent": stats.success_percent,
    }


def _null(series: pd.Series) -> pd.Series:
    return series.isnull()


def _map_metrics(expectation, cfg, frame: pd.DataFrame, whole: dict, low: int, high: int, labels: list) -> dict:
    """The metrics of a row-level expectation on one region's frame, from the combined result.

    The combined result names every unexpected row (its index list is whole) but GX keeps at
    most ``MAX_RESULT_RECORDS`` unexpected values of a pass, so a region's values are read from
    its own frame at its unexpected rows, and capped as GX caps them for a region's own run.
    """
    from great_expectations.constants import MAX_RESULT_RECORDS

    kwargs = cfg.kwargs
    positions = [k - low for k in whole["unexpected_index_list"] if low <= k < high]
    n = len(frame)
    metric = expectation.map_metric
    values = {"table.row_count": n}
    if cfg.type in COLUMN_MAPS:
        values["column_values.nonnull.unexpected_count"] = int(_null(frame[kwargs["column"]]).sum())
    elif cfg.type in PAIR_MAPS:
        a, b = _null(frame[kwargs["column_A"]]), _null(frame[kwargs["column_B"]])
        ignore = getattr(expectation, "ignore_row_if", "both_values_are_missing")
        kept = {"both_values_are_missing": ~(a & b), "either_value_is_missing": ~(a | b)}.get(ignore)
        values[f"{metric}.filtered_row_count"] = n if kept is None else int(kept.sum())
    else:  # multi-column: the combined pass's GATE column hides rows the region's own run ignores
        nulls = frame[list(kwargs["column_list"])].isnull()
        ignore = getattr(expectation, "ignore_row_if", "all_values_are_missing")
        kept = {"all_values_are_missing": ~nulls.all(axis=1), "any_value_is_missing": ~nulls.any(axis=1)}.get(ignore)
        if kept is not None:
            keep = set(np.flatnonzero(kept.to_numpy()))
            positions = [p for p in positions if p in keep]
        values[f"{metric}.filtered_row_count"] = n if kept is None else int(kept.sum())
    first = frame.iloc[positions[:MAX_RESULT_RECORDS]]
    if cfg.type in COLUMN_MAPS:  # as GX lists a column's unexpected values (keyed columns: the plain value)
        unexpected = list(first[kwargs["column"]])
    elif cfg.type in PAIR_MAPS:
        unexpected = list(zip(first[kwargs["column_A"]].values, first[kwargs["column_B"]].values, strict=True))
    else:
        unexpected = first[list(kwargs["column_list"])].to_dict("records")
    index = [labels[p] for p in positions]
    values[f"{metric}.unexpected_count"] = len(positions)
    values[f"{metric}.unexpected_values"] = unexpected
    values[f"{metric}.unexpected_index_list"] = index
    values[f"{metric}.unexpected_index_query"] = f"df.filter(items={index}, axis=0)"
    values[f"{metric}.unexpected_rows"] = frame.loc[index] if index else frame.iloc[0:0]
    return values


def _aggregate_metrics(cfg, frame: pd.DataFrame, per_region: dict) -> dict:
    """The metrics of a table or column aggregate on one region's frame, as GX's pandas metrics compute them."""
    from great_expectations.expectations.metrics.column_aggregate_metrics.column_distinct_values_not_in_set import (
        MAX_DISTINCT_VALUES,
        _coerce_value_set_to_column_type,
    )

    kwargs = {**cfg.kwargs, **per_region}
    n = len(frame)
    values = {"table.row_count": n}
    if cfg.type == "expect_column_sum_to_be_between":
        values["column.sum"] = frame[kwargs["column"]].sum()
    elif cfg.type == "expect_column_proportion_of_non_null_values_to_be_between":
        nonnull = int(frame[kwargs["column"]].notnull().sum())
        values["column.non_null_count"] = nonnull
        values["column.non_null_proportion"] = nonnull / n if n > 0 else 0
    elif cfg.type == "expect_column_distinct_values_to_equal_set":
        present = set(frame[kwargs["column"]].dropna().unique())
        expected = _coerce_value_set_to_column_type(present, kwargs["value_set"])
        not_in_set, missing = list(present - expected), list(expected - present)
        for items in (not_in_set, missing):
            try:
                items.sort()
            except TypeError:
                pass
        values["column.distinct_values.not_in_set"] = not_in_set[:MAX_DISTINCT_VALUES]
        values["column.distinct_values.not_in_set.count"] = len(not_in_set)
        values["column.distinct_values.missing_from_column"] = missing[:MAX_DISTINCT_VALUES]
        values["column.distinct_values.missing_from_column.count"] = len(missing)
    return values
