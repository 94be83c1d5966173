"""The simulator's seeded synthetic region, and the ground truth the collectors must reach.

The region is the demo region (Kabupaten Dompu, 52.05, WITA, the OPDs of
``rapor.demo.region``; ``World(region=, region_name=, timezone=)`` tells the same story as
another region's, its times on that region's clock) and its complaints are the demo's complaint population (same seed,
same life cycles: receipt, disposition, first response, resolution), re-told in each
platform's own format:

- **lapor** — an SP4N-LAPOR!-style app (docs/collectors.md): reports with a tracking
  history (verification, disposition to an agency, agency responses, completion by the
  agency, or an automatic completion by the platform, which is not a resolution);
  anonymous and confidential reports. The admin often thanks the reporter first (a
  ``tanggapan`` by ``admin``: not a response of the OPD), and some reports first go to a
  wrong agency, which answers that it is not its business before the admin re-dispositions
  them: the clock of the OPD they reach starts at that re-disposition.
- **open311** — GeoReport v2 requests with activity ``notes`` (``extensions=true``).
- **facebook** — posts of each OPD page and of the Bupati's page, the complaints as
  citizen comments, replies by the central page (forwarding), the OPD's page (first
  response; ``#selesai`` for the resolution) and other citizens (noise).
- **instagram** — the same on media of each account, replies nested in comments.
- **x** — mentions of each account, and the accounts' own replies in the conversation
  (``referenced_tweets`` ``replied_to``, ``conversation_id``, ``in_reply_to_user_id``, each
  present only where the X API v2 sends it). Some complaints reply to an earlier complaint
  of the same OPD (one conversation, two complaints) or quote one with words of their own;
  an OPD closes a case in a reply under its own first answer; and citizens retweet
  complaints or quote them with no words of their own: those echoes are mentions, not
  complaints, and are not in the truth.
- **hotline-call / hotline-wa** — monthly call-center (CSV) and WhatsApp gateway (.xlsx)
  exports, written to an inbox folder; one row has a hand-typed date (quarantined).

Complaints that reached a central account (the demo's "forwarded" ones) carry text that
the region's keyword rules route to their OPD; a few carry text no rule matches and stay
``belum terdisposisi``. Everything visible depends on the world's clock ``as_of``: an
event after it has not happened yet. ``truth(as_of)`` is what Rapor must store.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from rapor.demo import region as demo

WITA = timezone(timedelta(hours=8))
DEFAULT_AS_OF = demo._AS_OF.replace(tzinfo=WITA).astimezone(UTC)
REGION = demo.DEMO_REGION_CODE
OPD_CODES = tuple(o[0] for o in demo._OPDS)
OPD_NAMES = {o[0]: o[1] for o in demo._OPDS}
TWITTER_EPOCH_MS = 1288834974657

# Keyword rules of the demo region (routing_rules.csv): a broken road goes to DPU-PR.
ROUTING_KEYWORDS = {
    "DPUPR": ("jalan rusak", "drainase", "jembatan"),
    "DISDIK": ("sekolah",),
    "DINKES": ("fogging", "pustu", "dinas kesehatan"),
    "RSUD": ("rsud", "rumah sakit"),
    "PKM-DOMPU": ("puskesmas",),
    "DINSOS": ("bansos", "pkh", "dtks"),
    "DISDUKCAPIL": ("ktp", "kartu keluarga", "akta kelahiran"),
    "DPMPTSP": ("izin usaha", "pbg"),
    "DISKOMINFO": ("wifi publik", "website pemda"),
    "DLH": ("sampah", "limbah"),
    "DISHUB": ("lampu jalan", "parkir", "rambu"),
    "SATPOLPP": ("pkl", "balap liar"),
    "BPBD": ("banjir", "bencana"),
    "BAPPEDA": ("musrenbang",),
    "BPKAD": ("aset pemda", "pembayaran rekanan"),
    "BKPSDM": ("kenaikan pangkat",),
    "INSPEKTORAT": ("pungli", "oknum pegawai"),
    "DISTAN": ("pupuk", "penyuluh pertanian"),
    "DISLUTKAN": ("nelayan", "tpi"),
    "DISKOPUKM": ("umkm", "koperasi"),
    "DISDAG": ("pasar", "timbangan"),
    "KEC-DOMPU": ("kecamatan dompu",),
    "KEC-WOJA": ("kecamatan woja",),
    "KEC-HUU": ("kecamatan hu'u",),
    "KEC-KILO": ("kecamatan kilo",),
    "KEC-PEKAT": ("kecamatan pekat",),
}
# An aspirasi or a question names a service, not a problem: where an OPD's first keyword
# is a problem ("jalan rusak"), their text carries this one (a citizen asking about the
# schedule of "jalan rusak" would be complaining: kind_rules.yaml reads it so).
_SERVICE_KEYWORD = {"DPUPR": "drainase", "BPBD": "bencana", "INSPEKTORAT": "oknum pegawai"}
_ROUTABLE = {
    "pengaduan": (
        "Soal {k} di {p}: sudah {n} hari belum ada tindakan, mohon segera ditindaklanjuti.",
        "Lapor, masalah {k} di {p} belum juga ditangani. Tolong diperhatikan pak.",
    ),
    "aspirasi": (
        "Usul untuk layanan {k} di {p}: mohon jam layanan diperpanjang.",
        "Saran agar informasi layanan {k} diumumkan lebih awal untuk warga {p}.",
    ),
    "permintaan_informasi": (
        "Mohon info tentang layanan {k} untuk warga {p}?",
        "Kapan jadwal layanan {k} di {p}? Terima kasih.",
    ),
}
_UNROUTABLE = {
    "pengaduan": "Pelayanan di kantor itu lambat sekali, tolong diperhatikan.",
    "aspirasi": "Saran agar petugas lebih ramah kepada warga.",
    "permintaan_informasi": "Kantor buka jam berapa hari Sabtu?",
}
_NOISE_REPLIES = (
    "Betul, di tempat kami juga begitu.",
    "Sudah beberapa hari belum ada kabar.",
    "Setuju, mohon cepat ditangani.",
)
_PERSONAL = re.compile(r"\s(?:Hubungi saya|WA saya|NIK saya|Email:).*$")
KIND_LABELS = {"pengaduan": "Pengaduan", "aspirasi": "Aspirasi", "permintaan_informasi": "Permintaan Informasi"}
SERVICE_CODES = {"pengaduan": "PGD-01", "aspirasi": "ASP-01", "permintaan_informasi": "INF-01"}

# Registry accounts: one per OPD and platform, plus the region's central accounts.
CENTRAL = {
    "facebook": "100000000000001",
    "instagram": "17841400000000001",
    "x": "1500000001",
    "hotline-call": "CC-112",
    "hotline-wa": "WA-PEMKAB",
}
CENTRAL_NAMES = {"facebook": "Pemkab Dompu", "instagram": "pemkabdompu", "x": "pemkabdompu"}


def opd_account(platform: str, opd_code: str) -> str:
    i = OPD_CODES.index(opd_code)
    return {
        "facebook": str(100000000000100 + i),
        "instagram": str(17841400000000100 + i),
        "x": str(1500000100 + i),
        "lapor": f"INSTANSI-{5205000 + i}",
        "hotline-call": f"CC-{opd_code}",
        "hotline-wa": f"WA-{opd_code}",
    }[platform]


def opd_username(opd_code: str) -> str:
    return opd_code.lower().replace("-", "") + "_dompu"


def snowflake(moment: datetime, seq: int = 0) -> int:
    ms = int(moment.timestamp() * 1000)
    return ((ms - TWITTER_EPOCH_MS) << 22) | (seq & 0x3FFFFF)


def snowflake_time(ident: int | str) -> datetime:
    return datetime.fromtimestamp(((int(ident) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def graph_time(moment: datetime) -> str:
    """Graph API timestamps: ``2021-08-10T19:38:44+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class SimComplaint:
    """One complaint of the world and its life cycle (aware datetimes)."""

    source: str
    native_id: str  # the platform's id: the canonical complaint_id
    opd_code: str
    kind: str
    received_at: datetime
    forwarded_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    reporter: str | None  # the identity as a collector presents it
    text: str
    central: bool  # arrived at a central account (or the app's admin) and was forwarded
    unroutable: bool = False
    explicit_disposition: bool = False  # the channel names the OPD when it forwards
    confidential: bool = False
    anonymous: bool = False
    auto_closed_at: datetime | None = None  # LAPOR!: the platform closed it by itself
    extra: dict = field(default_factory=dict)  # platform details (post, author, usernames ...)

    @property
    def channel(self) -> str:
        return {
            "lapor": "aplikasi",
            "open311": "aplikasi",
            "facebook": "media_sosial",
            "instagram": "media_sosial",
            "x": "media_sosial",
        }.get(self.source, "hotline")


