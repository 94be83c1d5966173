"""The morning's early warning to each OPD: e-mail to its complaint handlers, a CSV and a JSON feed.

For one region and one working day, every OPD with a duty still owed (``rapor.scoring.
early_warning``: overdue, or due within the policy's horizon) gets:

- an e-mail to its complaint handlers (``pengelola_pengaduan`` with an ``email`` in the staff
  registry), listing every such complaint by source and ticket, oldest deadline first,
  confidential ones included (the handlers are the ones who must answer them);
- ``<opd>.csv`` and ``<opd>.json`` in ``layout.early_warning_folder`` for the region's own chat
  or WhatsApp gateway (Rapor sends no WhatsApp itself). These leave the OPD's mailbox, so
  confidential complaints are counted there, never listed.

No reporter, no complaint text: a ticket is enough to open the complaint at its source.
Every e-mail is logged in ``notification_log`` under ``peringatan:<day>:<opd>``: a re-run of
the same day sends nothing twice. The files are rewritten (same day, same content).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from rapor import config
from rapor.cells import safe_text
from rapor.imports.staff import HANDLER
from rapor.layout import early_warning_folder
from rapor.mail import FAILED, SENT, SKIPPED, send_email
from rapor.policy import Policy, load_policy
from rapor.publish.formatting import long_date, long_datetime, zone_abbreviation
from rapor.publish.report import jinja_env
from rapor.registry import Region, active_opd_names, get_region
from rapor.scoring.early_warning import due_at, morning_of
from rapor.storage import Location, write_atomically
from rapor.vocabulary import (
    CHANNEL_LABELS,
    DUTY_LABELS,
    EARLY_WARNING,
    KIND_LABELS,
    WARNING_DUE,
    WARNING_OVERDUE,
)
from rapor.warehouse import schema
from rapor.warehouse.db import insert_ignoring_duplicates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueComplaint:
    """One duty a complaint still owes the OPD, as the warning shows it."""

    source: str
    ticket: str
    channel: str
    kind: str
    duty: str
    deadline_at: datetime  # UTC, the last instant that still meets the deadline
    overdue: bool
    confidential: bool

    @property
    def state(self) -> str:
        return WARNING_OVERDUE if self.overdue else WARNING_DUE


@dataclass(frozen=True)
class OpdWarning:
    """What one OPD is told on one morning."""

    region: Region
    opd_code: str
    opd_name: str
    day: date
    as_of: datetime
    horizon_hk: int
    items: tuple[DueComplaint, ...] = field(default_factory=tuple)

    @property
    def listed(self) -> tuple[DueComplaint, ...]:
        """What may leave the handlers' mailbox: everything but confidential complaints."""
        return tuple(i for i in self.items if not i.confidential)

    @property
    def n_confidential(self) -> int:
        return sum(1 for i in self.items if i.confidential)

    @property
    def n_overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)

    @property
    def event_key(self) -> str:
        return f"{EARLY_WARNING}:{self.day}:{self.opd_code}"[:100]


def opd_warnings(engine, region_code: str, day: date, policy: Policy | None = None) -> list[OpdWarning]:
    """The warnings of every active OPD of the region with something due on ``day``'s morning."""
    policy = policy or load_policy()
    with engine.connect() as conn:
        region = get_region(conn, region_code)
    return warnings_at(engine, region_code, morning_of(region, day, policy), policy)


def warnings_at(engine, region_code: str, as_of: datetime, policy: Policy | None = None) -> list[OpdWarning]:
    """The same lists at any instant (the OPD web page shows them live); none due: empty."""
    policy = policy or load_policy()
    with engine.connect() as conn:
        region = get_region(conn, region_code)
        names = active_opd_names(conn, region_code)
        due = due_at(conn, region, as_of, policy)
    day = as_of.astimezone(ZoneInfo(region.timezone)).date()
    warnings = []
    for opd_code, rows in due.groupby("opd_code", sort=True):
        if opd_code not in names:
            continue  # an OPD no longer in the registry has nobody to tell
        items = tuple(
            DueComplaint(
                source=r.source,
                ticket=r.complaint_id,
                channel=r.channel,
                kind=r.kind,
                duty=r.duty,
                deadline_at=r.deadline_at.to_pydatetime(),
                overdue=bool(r.overdue),
                confidential=bool(r.confidential),
            )
            for r in rows.itertuples(index=False)
        )
        warnings.append(
            OpdWarning(region, opd_code, names[opd_code], day, as_of, policy.early_warning.horizon_hk, items)
        )
    return warnings


