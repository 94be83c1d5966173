"""The web view's access file: user → region or province codes (the browser test drives it end to end)."""

from __future__ import annotations

import pytest

from rapor.errors import ConfigError
from rapor.publish.access import read_access_file, region_access


def test_a_province_code_covers_its_regions_and_a_kabupaten_code_only_itself(tmp_path, monkeypatch):
    path = tmp_path / "access.csv"
    path.write_text("\ufeffuser,regions\ninspektorat.dompu,52.05\ninspektorat.ntb,52\nadmin,*\nbappeda,52.05 53.01\n")
    monkeypatch.setenv("RAPOR_WEB_ACCESS", str(path))
    dompu, ntb, admin, bappeda = (
        region_access(u) for u in ("inspektorat.dompu", "inspektorat.ntb", "admin", "bappeda")
    )
    assert [dompu.allows(c) for c in ("52.05", "52.06", "52.051", "52")] == [True, False, False, False]
    assert [ntb.allows(c) for c in ("52.05", "52.71", "53.01", "520.01")] == [True, True, False, False]
    assert admin.allows("91.01") and bappeda.allows("53.01") and not bappeda.allows("52.06")
    assert not region_access("somebody.else").allows("52.05")  # not named: no region
    monkeypatch.delenv("RAPOR_WEB_ACCESS")
    assert region_access("somebody.else").allows("91.01")  # no access file: every region


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,kode\nx,52\n", "header must be `user,regions`"),
        ("user,regions\nx,\n", "row 2: a user and at least one region"),
        ("user,regions\nx,52\nx,53\n", "row 3: user 'x' is listed twice"),
        ("user,regions\nx,NTB\n", "row 2, field regions: 'NTB' is not a region or province code"),
    ],
)
def test_a_broken_access_file_is_refused_naming_the_row(tmp_path, text, message):
    path = tmp_path / "access.csv"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_access_file(path)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_access_file(tmp_path / "missing.csv")
