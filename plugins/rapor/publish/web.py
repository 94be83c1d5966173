"""The web view of published scorecards inside Airflow: region → month → OPD, with downloads.

A FastAPI app that ``plugins/rapor_web_plugin.py`` mounts at ``/rapor`` of Airflow's API
server. Airflow does not authenticate plugin apps, so every route depends on
``authorized_user``: Airflow's own ``get_user`` (the ``Authorization: Bearer`` header or
the ``_token`` cookie that Airflow's login sets, checked by the configured auth manager),
then the auth manager's permission to read the ``rapor_publish`` DAG, then the user's regions
(``rapor.publish.access``, the file ``RAPOR_WEB_ACCESS``): the index lists only those, and every
address of another region answers 404, for pages, downloads and appeals alike. A browser
without a session is sent to Airflow's login page and comes back afterwards.

Pages show published revisions only (files under ``output/published``, never the live
scorecard table), so what a reader sees is what was published. They are read from the output
store (``RAPOR_OUTPUT_DIR``: a folder, or an fsspec URL such as ``s3://``), never from a
worker's disk: the API server needs nothing but the store. The one live part is a
month's appeals (banding): the list, a form to file one within the appeal window (users the
auth manager lets edit the ``rapor_appeals`` DAG) and forms to decide the filed ones (users
it lets trigger ``rapor_appeals`` runs). Both are checked here, server-side, on every POST,
and the warehouse records the logged-in user's name with the filing or decision. The same
POST routes take JSON: the ``rapor banding`` CLI calls them with an Airflow token.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from rapor import config
from rapor.errors import ConfigError
from rapor.layout import revision_folder
from rapor.publish.access import RegionAccess, region_access
from rapor.publish.appeals import AppealError, AppealRequest, decide_appeal, file_appeal, list_appeals, subject
from rapor.publish.early_warning import warnings_at
from rapor.publish.fingerprint import read_snapshot
from rapor.publish.formatting import long_datetime, month_name
from rapor.publish.inputs import recompute_rows
from rapor.publish.report import build_context, jinja_env
from rapor.publish.revisions import (
    BKD_CSV,
    BKD_EXCEL_CSV,
    BKD_XLSX,
    INPUTS,
    MANIFEST,
    REPORT_HTML,
    REPORT_PDF,
    SCORECARD,
    list_revisions,
    read_manifest,
    revision_info,
)
from rapor.publish.tickets import source_tickets
from rapor.quality.status import latest_gate
from rapor.registry import get_region
from rapor.storage import Location, child, inside, is_store, location
from rapor.vocabulary import (
    APPEAL_COMPLAINT,
    APPEAL_CORRECT,
    APPEAL_DECISIONS,
    APPEAL_EXCLUDE,
    APPEAL_FILED,
    APPEAL_GROUNDS,
    APPEAL_INDICATOR,
    APPEAL_LABELS,
    DUTY_LABELS,
    INDICATOR_SCORES,
)
from rapor.warehouse import schema
from rapor.warehouse.db import open_warehouse

PUBLISH_DAG_ID = "rapor_publish"
APPEALS_DAG_ID = "rapor_appeals"  # its permissions say who may file and who may decide appeals
_REGION = re.compile(r"^[0-9A-Za-z._-]{1,16}$")
_PERIOD = re.compile(r"^\d{4}-\d{2}$")
_OPD = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
MEDIA_TYPES = {
    REPORT_HTML: "text/html; charset=utf-8",
    REPORT_PDF: "application/pdf",
    BKD_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    BKD_EXCEL_CSV: "text/csv; charset=utf-8",
    BKD_CSV: "text/csv; charset=utf-8",
    SCORECARD: "text/csv; charset=utf-8",
    MANIFEST: "application/json",
}


async def authorized_user(request: Request):
    """The Airflow user of the request, allowed to read the publishing DAG (else 401/403)."""
    # Airflow's API server modules: imported per request, not while Airflow loads this plugin.
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.api_fastapi.core_api.security import get_user

    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials) if credentials else None
    user = await get_user(request, None, bearer)  # Airflow's own resolution: bearer header, then the _token cookie
    if not get_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=PUBLISH_DAG_ID), user=user):
        raise HTTPException(status_code=403, detail="rapor: akses ditolak")
    region_code = request.path_params.get("region_code")
    if region_code is not None and not _access(user).allows(region_code):
        # Another region's pages do not exist for this user (the same answer as an unknown region).
        raise HTTPException(status_code=404, detail="wilayah tidak dikenal")
    return user


def _access(user) -> RegionAccess:
    """The regions this user may see (``RAPOR_WEB_ACCESS``); a broken access file shows nothing."""
    try:
        return region_access(user.get_name())
    except ConfigError as exc:
        raise HTTPException(status_code=500, detail=f"rapor: {exc}") from None


def may_file_appeals(user) -> bool:
    """Filing an appeal: the auth manager's permission to edit the rapor_appeals DAG."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    return get_auth_manager().is_authorized_dag(method="PUT", details=DagDetails(id=APPEALS_DAG_ID), user=user)