def _keyword_for(kind: str, opd: str) -> str:
    """The routing keyword a central complaint of this kind names its OPD by."""
    if kind != "pengaduan" and opd in _SERVICE_KEYWORD:
        return _SERVICE_KEYWORD[opd]
    return ROUTING_KEYWORDS[opd][0]


def x_username_of(c: SimComplaint) -> str:
    """The X account a complaint mentions: the central account's or its OPD's."""
    return CENTRAL_NAMES["x"] if c.central else opd_username(c.opd_code)


def _same_own_account(a: SimComplaint, b: SimComplaint) -> bool:
    """Two complaints at the same OPD's own account (a reply between them keeps one OPD)."""
    return not a.central and not b.central and a.opd_code == b.opd_code


def _thread_closing_under_first_answer(c: SimComplaint) -> None:
    """The OPD's ``#selesai`` replies to its own first answer, as admins thread a case."""
    answers = [r for r in c.extra["replies"] if r["role"] == "opd"]
    if len(answers) >= 2:
        answers[-1]["replied_to"] = answers[0]["id"]


def _quote_with_words(c: SimComplaint, quoted: SimComplaint, rng: random.Random) -> None:
    """``c`` quotes an earlier complaint and says its own words: still a complaint."""
    c.text = f"{c.text} https://t.co/{_tco(rng)}"
    c.extra["referenced_tweets"] = [{"type": "quoted", "id": quoted.native_id}]