# --- The feed files -----------------------------------------------------------------------

FEED_MODE = 0o600  # a feed in a local folder: readable by the service user only
FEED_HEADER = ("Sumber", "Nomor tiket", "Kanal", "Jenis", "Kewajiban", "Tenggat", "Keadaan")


def feed_rows(warning: OpdWarning) -> list[tuple[str, ...]]:
    tz = warning.region.timezone
    return [
        (
            i.source,
            i.ticket,
            CHANNEL_LABELS.get(i.channel, i.channel),
            KIND_LABELS.get(i.kind, i.kind),
            DUTY_LABELS[i.duty],
            long_datetime(i.deadline_at, tz),
            i.state,
        )
        for i in warning.listed
    ]


def feed_csv(warning: OpdWarning) -> bytes:
    """The OPD's list for people (Bahasa Indonesia, local deadlines), confidential ones counted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FEED_HEADER)
    # Every cell is text (tickets come from the public): no formula reaches a spreadsheet (rapor.cells).
    writer.writerows([safe_text(str(cell)) for cell in row] for row in feed_rows(warning))
    return out.getvalue().encode("utf-8")


def feed_json(warning: OpdWarning) -> bytes:
    """The OPD's list for a chat gateway: stable keys, ISO 8601 deadlines with the local offset."""
    tz = warning.region.timezone
    document = {
        "region_code": warning.region.region_code,
        "opd_code": warning.opd_code,
        "opd_name": warning.opd_name,
        "day": warning.day.isoformat(),
        "as_of": warning.as_of.isoformat(),
        "horizon_hk": warning.horizon_hk,
        "n_overdue": sum(1 for i in warning.listed if i.overdue),
        "n_due": sum(1 for i in warning.listed if not i.overdue),
        "n_confidential_not_listed": warning.n_confidential,
        "complaints": [
            {
                "source": i.source,
                "ticket": i.ticket,
                "channel": i.channel,
                "kind": i.kind,
                "duty": i.duty,
                "deadline_at": i.deadline_at.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds"),
                "overdue": i.overdue,
            }
            for i in warning.listed
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_feeds(warning: OpdWarning, out_dir: Location | None = None) -> tuple[Location, Location]:
    """``<opd>.csv`` and ``<opd>.json`` of the morning (rewritten by a re-run; in a folder, mode 0600)."""
    folder = early_warning_folder(warning.region.region_code, warning.day, out_dir)
    csv_path, json_path = folder / f"{warning.opd_code}.csv", folder / f"{warning.opd_code}.json"
    write_atomically(csv_path, feed_csv(warning), mode=FEED_MODE)
    write_atomically(json_path, feed_json(warning), mode=FEED_MODE)
    return csv_path, json_path


# --- The e-mail ---------------------------------------------------------------------------


def handler_addresses(conn, region_code: str, opd_code: str) -> list[str]:
    st = schema.opd_staff
    rows = conn.execute(
        select(st.c.email)
        .where(st.c.region_code == region_code, st.c.opd_code == opd_code, st.c.role == HANDLER)
        .where(st.c.email.is_not(None))
        .order_by(st.c.email)
    ).scalars()
    return list(dict.fromkeys(e for e in rows if e))


def message_html(warning: OpdWarning) -> str:
    tz = warning.region.timezone
    return (
        jinja_env()
        .get_template("early_warning_email.html.j2")
        .render(
            warning=warning,
            day=long_date(warning.day),
            as_of=long_datetime(warning.as_of, tz, True),
            zone=zone_abbreviation(tz),
            items=[(i, DUTY_LABELS[i.duty], long_datetime(i.deadline_at, tz)) for i in warning.items],
            CHANNEL_LABELS=CHANNEL_LABELS,
            KIND_LABELS=KIND_LABELS,
            WARNING_OVERDUE=WARNING_OVERDUE,
        )
    )


def subject(warning: OpdWarning) -> str:
    return (
        f"[Rapor] {warning.opd_name}: {len(warning.items)} aduan perlu dijawab "
        f"({warning.n_overdue} terlambat) - {long_date(warning.day)}"
    )


def _already_sent(conn, warning: OpdWarning) -> bool:
    nl = schema.notification_log
    row = conn.execute(
        select(nl.c.notification_id)
        .where(
            nl.c.region_code == warning.region.region_code,
            nl.c.event_key == warning.event_key,
            nl.c.status == SENT,
        )
        .limit(1)
    ).first()
    return row is not None


def send_warning(engine, warning: OpdWarning, conn_id: str | None = None) -> str:
    """E-mail one OPD's handlers (once per day); returns the notification status."""
    region_code = warning.region.region_code
    with engine.connect() as conn:
        if _already_sent(conn, warning):
            return SENT
        to = handler_addresses(conn, region_code, warning.opd_code)
    if to:
        status, detail = send_email(conn_id or config.smtp_conn_id(), to, subject(warning), message_html(warning))
    else:
        status, detail = SKIPPED, f"no complaint handler e-mail for {warning.opd_code}: add email to staff.csv"
    with engine.begin() as conn:
        conn.execute(
            insert(schema.notification_log).values(
                region_code=region_code,
                period=f"{warning.day:%Y-%m}",
                revision=None,
                event=EARLY_WARNING,
                event_key=warning.event_key,
                recipients=", ".join(to),
                subject=subject(warning)[:300],
                status=status,
                detail=detail,
                logged_at=datetime.now(UTC),
            )
        )
    log.info("early warning %s for %s: %s (%s)", warning.event_key, region_code, status, detail or "")
    return status


@dataclass(frozen=True)
class WarningOutcome:
    region_code: str
    day: str
    n_opds: int
    n_complaints: int
    n_overdue: int
    statuses: dict[str, str]  # opd_code -> notification status
    files: list[str]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def record_items(engine, warning: OpdWarning) -> None:
    """Keep what this morning named (once per day and duty), to measure the warnings' effect."""
    rows = [
        {
            "region_code": warning.region.region_code,
            "day": warning.day,
            "source": i.source,
            "complaint_id": i.ticket,
            "duty": i.duty,
            "opd_code": warning.opd_code,
            "deadline_at": i.deadline_at.astimezone(UTC),
            "overdue": i.overdue,
        }
        for i in warning.items
    ]
    with engine.begin() as conn:
        insert_ignoring_duplicates(
            conn, schema.early_warning_item, rows, ["region_code", "day", "source", "complaint_id", "duty"]
        )


def warn_region(
    engine, region_code: str, day: date, policy: Policy | None = None, *, out_dir: Location | None = None, conn_id=None
) -> WarningOutcome:
    """Write the feeds and e-mail every OPD of the region with something due on ``day``."""
    warnings = opd_warnings(engine, region_code, day, policy)
    statuses, files = {}, []
    for warning in warnings:
        files += [str(p) for p in write_feeds(warning, out_dir)]
        record_items(engine, warning)
        statuses[warning.opd_code] = send_warning(engine, warning, conn_id)
    failed = sorted(code for code, status in statuses.items() if status == FAILED)
    if failed:
        raise RuntimeError(
            f"early warning e-mail of {region_code} {day} failed for {', '.join(failed)}: "
            "check the SMTP connection, then clear the task (sent e-mails are not sent again)"
        )
    return WarningOutcome(
        region_code,
        day.isoformat(),
        len(warnings),
        sum(len(w.items) for w in warnings),
        sum(w.n_overdue for w in warnings),
        statuses,
        files,
    )
