"""GX Data Docs that render without internet access, and their copy in a published revision.

GX 1.x writes every Data Docs page with ``<link>``/``<script>`` tags to public CDNs (Bootstrap,
bootstrap-table, Font Awesome, jQuery, Popper, the datepicker, Vega) and an image from GX's S3
bucket; an offline government network reaches none of them. After each build,
``localise_site`` copies the same files, vendored under ``quality/datadocs_assets/``
(licences in its ``licences/``), into the site's ``static/vendor/`` and rewrites every page
to load them by a relative path. ``CDN_ASSETS`` is the one map from a CDN address to its
local file; a page that still names a CDN after the rewrite is reported by ``external_assets``.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from rapor.storage import Location, copy_tree

ASSETS_DIR = Path(__file__).with_name("datadocs_assets")
VENDOR = "static/vendor"  # inside a Data Docs site

# CDN address (as GX 1.x writes it) → file under ASSETS_DIR
CDN_ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "css/bootstrap-prefers-dark.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/all.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "css/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "css/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "js/bootstrap-table-filter-control.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": "js/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "js/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "js/vega-embed.min.js",
}
# GX's logo from its S3 bucket (with a tracking query) → the copy GX itself puts in static/images
_GX_LOGO = re.compile(r'src="https://great-expectations-web-assets\.s3[^"]*/logo-long\.png[^"]*"')
_ASSET_ATTR = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:src|href)="(https?://[^"]+)"', re.IGNORECASE)
_INTEGRITY = re.compile(r'\s(?:integrity|crossorigin)="[^"]*"')


def localise_site(site_dir: Path) -> None:
    """Copy the vendored assets into the site and point every page at them (idempotent)."""
    vendor = site_dir / VENDOR
    shutil.rmtree(vendor, ignore_errors=True)
    shutil.copytree(ASSETS_DIR, vendor, ignore=shutil.ignore_patterns("README.md"))
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        local = _localised(text, Path(os.path.relpath(site_dir, page.parent)).as_posix())
        if local != text:
            page.write_text(local, encoding="utf-8")


def _localised(html: str, to_site: str) -> str:
    for url, file in CDN_ASSETS.items():
        html = html.replace(f'"{url}"', f'"{to_site}/{VENDOR}/{file}"')
    html = _GX_LOGO.sub(f'src="{to_site}/static/images/logo-long.png"', html)
    return _INTEGRITY.sub("", html)  # a subresource hash of the CDN file is not needed for a local file


def external_assets(site_dir: Path) -> dict[str, list[str]]:
    """Page (relative) → the stylesheets, scripts and images it still loads from the internet."""
    found = {}
    for page in sorted(site_dir.rglob("*.html")):
        urls = _ASSET_ATTR.findall(page.read_text(encoding="utf-8"))
        if urls:
            found[page.relative_to(site_dir).as_posix()] = urls
    return found


def copy_site(docs_index: Location, target: Path) -> Path:
    """Copy the Data Docs site of ``docs_index`` (in the output store) to the local folder ``target`` (a
    revision being staged: its ``data-docs/``); the copy's index."""
    copy_tree(docs_index.parent, target)
    localise_site(target)  # a site built before localisation existed is fixed in the copy
    return target / docs_index.name