def may_decide_appeals(user) -> bool:
    """Deciding an appeal (which re-scores the month): permission to trigger rapor_appeals runs."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    return get_auth_manager().is_authorized_dag(
        method="POST", access_entity=DagAccessEntity.RUN, details=DagDetails(id=APPEALS_DAG_ID), user=user
    )


CurrentUser = Annotated[Any, Depends(authorized_user)]  # the route's user (resolved once per request)


def _wants_html(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def create_app() -> FastAPI:
    """The web view: every page behind ``authorized_user``, errors as pages for browsers."""
    app = FastAPI(
        title="Rapor", docs_url=None, redoc_url=None, openapi_url=None, dependencies=[Depends(authorized_user)]
    )
    app.add_exception_handler(StarletteHTTPException, http_error)
    # Starlette matches in this order.
    app.add_api_route("/", index_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/{region_code}/", region_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/{region_code}/{period}/", latest_revision, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route(
        "/{region_code}/{period}/r{revision}/", revision_page, methods=["GET"], response_class=HTMLResponse
    )
    app.add_api_route(
        "/{region_code}/{period}/r{revision}/opd/{opd_code}", opd_page, methods=["GET"], response_class=HTMLResponse
    )
    app.add_api_route("/{region_code}/{period}/r{revision}/laporan", report_inline, methods=["GET"])
    app.add_api_route("/{region_code}/{period}/r{revision}/data-docs/{path:path}", data_docs, methods=["GET"])
    app.add_api_route("/{region_code}/{period}/r{revision}/unduh/{name}", download, methods=["GET"])
    app.add_api_route("/{region_code}/{period}/banding", appeals_json, methods=["GET"])
    app.add_api_route("/{region_code}/{period}/banding", file_appeal_route, methods=["POST"])
    app.add_api_route("/{region_code}/{period}/banding/{appeal_id}/putusan", decide_appeal_route, methods=["POST"])
    return app


async def http_error(request: Request, exc: StarletteHTTPException):
    """A browser without a session goes to Airflow's login; other errors are a page (browser) or JSON."""
    not_logged_in = exc.status_code == 401 or (exc.status_code == 403 and exc.detail != "rapor: akses ditolak")
    if not_logged_in and _wants_html(request):
        from airflow.api_fastapi.app import get_auth_manager

        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=307)
    if "text/html" in request.headers.get("accept", ""):  # a page, for a form's POST too
        return HTMLResponse(
            _render("web_error.html.j2", status=exc.status_code, detail=exc.detail, crumbs=[]),
            status_code=exc.status_code,
        )
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


# --- pages ------------------------------------------------------------------------------------


def index_page(user: CurrentUser):
    """Regions with published months that this user may see."""
    access = _access(user)
    regions = [r for r in _regions() if access.allows(r["region_code"])]
    return _render("web_index.html.j2", regions=regions, crumbs=[], root="./")


def region_page(region_code: str):
    """A region's months, newest first, with their latest revision or "held"."""
    region = _region(region_code)
    return _render(
        "web_region.html.j2",
        region=region,
        months=_months(region_code),
        crumbs=[(region["region_name"], None)],
        root="../",
    )


