"""Which databases the warehouse tests run on (RAPOR_TEST_DATABASES) and where PostgreSQL is."""

from __future__ import annotations

import os

import pytest

PG_URL = os.environ.get("RAPOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [d.strip() for d in os.environ.get("RAPOR_TEST_DATABASES", "sqlite,postgresql").split(",") if d.strip()]
# One test parameter per database; the PostgreSQL half carries the `postgresql` marker.
DATABASE_PARAMS = [pytest.param(d, marks=pytest.mark.postgresql) if d == "postgresql" else d for d in DATABASES]