def _lapor_event(kind: str, at: datetime, by: str, opd: str | None = None, text: str | None = None) -> dict:
    """A history event of the app, beyond those of the complaint's own life cycle."""
    return {"type": kind, "at": at, "by": by, "opd": opd, "text": text}


def _tco(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))


def _visible(moment: datetime | None, as_of: datetime) -> datetime | None:
    return moment if moment is not None and moment <= as_of else None


class World:
    """The synthetic region. ``opds`` / ``months`` restrict it (tests use a small world)."""

    def __init__(
        self,
        seed: int = 2026,
        opds: tuple[str, ...] | None = None,
        months: tuple[str, ...] | None = None,
        as_of: datetime = DEFAULT_AS_OF,
        unroutable_share: float = 0.06,
        region: str = REGION,
        region_name: str = demo.DEMO_REGION_NAME,
        timezone: str = demo.DEMO_TIMEZONE,
        id_prefix: str = "",  # the app and Open311 servers' own numbering (another region's)
    ):
        self.seed = seed
        self.region, self.region_name, self.timezone = region, region_name, timezone
        self.zone = WITA if timezone == demo.DEMO_TIMEZONE else ZoneInfo(timezone)
        self.id_prefix = id_prefix
        self.unroutable_share = unroutable_share
        self.as_of = as_of
        self.opds = tuple(opds or OPD_CODES)
        base = [dict(c) for c in _demo_complaints(seed)]
        self.rng = random.Random(f"simulator-{seed}")
        self.complaints: list[SimComplaint] = []
        self.bad_hotline_rows: list[str] = []
        self._seq = 0
        for c in base:
            if c["opd_code"] not in self.opds:
                continue
            if months and c["received_at"].strftime("%Y-%m") not in months:
                continue
            self.complaints.append(self._retell(c))
        self.posts = self._posts()
        self._attach_social()
        self.x_echoes: list[dict] = []  # retweets and bare quotes in the mentions: not complaints
        self._shape_x_threads()
        self._shape_lapor_histories()

    # -- building -----------------------------------------------------------------------
    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _retell(self, c: dict) -> SimComplaint:
        rng = self.rng
        aware = {
            k: (c[k].replace(tzinfo=self.zone, microsecond=0) if c[k] is not None else None)
            for k in ("received_at", "forwarded_at", "first_response_at", "resolved_at")
        }
        source, kind, opd = c["source"], c["kind"], c["opd_code"]
        central = aware["forwarded_at"] is not None
        unroutable = (
            central and source in ("facebook", "instagram", "x", "hotline-wa") and rng.random() < self.unroutable_share
        )
        text = c["text"]
        if central:
            personal = _PERSONAL.search(text)
            if unroutable:
                text = _UNROUTABLE[kind]
            else:
                text = rng.choice(_ROUTABLE[kind]).format(
                    k=_keyword_for(kind, opd), p=rng.choice(demo._PLACES), n=rng.randint(2, 20)
                )
            text += personal.group(0) if personal else ""
        if unroutable:  # nobody forwarded it, so no OPD answered it
            for k in ("forwarded_at", "first_response_at", "resolved_at"):
                aware[k] = None
        sim = SimComplaint(
            source=source,
            native_id="",
            opd_code=opd,
            kind=kind,
            received_at=aware["received_at"],
            forwarded_at=aware["forwarded_at"],
            first_response_at=aware["first_response_at"],
            resolved_at=aware["resolved_at"],
            reporter=None,
            text=text,
            central=central,
            unroutable=unroutable,
        )
        handle = c["reporter"]
        seq = self._next_seq()
        if source == "lapor":
            sim.native_id = f"{self.id_prefix}LPR-{sim.received_at:%y%m}-{seq:06d}"
            sim.anonymous = handle == "Anonim"
            sim.reporter = None if sim.anonymous else handle
            sim.confidential = rng.random() < 0.12
            sim.explicit_disposition = True
            sim.extra["phone"] = f"08{rng.randint(10, 99)}{rng.randint(10000000, 99999999)}"
            if kind == "pengaduan" and sim.resolved_at is None:
                closed = sim.received_at + timedelta(days=30)
                sim.auto_closed_at = closed
        elif source == "open311":
            sim.native_id = f"{self.id_prefix}{26000000 + seq}"
            sim.explicit_disposition = True
            sim.extra["place"] = rng.choice(demo._PLACES)
        elif source in ("facebook", "instagram", "x"):
            user_id = str(900000000 + (hash_handle(handle) % 90000000))
            sim.extra["user_id"] = user_id
            sim.extra["username"] = handle.lstrip("@")
            sim.reporter = f"{source}:{user_id}"
            if source == "x":
                sim.native_id = str(snowflake(sim.received_at, seq))
                sim.text = f"@{CENTRAL_NAMES['x'] if central else opd_username(opd)} {text}"
        else:  # hotline-call, hotline-wa
            sim.native_id = (
                f"TKT-{sim.received_at:%Y%m}-{seq:05d}"
                if source == "hotline-call"
                else f"WA{sim.received_at:%Y%m%d}{seq:05d}"
            )
            sim.reporter = handle
            # The call center names the OPD when it forwards about half of the time; the
            # WhatsApp gateway never does: the keyword rules route those.
            sim.explicit_disposition = central and source == "hotline-call" and rng.random() < 0.5
        return sim

    def _posts(self) -> dict[tuple[str, str], list[tuple[str, datetime]]]:
        """Weekly posts of every Facebook page and Instagram account, from before the first complaint."""
        if not self.complaints:
            return {}
        first = min(c.received_at for c in self.complaints) - timedelta(days=8)
        start = first.replace(hour=9, minute=0, second=0, microsecond=0)
        posts = {}
        for platform in ("facebook", "instagram"):
            for account in [CENTRAL[platform], *(opd_account(platform, o) for o in self.opds)]:
                items, moment, n = [], start + timedelta(hours=self.rng.randint(0, 72)), 0
                while moment <= self.as_of + timedelta(days=60):
                    n += 1
                    serial = 5000000 + self._next_seq()
                    ident = f"{account}_{serial}" if platform == "facebook" else str(17900000000000000 + serial)
                    items.append((ident, moment))
                    moment += timedelta(days=7, minutes=self.rng.randint(-120, 120))
                posts[(platform, account)] = items
        return posts

    def _attach_social(self) -> None:
        """Put each social complaint under a post and give it its thread of replies."""
        for c in self.complaints:
            if c.source not in ("facebook", "instagram", "x"):
                continue
            account = CENTRAL[c.source] if c.central else opd_account(c.source, c.opd_code)
            c.extra["account"] = account
            seq = self._next_seq()
            replies = []  # (author account id or citizen id, at, text, kind-of-author)
            if c.central and c.forwarded_at:
                replies.append(
                    (
                        CENTRAL[c.source],
                        c.forwarded_at,
                        "Terima kasih, laporan Anda kami teruskan ke OPD terkait.",
                        "central",
                    )
                )
            if c.first_response_at:
                replies.append(
                    (
                        opd_account(c.source, c.opd_code),
                        c.first_response_at,
                        "Terima kasih, laporan Anda sedang kami tindak lanjuti.",
                        "opd",
                    )
                )
            if c.resolved_at:
                replies.append(
                    (
                        opd_account(c.source, c.opd_code),
                        c.resolved_at,
                        "Sudah ditangani petugas kami di lapangan. #selesai",
                        "opd",
                    )
                )
            if self.rng.random() < 0.3:  # another citizen joins in: not a response
                noise_at = c.received_at + timedelta(minutes=self.rng.randint(5, 600))
                replies.append(
                    (
                        str(800000000 + self.rng.randint(0, 9999999)),
                        noise_at,
                        self.rng.choice(_NOISE_REPLIES),
                        "citizen",
                    )
                )
            replies.sort(key=lambda r: r[1])
            if c.source == "x":
                c.extra["replies"] = [
                    {
                        "id": str(snowflake(at, self._next_seq())),
                        "author_id": author,
                        "at": at,
                        "text": f"@{c.extra['username']} {text}",
                        "role": role,
                        "replied_to": c.native_id,
                    }
                    for author, at, text, role in replies
                ]
                continue
            posts = [p for p in self.posts[(c.source, account)] if p[1] <= c.received_at]
            post_id = posts[-1][0]
            if c.source == "facebook":  # Graph comment ids: <post part>_<comment part>
                c.native_id = f"{post_id.split('_')[1]}_{seq}"
            else:
                c.native_id = str(18000000000000000 + seq)
            c.extra["post"] = post_id
            c.extra["replies"] = [
                {
                    "id": (
                        f"{post_id.split('_')[1]}_{self._next_seq()}"
                        if c.source == "facebook"
                        else str(18000000000000000 + self._next_seq())
                    ),
                    "author_id": author,
                    "at": at,
                    "text": text,
                    "role": role,
                }
                for author, at, text, role in replies
            ]

    def _shape_x_threads(self) -> None:
        """X threads as the API shows them (its own random stream: the rest of the world stays as it was).

        Every complaint starts its own conversation unless it replies to an earlier one; the
        OPD threads its closing reply under its first answer; citizens echo complaints.
        """
        rng = random.Random(f"simulator-x-{self.seed}")
        tweets = sorted((c for c in self.complaints if c.source == "x"), key=lambda c: c.received_at)
        for i, c in enumerate(tweets):
            c.extra.update(conversation_id=c.native_id, referenced_tweets=[], in_reply_to_user_id=None)
            _thread_closing_under_first_answer(c)
            earlier = [
                a for a in tweets[:i] if _same_own_account(a, c) and c.received_at - a.received_at < timedelta(days=10)
            ]
            roll = rng.random()
            if earlier and roll < 0.35:
                self._reply_in_thread(c, rng.choice(earlier))
            elif earlier and roll < 0.5:
                _quote_with_words(c, rng.choice(earlier), rng)
            if rng.random() < 0.3:
                self.x_echoes.append(self._echo(c, rng, "retweeted"))
            if rng.random() < 0.1:
                self.x_echoes.append(self._echo(c, rng, "quoted"))

    def _shape_lapor_histories(self) -> None:
        """The admin's acknowledgements and the misrouted dispositions (their own random stream)."""
        rng = random.Random(f"simulator-lapor-{self.seed}")
        for c in self.complaints:
            if c.source != "lapor":
                continue
            events = c.extra.setdefault("lapor_events", [])
            if rng.random() < 0.5:
                at = c.received_at + timedelta(minutes=rng.randint(5, 60))
                events.append(_lapor_event("tanggapan", at, "admin", text="Terima kasih, laporan Anda kami terima."))
            others = [o for o in self.opds if o != c.opd_code]
            if c.central and c.forwarded_at and others and rng.random() < 0.25:
                self._misroute(c, rng.choice(others))

    @staticmethod
    def _misroute(c: SimComplaint, wrong: str) -> None:
        """Sent first to ``wrong``, which answers it is not its business; then re-dispositioned."""
        span = int((c.forwarded_at - c.received_at).total_seconds())
        disposed, answered = (c.received_at + timedelta(seconds=span * k // 10) for k in (6, 8))
        c.extra["misrouted"] = {"opd": wrong, "disposed_at": disposed, "answered_at": answered}
        c.extra["lapor_events"] += [
            _lapor_event("disposisi", disposed, "admin", wrong),
            _lapor_event("tanggapan", answered, "instansi", wrong, "Mohon maaf, bukan kewenangan kami."),
        ]

    @staticmethod
    def _reply_in_thread(c: SimComplaint, earlier: SimComplaint) -> None:
        """``c`` answers an earlier complaint: a complaint of its own, in that one's conversation."""
        c.text = f"@{earlier.extra['username']} {c.text}"
        c.extra.update(
            conversation_id=earlier.extra["conversation_id"],
            referenced_tweets=[{"type": "replied_to", "id": earlier.native_id}],
            in_reply_to_user_id=earlier.extra["user_id"],
        )

    def _echo(self, c: SimComplaint, rng: random.Random, kind: str) -> dict:
        """A citizen's Retweet of ``c``, or a Quote Tweet of it with nothing but a handle and a link."""
        at = c.received_at + timedelta(minutes=rng.randint(10, 3000))
        ident = str(snowflake(at, self._next_seq()))
        author = str(700000000 + rng.randint(0, 9999999))
        if kind == "retweeted":
            original = f"RT @{c.extra['username']}: {c.text}"
            text = original if len(original) <= 140 else original[:139] + "…"
        else:
            text = f"@{x_username_of(c)} https://t.co/{_tco(rng)}"
        return {
            "id": ident,
            "author_id": author,
            "username": f"warga{author[-4:]}",
            "at": at,
            "text": text,
            "account": c.extra["account"],
            "conversation_id": ident,  # a Retweet or a quote starts no one else's conversation
            "referenced_tweets": [{"type": kind, "id": c.native_id}],
        }

    # -- the registry ---------------------------------------------------------------------
    def accounts(self) -> list[tuple[str, str, str, str]]:
        """accounts.csv rows: region_code, opd_code ('' = central), platform, account_id."""
        rows = [
            (self.region, "", "facebook", CENTRAL["facebook"]),
            (self.region, "", "instagram", CENTRAL["instagram"]),
            (self.region, "", "x", CENTRAL["x"]),
            (self.region, "", "hotline", CENTRAL["hotline-call"]),
            (self.region, "", "hotline", CENTRAL["hotline-wa"]),
        ]
        for opd in self.opds:
            for platform in ("facebook", "instagram", "x", "lapor"):
                rows.append((self.region, opd, platform, opd_account(platform, opd)))
            rows.append((self.region, opd, "hotline", opd_account("hotline-call", opd)))
            rows.append((self.region, opd, "hotline", opd_account("hotline-wa", opd)))
        return rows

    def routing_rules(self) -> list[tuple[str, str, str]]:
        return [(self.region, keyword, opd) for opd in self.opds for keyword in ROUTING_KEYWORDS[opd]]

    def write_registry(self, out_dir: Path) -> dict[str, Path]:
        """registry.csv (all OPDs), accounts.csv and routing_rules.csv of the world."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "registry": out_dir / "registry.csv",
            "accounts": out_dir / "accounts.csv",
            "routing_rules": out_dir / "routing_rules.csv",
        }
        registry = [(self.region, self.region_name, self.timezone, o[0], o[1]) for o in demo._OPDS]
        _write_csv(paths["registry"], demo.REGISTRY_HEADER, registry)
        _write_csv(paths["accounts"], ("region_code", "opd_code", "platform", "account_id"), self.accounts())
        _write_csv(paths["routing_rules"], ("region_code", "keyword", "opd_code"), self.routing_rules())
        return paths

    # -- the truth ------------------------------------------------------------------------
    def visible(self, source: str | None = None, as_of: datetime | None = None) -> list[SimComplaint]:
        as_of = as_of or self.as_of
        return [c for c in self.complaints if c.received_at <= as_of and (source is None or c.source == source)]

    def truth(self, as_of: datetime | None = None, sources: tuple[str, ...] | None = None) -> list[dict]:
        """The canonical complaints Rapor must hold after collecting everything up to ``as_of``."""
        as_of = as_of or self.as_of
        out = []
        for c in self.visible(as_of=as_of):
            if sources and c.source not in sources:
                continue
            if c.native_id in self.bad_hotline_rows:
                continue
            forwarded = _visible(c.forwarded_at, as_of)
            first = _visible(c.first_response_at, as_of)
            resolved = _visible(c.resolved_at, as_of)
            opd = c.opd_code
            misrouted = c.extra.get("misrouted")
            if c.unroutable:
                opd, forwarded, first, resolved = None, None, None, None
            elif misrouted and forwarded is None and misrouted["disposed_at"] <= as_of:
                # Still with the wrong agency: its clock, its answer (the re-disposition is to come).
                opd, forwarded = misrouted["opd"], misrouted["disposed_at"]
                first, resolved = _visible(misrouted["answered_at"], as_of), None
            elif c.central and forwarded is None:
                # Not forwarded yet: the keyword rules route it, at once.
                forwarded = c.received_at
            out.append(
                {
                    "source": c.source,
                    "complaint_id": c.native_id,
                    "region_code": self.region,
                    "opd_code": opd,
                    "channel": c.channel,
                    "kind": c.kind,
                    **{
                        k: _utc(v)
                        for k, v in (
                            ("received_at", c.received_at),
                            ("forwarded_at", forwarded),
                            ("first_response_at", first),
                            ("resolved_at", resolved),
                        )
                    },
                    "confidential": c.confidential,
                    "reporter": c.reporter,
                    "text": c.text,
                }
            )
        return sorted(out, key=lambda r: (r["source"], r["complaint_id"]))

    # -- hotline exports --------------------------------------------------------------------
    def write_hotline_exports(self, inbox: Path, as_of: datetime | None = None, bad_row: bool = True) -> list[Path]:
        """Monthly exports as the call center (CSV) and the WhatsApp gateway (.xlsx) make them."""
        as_of = as_of or self.as_of
        inbox = Path(inbox)
        inbox.mkdir(parents=True, exist_ok=True)
        by_file: dict[tuple[str, str], list[list[str]]] = {}
        for c in self.visible(as_of=as_of):
            if c.source not in ("hotline-call", "hotline-wa"):
                continue
            row = self._hotline_row(c, as_of)
            by_file.setdefault((c.source, f"{c.received_at:%Y-%m}"), []).append(row)
        paths = []
        stamp = as_of.astimezone(self.zone).strftime("%Y%m%d%H%M")
        for (source, month), rows in sorted(by_file.items()):
            if source == "hotline-call":
                if bad_row and month == min(m for s, m in by_file if s == source):
                    bad = list(rows[0])
                    bad[0] = bad[0] + "-X"
                    bad[2] = "31/02/2026 10:15:00"  # typed by hand: there is no 31 February
                    rows = rows + [bad]
                    self.bad_hotline_rows = [bad[0]]
                path = inbox / f"callcenter-{month}-{stamp}.csv"
                _write_csv(path, CALL_CENTER_HEADER, rows)
            else:
                path = inbox / f"whatsapp-{month}-{stamp}.xlsx"
                _write_xlsx(path, WHATSAPP_HEADER, rows)
            paths.append(path)
        return paths

    def _hotline_row(self, c: SimComplaint, as_of: datetime) -> list[str]:
        forwarded = _visible(c.forwarded_at, as_of)
        named = OPD_NAMES[c.opd_code] if (forwarded and c.explicit_disposition) else ""
        line = CENTRAL[c.source] if c.central else opd_account(c.source, c.opd_code)
        first, resolved = _visible(c.first_response_at, as_of), _visible(c.resolved_at, as_of)
        if c.source == "hotline-call":
            fmt = lambda m: m.astimezone(self.zone).strftime("%d/%m/%Y %H:%M:%S") if m else ""  # noqa: E731
            return [
                c.native_id,
                line,
                fmt(c.received_at),
                c.reporter or "",
                KIND_LABELS[c.kind],
                c.text,
                named,
                fmt(forwarded),
                fmt(first),
                fmt(resolved),
            ]
        fmt = lambda m: m.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S") if m else ""  # noqa: E731
        return [
            c.native_id,
            line,
            fmt(c.received_at),
            c.reporter or "",
            c.text,
            KIND_LABELS[c.kind],
            named,
            fmt(forwarded),
            fmt(first),
            fmt(resolved),
        ]


CALL_CENTER_HEADER = (
    "no_tiket",
    "saluran",
    "waktu_masuk",
    "penelepon",
    "kategori",
    "isi_laporan",
    "opd_tujuan",
    "waktu_diteruskan",
    "waktu_ditanggapi",
    "waktu_selesai",
)
WHATSAPP_HEADER = (
    "id_pesan",
    "nomor_tujuan",
    "waktu_diterima",
    "pengirim",
    "pesan",
    "kategori",
    "opd_tujuan",
    "waktu_diteruskan",
    "waktu_dibalas",
    "waktu_selesai",
)


@lru_cache(maxsize=4)
def _demo_complaints(seed: int) -> tuple[dict, ...]:
    """The demo region's complaints, drawn exactly as ``generate_demo_region`` draws them."""
    rng = random.Random(seed)
    levels = [0.08 + 0.9 * i / (len(demo._OPDS) - 1) for i in range(len(demo._OPDS))]
    rng.shuffle(levels)
    diligence = {opd[0]: level for opd, level in zip(demo._OPDS, levels, strict=True)}
    return tuple(demo._complaints(rng, diligence))


def hash_handle(handle: str) -> int:
    """A stable number for a handle (Python's hash() is salted per process)."""

    return int(hashlib.sha256(handle.encode()).hexdigest()[:12], 16)


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _write_csv(path: Path, header, rows) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, header, rows, stamp: datetime = DEFAULT_AS_OF) -> None:
    """An .xlsx whose bytes depend on its content only (a gateway re-exporting the same
    messages makes the same file): zip times and document dates are pinned to ``stamp``."""

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "pesan"
    sheet.append(list(header))
    for row in rows:
        sheet.append([v if v != "" else None for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + when.encode(), data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)
