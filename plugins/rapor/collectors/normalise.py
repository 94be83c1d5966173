"""From what a channel shows to the canonical complaint (SCORING.md §8).

A stream hands over ``Collected`` complaints: the platform's facts, timestamps already
aware (UTC or with the platform's offset), the reporter and text as received. Here they
get their OPD and their clock events:

- **OPD.** The OPD's own account (its page, its hotline line) or the platform's
  disposition (LAPOR! ``disposisi``, Open311 ``agency_responsible``, the hotline's
  ``opd_tujuan``) names it. A complaint at a central account without one is routed by
  the registry's keyword rules; what no rule matches stays ``belum terdisposisi``
  (opd_code empty), visible in ``complaint`` and ``complaint_routing``, never dropped.
- **forwarded_at.** The platform's disposition time; for a rule-routed complaint, the
  central account's first reply (the coordinator acknowledging and forwarding it), or
  the moment of receipt when the channel shows no such act (routing by rule is
  immediate). Complaints at an OPD's own account were never forwarded.
- **first_response_at / resolved_at.** Given by apps (the OPD's own, after the
  disposition to it: ``streams/lapor.py``) and the hotline; on social media,
  the earliest reply by an account of the complaint's OPD is its first response, and its
  earliest reply carrying a resolution marker (``#selesai``, ``#tuntas``) its resolution.
  Replies by the reporter, other citizens or the central account are neither.
- **kind.** Apps and the hotline classify; social media comments are classified from the
  text by the reviewable rules of ``kind_rules.yaml`` (keywords and phrases per kind, in
  an explicit precedence: a complaint word makes a ``pengaduan`` even when the text asks
  a question; no rule: ``pengaduan``).
- **dedup.** The same complaint seen twice in a batch (a page repeated, a ticket in two
  exports) is one complaint: the later sighting wins, its lineage is the union.

Timestamps leave as ISO 8601 in UTC; reporter and text leave as received, so that the
shared loader (``imports.complaints.load_complaint_frame``) pseudonymises, redacts and
checks them exactly as it does for files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from rapor.errors import ConfigError
from rapor.imports.complaints import COLUMNS
from rapor.registry import Registry
from rapor.vocabulary import KINDS

RESOLUTION_MARKERS = ("#selesai", "#tuntas")
KIND_RULES_FILE = Path(__file__).with_name("kind_rules.yaml")
_HANDLES_AND_LINKS = re.compile(r"https?://\S+|www\.\S+|@\w+")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\"/\n]+")  # a phrase never spans these
_WORD = re.compile(r"[\w'-]+")
_BOUNDARY = r"[\w'-]"
_REDUPLICATED = re.compile(r"(?<=[^\W\d])2$")  # "berlubang2" = "berlubang-berlubang"


@dataclass(frozen=True)
class KindRule:
    """One rule of ``kind_rules.yaml``: its phrases (as one whole-word pattern) or a question mark."""

    name: str
    kind: str
    phrases: tuple[str, ...]
    pattern: re.Pattern | None
    question_mark: bool = False

    def matches(self, words: str, asks: bool) -> bool:
        return bool(self.pattern and self.pattern.search(words)) or (self.question_mark and asks)


@dataclass(frozen=True)
class KindRules:
    """The rules in their precedence, the spellings that normalise words, the default kind."""

    rules: tuple[KindRule, ...]
    spellings: dict[str, str]
    clitics: tuple[str, ...]
    default: str

    def words(self, text: str) -> str:
        """The text as the rules read it: lower case, standard spellings, clauses split by ``|``."""
        text = _HANDLES_AND_LINKS.sub(" ", text.casefold())
        clauses = (" ".join(self.standard(w) for w in _WORD.findall(c)) for c in _CLAUSE_BREAK.split(text))
        return " | ".join(c for c in clauses if c)

    def standard(self, word: str) -> str:
        """A word's standard spelling; a variant carrying a clitic keeps it ("infonya" -> "informasinya")."""
        word = _REDUPLICATED.sub("", word)
        if word in self.spellings:
            return self.spellings[word]
        for clitic in self.clitics:
            stem = word.removesuffix(clitic)
            if stem != word and stem in self.spellings:
                return self.spellings[stem] + clitic
        return word

    def rule_for(self, text: str | None) -> KindRule | None:
        """The first rule, in precedence, that the text matches (None: the default applies)."""
        text = text or ""
        words, asks = self.words(text), "?" in _HANDLES_AND_LINKS.sub(" ", text)
        return next((rule for rule in self.rules if rule.matches(words, asks)), None)

    def classify(self, text: str | None) -> str:
        rule = self.rule_for(text)
        return rule.kind if rule else self.default


