"""Which regions a web-view user may see: the access file (``RAPOR_WEB_ACCESS``).

A CSV file with the columns ``user`` (the Airflow user name) and ``regions`` (region codes or
province codes, separated by spaces; ``*`` for every region). A province code covers its
regions: ``52`` is Nusa Tenggara Barat and every ``52.xx`` in it. Example::

    user,regions
    inspektorat.dompu,52.05
    inspektorat.ntb,52
    bappeda.ntb,52.05 52.06
    admin,*

Without the setting every user Airflow lets read the web view sees every region (one
kabupaten's own server). With it, a user the file does not name sees no region. The file is
read on every request, so an edit applies at once; a file that cannot be read is refused
(no region is shown, the error names the file and row).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from rapor import config
from rapor.errors import ConfigError

ALL_REGIONS = "*"
_GRANT = re.compile(r"^\d{2}(\.\d{2}){0,3}$")  # a province (52), a kabupaten/kota (52.05), deeper codes


@dataclass(frozen=True)
class RegionAccess:
    """The regions one user may see: ``everything``, or codes with the regions under them."""

    grants: tuple[str, ...]
    everything: bool = False

    def allows(self, region_code: str) -> bool:
        return self.everything or any(region_code == g or region_code.startswith(g + ".") for g in self.grants)


EVERYTHING = RegionAccess((), everything=True)


def read_access_file(path: Path) -> dict[str, RegionAccess]:
    """User name → their regions, from the access file (ConfigError naming the file and row)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"web access file {path} cannot be read ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or {"user", "regions"} - {f.strip() for f in reader.fieldnames}:
        raise ConfigError(f"web access file {path}: the header must be `user,regions`")
    users: dict[str, RegionAccess] = {}
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        user, grants = row["user"], tuple(row["regions"].split())
        if not user or not grants:
            raise ConfigError(f"web access file {path}, row {number}: a user and at least one region are needed")
        bad = [g for g in grants if g != ALL_REGIONS and not _GRANT.match(g)]
        if bad:
            raise ConfigError(
                f"web access file {path}, row {number}, field regions: {bad[0]!r} is not a region or province "
                f"code (52, 52.05) nor {ALL_REGIONS}"
            )
        if user in users:
            raise ConfigError(f"web access file {path}, row {number}: user {user!r} is listed twice")
        users[user] = RegionAccess(grants, everything=ALL_REGIONS in grants)
    return users


def region_access(user_name: str) -> RegionAccess:
    """The regions ``user_name`` may see in the web view."""
    path = config.web_access_file()
    if path is None:
        return EVERYTHING
    return read_access_file(path).get(user_name, RegionAccess(()))
