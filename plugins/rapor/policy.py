"""The scoring policy: the method's parameters as data (SCORING.md), never as code.

Numbers are kept as exact fractions so that a score like 72.125 rounds half up to
72.13 exactly as a person recomputing it by hand would (no binary floating point).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path

import yaml

from rapor import config
from rapor.errors import ConfigError
from rapor.vocabulary import CATEGORIES, CHANNELS, DIMENSIONS, ZONE_TABLES


@dataclass(frozen=True)
class TppRule:
    base_pct: Fraction
    r0: int


@dataclass(frozen=True)
class RegionCalendar:
    holidays_add: tuple[date, ...] = ()
    holidays_remove: tuple[date, ...] = ()


@dataclass(frozen=True)
class QualityPolicy:
    """Thresholds of the data-quality gate (``quality:`` in the policy file; all optional)."""

    max_share_without_opd: Fraction = Fraction(1, 10)
    silent_source_days: int = 7
    source_lookback_days: int = 90
    future_tolerance_minutes: int = 10
    # Timestamps before this day are placeholders (1970, Excel's 1900, year 1): quarantined at import.
    earliest_plausible_date: date = date(2000, 1, 1)
    max_uncollected_days: int = 3  # an OPD whose account was uncollected longer in the month gets no TPP


@dataclass(frozen=True)
class RawLandingPolicy:
    """How long the collectors' raw pages and files are kept (``raw_landing:``; optional).

    Raw payloads hold personal data (UU 27/2022): after ``retention_days`` the ingestion
    DAGs' ``purge_raw_landing`` task deletes them; the warehouse keeps only their hashes.
    """

    retention_days: int = 90


@dataclass(frozen=True)
class EarlyWarningPolicy:
    """The daily early warning to each OPD (``early_warning:`` in the policy file; optional).

    Not part of the scoring method: it changes no score, only who is told what is due.
    """

    horizon_hk: int = 1  # list the deadlines that fall within this many working days
    local_hour: int = 7  # sent in the working morning at this hour, in the region's own zone


@dataclass(frozen=True)
class ChannelDutiesPolicy:
    """The channel duties measured from the collectors (``channel_duties:``; optional).

    ``count_in_pengaduan`` would count them as indicators of the pengaduan dimension of
    S_sop. Method 2026.1 shows them beside S_sop only: it gives no rule that turns a
    yes/no or a share into a 0-3 indicator score, so only ``false`` is accepted.
    """

    count_in_pengaduan: bool = False


@dataclass(frozen=True)
class Policy:
    method_version: str
    first_response_hk: dict[str, int]
    resolution_hk: dict[str, int]
    forwarding_hk: int
    small_number_k: int
    responsiveness_weights: dict[str, Fraction]
    sop_weights: dict[str, Fraction]
    sop_carry_forward_factor: Fraction
    sop_carry_forward_months: int
    index_weights: dict[str, Fraction]
    zone_table: str
    tpp_cap_pct: Fraction
    tpp_step_pct: Fraction
    appeal_window_hk: int
    tpp_by_category: dict[str, TppRule | None]
    holiday_categories: tuple[str, ...]
    regions: dict[str, RegionCalendar] = field(default_factory=dict)
    source_hash: str = ""
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    raw_landing: RawLandingPolicy = field(default_factory=RawLandingPolicy)
    early_warning: EarlyWarningPolicy = field(default_factory=EarlyWarningPolicy)
    channel_duties: ChannelDutiesPolicy = field(default_factory=ChannelDutiesPolicy)

    def calendar_for(self, region_code: str) -> RegionCalendar:
        return self.regions.get(region_code, RegionCalendar())

    @property
    def max_deadline_hk(self) -> int:
        return max([*self.first_response_hk.values(), *self.resolution_hk.values(), self.forwarding_hk])


def _frac(value, where: str) -> Fraction:
    try:
        return Fraction(str(value))
    except (ValueError, TypeError):
        raise ConfigError(f"policy: {where} must be a number, got {value!r}") from None


def _dates(values, where: str) -> tuple[date, ...]:
    out = []
    for item in values or ():
        raw = item.get("date") if isinstance(item, dict) else item
        try:
            out.append(date.fromisoformat(str(raw)))
        except ValueError:
            raise ConfigError(f"policy: {where} has {raw!r}, not a date YYYY-MM-DD") from None
    return tuple(out)


def _quality(spec) -> QualityPolicy:
    """The ``quality:`` section; policy files written before the gate have none (defaults)."""
    if spec is None:
        return QualityPolicy()
    if not isinstance(spec, dict):
        raise ConfigError("policy: quality must be a mapping of settings")
    unknown = set(spec) - set(QualityPolicy.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"policy: unknown quality settings {sorted(unknown)}")
    default = QualityPolicy()
    share = _frac(spec.get("max_share_without_opd", default.max_share_without_opd), "quality.max_share_without_opd")
    if not 0 <= share <= 1:
        raise ConfigError(f"policy: quality.max_share_without_opd must be between 0 and 1, got {share}")
    days = {}
    for name in ("silent_source_days", "source_lookback_days", "future_tolerance_minutes", "max_uncollected_days"):
        value = spec.get(name, getattr(default, name))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"policy: quality.{name} must be a whole number of 0 or more, got {value!r}")
        days[name] = value
    earliest = spec.get("earliest_plausible_date", default.earliest_plausible_date)
    if not isinstance(earliest, date):
        try:
            earliest = date.fromisoformat(str(earliest))
        except ValueError:
            raise ConfigError(
                f"policy: quality.earliest_plausible_date must be a date YYYY-MM-DD, got {earliest!r}"
            ) from None
    return QualityPolicy(max_share_without_opd=share, earliest_plausible_date=earliest, **days)


def _raw_landing(spec) -> RawLandingPolicy:
    """The ``raw_landing:`` section; policy files written before the purge have none (defaults)."""
    if spec is None:
        return RawLandingPolicy()
    if not isinstance(spec, dict):
        raise ConfigError("policy: raw_landing must be a mapping of settings")
    unknown = set(spec) - set(RawLandingPolicy.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"policy: unknown raw_landing settings {sorted(unknown)}")
    days = spec.get("retention_days", RawLandingPolicy().retention_days)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ConfigError(f"policy: raw_landing.retention_days must be a whole number of 1 or more, got {days!r}")
    return RawLandingPolicy(retention_days=days)


def _early_warning(spec) -> EarlyWarningPolicy:
    """The ``early_warning:`` section; policy files written before it have none (defaults)."""
    if spec is None:
        return EarlyWarningPolicy()
    if not isinstance(spec, dict):
        raise ConfigError("policy: early_warning must be a mapping of settings")
    unknown = set(spec) - set(EarlyWarningPolicy.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"policy: unknown early_warning settings {sorted(unknown)}")
    default = EarlyWarningPolicy()
    horizon = spec.get("horizon_hk", default.horizon_hk)
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 0:
        raise ConfigError(f"policy: early_warning.horizon_hk must be a whole number of 0 or more, got {horizon!r}")
    hour = spec.get("local_hour", default.local_hour)
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise ConfigError(f"policy: early_warning.local_hour must be an hour 0-23, got {hour!r}")
    return EarlyWarningPolicy(horizon_hk=horizon, local_hour=hour)


def _channel_duties(spec) -> ChannelDutiesPolicy:
    """The ``channel_duties:`` section; policy files written before the duties have none (shown only)."""
    if spec is None:
        return ChannelDutiesPolicy()
    if not isinstance(spec, dict):
        raise ConfigError("policy: channel_duties must be a mapping of settings")
    unknown = set(spec) - set(ChannelDutiesPolicy.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"policy: unknown channel_duties settings {sorted(unknown)}")
    counted = spec.get("count_in_pengaduan", False)
    if not isinstance(counted, bool):
        raise ConfigError(f"policy: channel_duties.count_in_pengaduan must be true or false, got {counted!r}")
    if counted:
        raise ConfigError(
            "policy: channel_duties.count_in_pengaduan: true is not available: the scoring method "
            "does not define how a channel duty (yes/no, or the share of calls answered) becomes an "
            "indicator score 0-3 of the pengaduan dimension; the duties are shown beside S_sop only (false)"
        )
    return ChannelDutiesPolicy(count_in_pengaduan=counted)


def parse_policy(data: dict, source_hash: str = "") -> Policy:
    """Build a Policy from the YAML mapping, checking every field a scorecard depends on."""
    try:
        zone_table = data["zone_table"]
        if zone_table not in ZONE_TABLES:
            raise ConfigError(f"policy: zone_table must be one of {ZONE_TABLES}, got {zone_table!r}")
        first_response = {k: int(v) for k, v in data["first_response_hk"].items()}
        missing = set(CHANNELS) - set(first_response)
        if missing:
            raise ConfigError(f"policy: first_response_hk lacks channels {sorted(missing)}")
        tpp = data["tpp"]
        by_category = {}
        for cat in CATEGORIES:
            rule = tpp["by_category"].get(cat)
            by_category[cat] = (
                None if rule is None else TppRule(_frac(rule["base_pct"], f"tpp.{cat}.base_pct"), int(rule["r0"]))
            )
        regions = {
            str(code): RegionCalendar(
                holidays_add=_dates(spec.get("holidays_add"), f"regions.{code}.holidays_add"),
                holidays_remove=_dates(spec.get("holidays_remove"), f"regions.{code}.holidays_remove"),
            )
            for code, spec in (data.get("regions") or {}).items()
        }
        return Policy(
            method_version=str(data["method_version"]),
            first_response_hk=first_response,
            resolution_hk={k: int(v) for k, v in data["resolution_hk"].items()},
            forwarding_hk=int(data["forwarding_hk"]),
            small_number_k=int(data["small_number_k"]),
            responsiveness_weights={
                k: _frac(v, f"responsiveness_weights.{k}") for k, v in data["responsiveness_weights"].items()
            },
            sop_weights={k: _frac(data["sop_weights"][k], f"sop_weights.{k}") for k in DIMENSIONS},
            sop_carry_forward_factor=_frac(data["sop_carry_forward_factor"], "sop_carry_forward_factor"),
            sop_carry_forward_months=int(data["sop_carry_forward_months"]),
            index_weights={k: _frac(data["index_weights"][k], f"index_weights.{k}") for k in ("sop", "resp")},
            zone_table=zone_table,
            tpp_cap_pct=_frac(tpp["cap_pct"], "tpp.cap_pct"),
            tpp_step_pct=_frac(tpp["step_pct"], "tpp.step_pct"),
            appeal_window_hk=int(tpp.get("appeal_window_hk", 10)),
            tpp_by_category=by_category,
            holiday_categories=tuple(data["holiday_categories"]),
            regions=regions,
            source_hash=source_hash,
            quality=_quality(data.get("quality")),
            raw_landing=_raw_landing(data.get("raw_landing")),
            early_warning=_early_warning(data.get("early_warning")),
            channel_duties=_channel_duties(data.get("channel_duties")),
        )
    except KeyError as exc:
        raise ConfigError(f"policy: missing setting {exc.args[0]!r}") from None


def load_policy(path: str | Path | None = None) -> Policy:
    """Load the policy file named by ``path``, ``RAPOR_POLICY``, or the packaged default."""
    path = Path(path or config.policy_path())
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"policy file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy file {path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"policy file {path}: expected a mapping of settings")
    return parse_policy(data, source_hash=hashlib.sha256(raw).hexdigest())