@cache
def kind_rules(path: Path = KIND_RULES_FILE) -> KindRules:
    """The classification rules, read once from their data file and checked."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    try:
        return _kind_rules_from(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _kind_rules_from(data: dict) -> KindRules:
    clitics = tuple(str(c).casefold() for c in data.get("clitics") or ())
    spellings = _spellings_from(data.get("spellings") or {})
    partial = KindRules((), spellings, clitics, _known_kind(data["default"]))
    rules_data = data["rules"]
    precedence = list(data["precedence"])
    if sorted(precedence) != sorted(rules_data):
        raise ValueError(f"precedence {precedence} must name every rule once: {sorted(rules_data)}")
    seen: dict[str, str] = {}
    rules = []
    for name in precedence:
        rule = rules_data[name]
        phrases = tuple(partial.words(str(p)) for p in rule.get("phrases") or ())
        for phrase in phrases:
            if phrase in seen:
                raise ValueError(f"phrase {phrase!r} is in rules {seen[phrase]!r} and {name!r}")
            seen[phrase] = name
        if not phrases and not rule.get("question_mark"):
            raise ValueError(f"rule {name!r} has neither phrases nor question_mark")
        rules.append(
            KindRule(
                name, _known_kind(rule["kind"]), phrases, _pattern(phrases, clitics), bool(rule.get("question_mark"))
            )
        )
    return KindRules(tuple(rules), spellings, clitics, partial.default)


def _spellings_from(data: dict) -> dict[str, str]:
    spellings: dict[str, str] = {}
    for standard, variants in data.items():
        for variant in variants:
            variant = str(variant).casefold()
            if variant in spellings:
                raise ValueError(f"spelling {variant!r} is a variant of {spellings[variant]!r} and {standard!r}")
            spellings[variant] = str(standard).casefold()
    return spellings


def _known_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    return kind


def _pattern(phrases: tuple[str, ...], clitics: tuple[str, ...]) -> re.Pattern | None:
    """Whole words: no letter, digit, hyphen or apostrophe on either side; a clitic may follow."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    suffix = "(?:" + "|".join(re.escape(c) for c in clitics) + ")?" if clitics else ""
    return re.compile(rf"(?<!{_BOUNDARY})(?:{alternatives}){suffix}(?!{_BOUNDARY})")


def classify_kind(text: str | None) -> str:
    """The kind of a free-text complaint (social media), by the rules of ``kind_rules.yaml``."""
    return kind_rules().classify(text)


def is_resolution(text: str | None, markers: tuple[str, ...] = RESOLUTION_MARKERS) -> bool:
    folded = (text or "").casefold()
    return any(marker in folded for marker in markers)


@dataclass(frozen=True)
class Reply:
    """A reply in a complaint's thread by an account of the registry."""

    opd_code: str | None  # None: the region's central account
    at: datetime
    resolves: bool = False


@dataclass
class Collected:
    source: str
    complaint_id: str
    region_code: str
    channel: str
    kind: str
    received_at: datetime | str  # a string only when the platform sent something unparseable
    reporter: str | None = None
    text: str | None = None
    opd_code: str | None = None  # from the OPD's own account or the platform's disposition
    attributed_by: str | None = None  # "akun" or "disposisi" when opd_code is given
    forwarded_at: datetime | str | None = None
    first_response_at: datetime | str | None = None
    resolved_at: datetime | str | None = None
    replies: list[Reply] = field(default_factory=list)
    # Replies whose author the platform did not say (a Facebook comment without ``from``,
    # read without a Page token): maybe the OPD's answer, maybe a citizen's. The first
    # response stays unknown (never guessed); the page is counted in the coverage report.
    unidentified_replies: int = 0
    confidential: bool = False
    source_url: str | None = None  # the platform's own link to the complaint (Graph API ``permalink_url``)
    raw_shas: set[str] = field(default_factory=set)
    row: int | None = None  # the row of an export file, for the quarantine

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.complaint_id)


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("collectors must give aware timestamps")
        return value.astimezone(UTC).isoformat()
    return str(value)


def _earliest(values):
    values = [v for v in values if isinstance(v, datetime)]
    return min(values) if values else None


@dataclass
class Normalised:
    frame: pd.DataFrame  # the §8 columns as text, plus ``confidential`` and ``source_url``
    routing: list[dict]
    lineage: dict[tuple[str, str], set[str]]


def dedupe(items: list[Collected]) -> list[Collected]:
    """One complaint per (source, complaint_id): the last sighting, with all its raw pages."""
    merged: dict[tuple[str, str], Collected] = {}
    for item in items:
        previous = merged.pop(item.key, None)
        if previous is not None:
            item.raw_shas |= previous.raw_shas
        merged[item.key] = item
    return list(merged.values())


def normalise(items: list[Collected], registry: Registry) -> Normalised:
    now = datetime.now(UTC)
    rows, routing, lineage, numbers = [], [], {}, []
    for number, c in enumerate(dedupe(items), start=1):
        numbers.append(c.row if c.row is not None else number)
        opd, routed_by, keyword = c.opd_code, c.attributed_by or "akun", None
        forwarded = c.forwarded_at
        central_replies = [r.at for r in c.replies if r.opd_code is None]
        if opd is None:
            hit = registry.route(c.region_code, c.text)
            if hit:
                opd, keyword = hit
                routed_by = "kata_kunci"
                forwarded = forwarded or _earliest(central_replies) or c.received_at
            else:
                routed_by, forwarded = "belum_terdisposisi", None
        own = [r for r in c.replies if opd is not None and r.opd_code == opd]
        first = c.first_response_at or _earliest(r.at for r in own)
        resolved = c.resolved_at or _earliest(r.at for r in own if r.resolves)
        rows.append(
            {
                "complaint_id": c.complaint_id,
                "region_code": c.region_code,
                "opd_code": opd or "",
                "channel": c.channel,
                "source": c.source,
                "kind": c.kind,
                "received_at": _iso(c.received_at),
                "forwarded_at": _iso(forwarded),
                "first_response_at": _iso(first),
                "resolved_at": _iso(resolved),
                "reporter": c.reporter or "",
                "text": c.text or "",
                "confidential": bool(c.confidential),
                "source_url": c.source_url or "",
            }
        )
        routing.append(
            {
                "source": c.source,
                "complaint_id": c.complaint_id,
                "region_code": c.region_code,
                "opd_code": opd,
                "routed_by": routed_by,
                "keyword": keyword,
                "updated_at": now,
            }
        )
        lineage[c.key] = set(c.raw_shas)
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "confidential", "source_url"])
    frame.index = pd.Index(numbers, dtype="int64", name="row_number")
    return Normalised(frame, routing, lineage)
