"""The gate's thresholds in the policy file, and who may override it."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from rapor.config import DEFAULT_POLICY_PATH
from rapor.errors import ConfigError
from rapor.policy import QualityPolicy, parse_policy
from rapor.tasks.monthly import plan_region_months


def _default() -> dict:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


def test_the_default_policy_sets_the_gate_thresholds():
    quality = parse_policy(_default()).quality
    assert quality == QualityPolicy(
        Fraction(1, 10), silent_source_days=7, source_lookback_days=90, future_tolerance_minutes=10
    )


def test_a_policy_written_before_the_gate_still_loads_with_defaults():
    data = _default()
    del data["quality"]
    assert parse_policy(data).quality == QualityPolicy()
    data["quality"] = {"silent_source_days": 3}  # partial: the rest default
    assert parse_policy(data).quality.silent_source_days == 3
    assert parse_policy(data).quality.max_share_without_opd == Fraction(1, 10)


@pytest.mark.parametrize(
    "spec",
    [{"max_share_without_opd": 1.5}, {"silent_source_days": -1}, {"silent_source_days": "a week"}, {"silence": 3}, [1]],
)
def test_invalid_gate_thresholds_are_refused(spec):
    data = _default()
    data["quality"] = spec
    with pytest.raises(ConfigError, match="quality"):
        parse_policy(data)


def test_an_override_is_only_for_a_named_month_and_regions():
    instant = datetime(2026, 11, 1, 1, tzinfo=UTC)
    reason = "hotline log re-checked by hand with the coordinator"
    with pytest.raises(ConfigError, match="explicit period and regions"):
        plan_region_months(instant, override_reason=reason, override_by="Inspektur")
    with pytest.raises(ConfigError, match="explicit period and regions"):
        plan_region_months(instant, period="2026-10", override_reason=reason, override_by="Inspektur")
    with pytest.raises(ConfigError, match="too short"):
        plan_region_months(instant, "2026-10", ["52.05"], override_reason="ok", override_by="Inspektur")


def test_an_override_names_the_airflow_user_who_triggered_the_run_never_a_typed_name():
    from airflow.dag_processing.dagbag import DagBag

    instant = datetime(2026, 11, 1, 1, tzinfo=UTC)
    reason = "hotline log re-checked by hand with the coordinator"
    with pytest.raises(ConfigError, match="logged-in user"):
        plan_region_months(instant, "2026-10", ["52.05"], override_reason=reason, override_by=None)
    dag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags")).dags["rapor_monthly"]
    assert "override_by" not in dag.params and "override_reason" in dag.params