def latest_revision(region_code: str, period: str):
    """A month's address leads to its latest revision."""
    revisions = _revisions(region_code, period)
    return RedirectResponse(f"r{revisions[-1]['revision']}/", status_code=307)


def revision_page(region_code: str, period: str, revision: int, user: CurrentUser):
    """One revision of a month: the report's content, the month's revisions, the files, the appeals."""
    revisions, folder = _folder(region_code, period, revision)
    context = _context(str(folder), _sha(revisions, revision), revision)
    return _render(
        "web_month.html.j2",
        **context,
        latest=revisions[-1]["revision"],
        all_revisions=[
            {**r, "published_at_text": long_datetime(r["published_at"], context["region"]["timezone"])}
            for r in revisions
        ],
        files=_files(folder),
        root="../../../",
        data_docs_here=_has_data_docs(folder),
        crumbs=[(context["region"]["region_name"], "../../"), (f"{context['month']} · revisi {revision}", None)],
        banding=_appeals_view(region_code, period, revisions, context, user),
    )


def opd_page(region_code: str, period: str, revision: int, opd_code: str):
    """One OPD in one revision: its figures, trend and evidence."""
    revisions, folder = _folder(region_code, period, revision)
    context = _context(str(folder), _sha(revisions, revision), revision)
    entry = next((e for e in context["entries"] if e["opd_code"] == opd_code), None) if _OPD.match(opd_code) else None
    if entry is None:
        raise HTTPException(status_code=404, detail="OPD tidak ada dalam revisi ini")
    return _render(
        "web_opd.html.j2",
        **context,
        e=entry,
        due_now=_due_now(region_code, opd_code),
        root="../../../../",
        crumbs=[
            (context["region"]["region_name"], "../../../"),
            (f"{context['month']} · revisi {revision}", "../"),
            (entry["opd_name"], None),
        ],
    )


def report_inline(region_code: str, period: str, revision: int):
    """The published HTML report, shown in the browser."""
    _, folder = _folder(region_code, period, revision)
    return _file_response(folder / REPORT_HTML, MEDIA_TYPES[REPORT_HTML])


def data_docs(region_code: str, period: str, revision: int, path: str):
    """The revision's copy of the gate's Data Docs (older revisions: the site under the output folder)."""
    _, folder = _folder(region_code, period, revision)
    base = _data_docs_base(folder)
    target = child(base, path or "index.html") if base else None
    if not (target and target.is_file()):
        raise HTTPException(status_code=404, detail="Data Docs tidak tersedia")
    return _file_response(target)


def _data_docs_base(folder: Location) -> Location | None:
    """The folder of the revision's Data Docs site: its own copy, else the gate's site under the output folder."""
    manifest = read_manifest(folder)
    if manifest.get("data_docs"):
        index = child(folder, manifest["data_docs"])
        return index.parent if index else None
    docs = (manifest.get("gate") or {}).get("data_docs_path")
    if not docs or docs.startswith(("http://", "https://")):
        return None
    base = location(docs).parent
    return base if inside(base, config.output_dir()) else None


def download(region_code: str, period: str, revision: int, name: str):
    """A published file as a download named after the region, month and revision."""
    _, folder = _folder(region_code, period, revision)
    if name not in MEDIA_TYPES or not (folder / name).is_file():
        raise HTTPException(status_code=404, detail="berkas tidak ada dalam revisi ini")
    stem, dot, ext = name.partition(".")
    filename = f"rapor-{region_code}-{period}-r{revision}-{stem}{dot}{ext}"
    return _file_response(folder / name, MEDIA_TYPES[name], filename)


def _file_response(path: Location, media_type: str | None = None, filename: str | None = None) -> Response:
    """A file of the output store as the response: streamed from a folder, read whole from a store."""
    if not is_store(path):
        return FileResponse(path, media_type=media_type, filename=filename)
    media_type = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return Response(path.read_bytes(), media_type=media_type, headers=headers)


