"""The Assets the DAGs produce and consume, declared once (as Airflow's example_assets.py does).

DAG files import this module at parse time: it must stay light (airflow.sdk only).
"""

from __future__ import annotations

from airflow.sdk import Asset

# Updated by the ingestion DAGs once a channel family's complaints are in the warehouse.
COMPLAINTS_FROM_APPS = Asset("rapor://warehouse/complaint/apps")
COMPLAINTS_FROM_SOCIAL = Asset("rapor://warehouse/complaint/social")
COMPLAINTS_FROM_HOTLINE = Asset("rapor://warehouse/complaint/hotline")
# rapor_monthly runs on its cron and again once every channel family has delivered.
ALL_CHANNELS_COLLECTED = COMPLAINTS_FROM_APPS & COMPLAINTS_FROM_SOCIAL & COMPLAINTS_FROM_HOTLINE
# Updated by rapor_monthly once it stored scorecards; rapor_publish runs on it.
SCORECARDS = Asset("rapor://warehouse/scorecard")
