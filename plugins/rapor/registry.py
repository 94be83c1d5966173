"""The registry, read in one place: regions, their OPDs, channel accounts and routing rules.

``get_region`` / ``list_regions`` / ``active_opd_names`` serve scoring, the gate and
publishing; ``Registry`` is the whole registry as the collectors see it.

Which page, app account or hotline line belongs to which OPD is data (``account``:
platform, account_id, region_code, opd_code; no opd_code = a central account of the
region, such as the Bupati's page or the region's WhatsApp hotline). Complaints reaching
a central account are routed by the region's keyword rules (``routing_rule``): a broken
road goes to DPU-PR. A rule matches a whole word or phrase, case-insensitively; when
several rules match, the longest keyword wins, and a tie between two OPDs is left
unrouted (``belum terdisposisi``) for the coordinator rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from rapor.errors import ConfigError
from rapor.warehouse import schema


@dataclass(frozen=True)
class Region:
    region_code: str
    region_name: str
    timezone: str


def get_region(conn, region_code: str) -> Region:
    row = conn.execute(select(schema.region).where(schema.region.c.region_code == region_code)).mappings().first()
    if row is None:
        raise ConfigError(f"region {region_code!r} is not in the registry: import the registry first")
    return Region(row["region_code"], row["region_name"], row["timezone"])


def get_regions(conn, region_codes) -> list[Region]:
    """The regions named (in that order), read in one query; an unknown one is refused as by ``get_region``."""
    rows = conn.execute(select(schema.region).where(schema.region.c.region_code.in_(list(region_codes)))).mappings()
    found = {r["region_code"]: Region(r["region_code"], r["region_name"], r["timezone"]) for r in rows}
    missing = [code for code in region_codes if code not in found]
    if missing:
        raise ConfigError(f"regions {missing} are not in the registry: import the registry first")
    return [found[code] for code in region_codes]


def list_regions(conn) -> list[Region]:
    rows = conn.execute(select(schema.region).order_by(schema.region.c.region_code)).mappings()
    return [Region(r["region_code"], r["region_name"], r["timezone"]) for r in rows]


def registry_lookup(conn) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Region time zones and the (region, OPD) pairs the registry knows (the importers' checks)."""
    zones = dict(conn.execute(select(schema.region.c.region_code, schema.region.c.timezone)).all())
    opds = set(conn.execute(select(schema.opd.c.region_code, schema.opd.c.opd_code)).all())
    return zones, {tuple(pair) for pair in opds}


def opd_codes(conn, region_code: str) -> tuple[list[str], list[str]]:
    """(all OPD codes of the region's registry, the active ones)."""
    rows = conn.execute(
        select(schema.opd.c.opd_code, schema.opd.c.active).where(schema.opd.c.region_code == region_code)
    ).all()
    return sorted(code for code, _ in rows), sorted(code for code, active in rows if active)


def active_opd_names(conn, region_code: str) -> dict[str, str]:
    """The region's active OPDs (code -> name), in code order."""
    return active_opd_names_by_region(conn, [region_code])[region_code]


def active_opd_names_by_region(conn, region_codes) -> dict[str, dict[str, str]]:
    """``active_opd_names`` of several regions in one query: region -> code -> name (code order)."""
    opd = schema.opd
    rows = conn.execute(
        select(opd.c.region_code, opd.c.opd_code, opd.c.opd_name)
        .where(opd.c.region_code.in_(list(region_codes)), opd.c.active)
        .order_by(opd.c.region_code, opd.c.opd_code)
    ).all()
    out: dict[str, dict[str, str]] = {code: {} for code in region_codes}
    for region_code, code, name in rows:
        out[region_code][code] = name
    return out


@dataclass(frozen=True)
class Account:
    platform: str
    account_id: str
    region_code: str
    opd_code: str | None  # None: a central account of the region


@dataclass
class Registry:
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    rules: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # region -> (keyword, opd)
    opds: dict[str, dict[str, str]] = field(default_factory=dict)  # region -> code -> name
    timezones: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn) -> Registry:
        reg = cls()
        reg.timezones = dict(conn.execute(select(schema.region.c.region_code, schema.region.c.timezone)).all())
        for region_code, opd_code, opd_name in conn.execute(
            select(schema.opd.c.region_code, schema.opd.c.opd_code, schema.opd.c.opd_name)
        ):
            reg.opds.setdefault(region_code, {})[opd_code] = opd_name
        for row in conn.execute(select(schema.account)).mappings():
            reg.accounts[(row["platform"], row["account_id"])] = Account(
                row["platform"], row["account_id"], row["region_code"], row["opd_code"] or None
            )
        for region_code, keyword, opd_code in conn.execute(
            select(
                schema.routing_rule.c.region_code, schema.routing_rule.c.keyword, schema.routing_rule.c.opd_code
            ).order_by(schema.routing_rule.c.region_code, schema.routing_rule.c.keyword)
        ):
            reg.rules.setdefault(region_code, []).append((keyword, opd_code))
        return reg

    def accounts_of(self, platform: str) -> list[Account]:
        return sorted((a for a in self.accounts.values() if a.platform == platform), key=lambda a: a.account_id)

    def account(self, platform: str, account_id: str | None) -> Account | None:
        return self.accounts.get((platform, str(account_id))) if account_id is not None else None

    def opd_code_for(self, region_code: str, value: str | None) -> str | None:
        """An OPD named by a platform (its code or its name, any case) as a registry code."""
        if not value:
            return None
        wanted = " ".join(str(value).split()).casefold()
        for code, name in self.opds.get(region_code, {}).items():
            if wanted in (code.casefold(), " ".join(name.split()).casefold()):
                return code
        return None

    def route(self, region_code: str, text: str | None) -> tuple[str, str] | None:
        """(opd_code, keyword) of the rule that routes ``text``, or None (belum terdisposisi)."""
        return match_rule(tuple(self.rules.get(region_code, ())), text or "")


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(keyword.casefold()) + r"(?!\w)")


def match_rule(rules: tuple[tuple[str, str], ...], text: str) -> tuple[str, str] | None:
    folded = text.casefold()
    hits = [(len(keyword), keyword, opd) for keyword, opd in rules if _pattern(keyword).search(folded)]
    if not hits:
        return None
    longest = max(length for length, _, _ in hits)
    best = {(opd, keyword) for length, keyword, opd in hits if length == longest}
    if len({opd for opd, _ in best}) > 1:
        return None  # two OPDs claim it equally: leave it to the coordinator
    return sorted(best)[0]