# --- appeals (banding): the month's live list, filing and deciding ---------------------------


def _appeals_view(region_code: str, period: str, revisions: list[dict], context: dict, user) -> dict:
    """What the month page shows of its appeals, and which forms this user gets."""
    tz = context["region"]["timezone"]
    with _engine().connect() as conn:
        rows = list_appeals(conn, region_code, period)
    deadline = revisions[-1]["appeal_deadline_at"]
    open_now = deadline is not None and datetime.now(deadline.tzinfo) <= deadline
    return {
        "appeals": [
            {
                **r,
                "subject_text": subject(r),
                "status_label": APPEAL_LABELS[r["status"]],
                "filed_at_text": long_datetime(r["filed_at"], tz),
                "decided_at_text": long_datetime(r["decided_at"], tz) if r["decided_at"] else "",
                "pending": r["status"] == APPEAL_FILED,
            }
            for r in rows
        ],
        "deadline": long_datetime(deadline, tz) if deadline else None,
        "open": open_now,
        "may_file": open_now and may_file_appeals(user),
        "may_decide": may_decide_appeals(user),
        "opds": [(e["opd_code"], e["opd_name"]) for e in context["entries"]],
        "grounds": APPEAL_GROUNDS,
        "scores": INDICATOR_SCORES,
        "decisions": [(d, APPEAL_LABELS[d]) for d in APPEAL_DECISIONS],
        "kinds": (APPEAL_COMPLAINT, APPEAL_INDICATOR),
        "requests": (APPEAL_EXCLUDE, APPEAL_CORRECT),
    }


def appeals_json(region_code: str, period: str):
    """The month's appeals as JSON (for ``rapor banding daftar`` through the API server)."""
    _revisions(region_code, period)
    with _engine().connect() as conn:
        rows = list_appeals(conn, region_code, period)
    out = [{k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in r.items()} for r in rows]
    for item in out:  # the publication names a complaint by its reference only
        item.pop("source", None)
        item.pop("complaint_id", None)
    return JSONResponse(out)


async def _submitted(request: Request) -> tuple[dict, bool]:
    """The posted fields (form or JSON) and whether they came from a browser form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(await request.json()), False
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.url.netloc:  # a form posted from another site
        raise HTTPException(status_code=403, detail="rapor: akses ditolak")
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}, True


def _local_instant(value, tz: str) -> datetime | None:
    """An instant typed in the region's local time (or ISO with an offset)."""
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        raise AppealError(f"waktu {value!r} tidak dapat dibaca (contoh: 2026-10-05T14:30)") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo(tz))


def _appeal_request(region: dict, period: str, fields: dict) -> AppealRequest:
    try:
        score = int(fields["corrected_score"]) if fields.get("corrected_score") not in (None, "") else None
        inspected_on = date.fromisoformat(fields["inspected_on"]) if fields.get("inspected_on") else None
    except ValueError:
        raise AppealError("nilai atau tanggal inspeksi tidak dapat dibaca") from None
    return AppealRequest(
        region_code=region["region_code"],
        period=period,
        opd_code=str(fields.get("opd_code") or ""),
        item=str(fields.get("item") or ""),
        requested=str(fields.get("requested") or ""),
        ground=str(fields.get("ground") or ""),
        explanation=str(fields.get("explanation") or ""),
        complaint_ref=(str(fields.get("complaint_ref") or "").strip() or None),
        corrected_first_response_at=_local_instant(fields.get("corrected_first_response_at"), region["timezone"]),
        corrected_resolved_at=_local_instant(fields.get("corrected_resolved_at"), region["timezone"]),
        inspected_on=inspected_on,
        indicator=(str(fields.get("indicator") or "").strip() or None),
        corrected_score=score,
    )


def _done(request: Request, browser: bool, region_code: str, period: str, payload: dict, status: int = 200):
    """Back to the month's latest revision page (a form), or the JSON answer (the CLI)."""
    if browser:
        revisions = _revisions(region_code, period)
        path = request.url.path
        month = f"/{region_code}/{period}/"
        page = path[: path.index(month) + len(month)] + f"r{revisions[-1]['revision']}/#banding"
        return RedirectResponse(page, status_code=303)
    return JSONResponse(payload, status_code=status)


async def file_appeal_route(region_code: str, period: str, request: Request, user: CurrentUser):
    """File one appeal item for the month, in the name of the logged-in user."""
    region = _region(region_code)
    _revisions(region_code, period)
    if not may_file_appeals(user):
        raise HTTPException(status_code=403, detail="rapor: akses ditolak")
    fields, browser = await _submitted(request)
    try:
        number = file_appeal(_engine(), _appeal_request(region, period, fields), user.get_name())
    except AppealError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return _done(request, browser, region_code, period, {"appeal_id": number, "filed_by": user.get_name()}, 201)


async def decide_appeal_route(region_code: str, period: str, appeal_id: int, request: Request, user: CurrentUser):
    """Accept or reject one filed appeal, in the name of the logged-in user."""
    _region(region_code)
    _revisions(region_code, period)
    if not may_decide_appeals(user):
        raise HTTPException(status_code=403, detail="rapor: akses ditolak")
    fields, browser = await _submitted(request)
    with _engine().connect() as conn:
        known = {int(r["appeal_id"]) for r in list_appeals(conn, region_code, period)}
    if appeal_id not in known:
        raise HTTPException(status_code=404, detail="banding tidak ada untuk bulan ini")
    try:
        row = decide_appeal(
            _engine(), appeal_id, str(fields.get("decision") or ""), str(fields.get("reason") or ""), user.get_name()
        )
    except AppealError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return _done(
        request,
        browser,
        region_code,
        period,
        {"appeal_id": appeal_id, "status": row["status"], "decided_by": row["decided_by"]},
    )


# --- data access: published revisions only -------------------------------------------------


def _engine():
    """The warehouse (``RAPOR_WAREHOUSE_URL``), for the lists of publications and gate verdicts."""
    return open_warehouse()


def _due_now(region_code: str, opd_code: str) -> dict:
    """The OPD's early-warning list as of now (live, whatever revision the page shows)."""
    now = datetime.now(UTC)
    warning = next((w for w in warnings_at(_engine(), region_code, now) if w.opd_code == opd_code), None)
    tz = _region(region_code)["timezone"]
    if warning is None:
        return {"as_of": long_datetime(now, tz, True), "items": [], "n_confidential": 0, "n_overdue": 0}
    return {
        "as_of": long_datetime(now, tz, True),
        # Web readers are not all this OPD's handlers: confidential complaints are counted, not listed.
        "items": [
            {
                "source": i.source,
                "ticket": i.ticket,
                "duty": DUTY_LABELS[i.duty],
                "deadline": long_datetime(i.deadline_at, tz),
                "state": i.state,
                "overdue": i.overdue,
            }
            for i in warning.listed
        ],
        "n_confidential": warning.n_confidential,
        "n_overdue": warning.n_overdue,
    }


def _regions() -> list[dict]:
    """Regions with at least one publication: how many months, the latest."""
    pub, reg = schema.publication, schema.region
    with _engine().connect() as conn:
        rows = conn.execute(
            select(
                reg.c.region_code, reg.c.region_name, func.count(func.distinct(pub.c.period)), func.max(pub.c.period)
            )
            .join(pub, pub.c.region_code == reg.c.region_code)
            .group_by(reg.c.region_code, reg.c.region_name)
            .order_by(reg.c.region_code)
        ).all()
    return [{"region_code": c, "region_name": n, "n_months": k, "latest": month_name(p)} for c, n, k, p in rows]


def _region(region_code: str) -> dict:
    if not _REGION.match(region_code):
        raise HTTPException(status_code=404, detail="wilayah tidak dikenal")
    try:
        with _engine().connect() as conn:
            region = get_region(conn, region_code)
    except ConfigError:
        raise HTTPException(status_code=404, detail="wilayah tidak dikenal") from None
    return {"region_code": region.region_code, "region_name": region.region_name, "timezone": region.timezone}


def _months(region_code: str) -> list[dict]:
    """Published months (newest first) with their latest revision, and months held by the gate."""
    engine = _engine()
    with engine.connect() as conn:
        revisions = list_revisions(conn, region_code)
        gate_periods = (
            conn.execute(
                select(schema.quality_gate.c.period).where(schema.quality_gate.c.region_code == region_code).distinct()
            )
            .scalars()
            .all()
        )
        gates = {p: latest_gate(conn, region_code, p) for p in set(gate_periods) | {r["period"] for r in revisions}}
        tz = _region(region_code)["timezone"]
    months: dict[str, dict] = {}
    for r in revisions:
        months[r["period"]] = {
            "period": r["period"],
            "month": month_name(r["period"]),
            "revision": r["revision"],
            "published_at": long_datetime(r["published_at"], tz),
            "gate_status": r["gate_status"],
            "bkd": r["bkd_produced"],
            "n_revisions": r["revision"],
        }
    for period, gate in gates.items():
        if gate is not None and not gate.passed:
            months.setdefault(period, {"period": period, "month": month_name(period), "revision": None})
            months[period]["held"] = True
    return [months[p] for p in sorted(months, reverse=True)]


def _revisions(region_code: str, period: str) -> list[dict]:
    if not (_REGION.match(region_code) and _PERIOD.match(period)):
        raise HTTPException(status_code=404, detail="tidak ditemukan")
    with _engine().connect() as conn:
        revisions = list_revisions(conn, region_code, period)
    if not revisions:
        raise HTTPException(status_code=404, detail="bulan ini belum diterbitkan")
    return revisions


def _folder(region_code: str, period: str, revision: int) -> tuple[list[dict], Location]:
    """All revisions of the month and the folder of the one asked for (404 if there is none)."""
    revisions = _revisions(region_code, period)
    if revision not in {r["revision"] for r in revisions}:
        raise HTTPException(status_code=404, detail="revisi tidak ada")
    folder = revision_folder(region_code, period, revision)
    if not folder.is_dir():
        raise HTTPException(status_code=404, detail="berkas revisi tidak ditemukan")
    return revisions, folder


def _sha(revisions: list[dict], revision: int) -> str:
    return next(r["manifest_sha256"] for r in revisions if r["revision"] == revision)


@lru_cache(maxsize=16)
def _context(folder: str, manifest_sha256: str, revision: int) -> dict:
    """The report context of a revision, rebuilt from its stored inputs (cached: revisions never change)."""
    path = location(folder)
    manifest = read_manifest(path)
    with _engine().connect() as conn:
        earlier = list_revisions(conn, manifest["region_code"], manifest["period"])
    snapshot = read_snapshot(path / INPUTS)
    # Web readers are authorised (Airflow login, rapor_publish): each complaint's source ticket is shown.
    refs = [e["ref"] for e in snapshot["evidence"] if not e["confidential"]]
    tickets = source_tickets(_engine(), manifest["region_code"], manifest["period"], refs)
    return build_context(snapshot, recompute_rows(snapshot), revision_info(manifest, earlier), tickets)


def _files(folder: Location) -> list[dict]:
    labels = {
        REPORT_PDF: "Laporan Inspektorat (PDF)",
        REPORT_HTML: "Laporan Inspektorat (HTML)",
        BKD_XLSX: "Berkas TPP untuk BKD (.xlsx)",
        BKD_EXCEL_CSV: "Berkas TPP untuk BKD (CSV untuk Excel berbahasa Indonesia)",
        BKD_CSV: "Berkas TPP untuk BKD (CSV untuk sistem lain)",
        SCORECARD: "Rapor (CSV, format §7)",
        MANIFEST: "Manifest (SHA-256 berkas)",
    }
    return [
        {"name": n, "label": labels[n], "bytes": (folder / n).stat().st_size} for n in labels if (folder / n).is_file()
    ]


def _has_data_docs(folder: Location) -> bool:
    base = _data_docs_base(folder)
    return bool(base and (base / "index.html").is_file())


def _render(template: str, **context) -> str:
    return jinja_env().get_template(template).render(**context)
