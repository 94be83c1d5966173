"""Airflow plugin: the web view of Rapor's published scorecards, at /rapor of the API server.

Airflow loads this file from the plugins folder (``plugins/.airflowignore`` keeps the
``rapor`` package itself out of the scan). The pages are served by a FastAPI app
(rapor.publish.web) behind Airflow's own login, and linked from the Airflow UI's menu.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from rapor.publish.web import create_app


class RaporWebPlugin(AirflowPlugin):
    name = "rapor_web"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/rapor", "name": "Rapor: rapor yang diterbitkan"}]
    external_views = [
        {"name": "Rapor", "href": "rapor/", "destination": "nav", "url_route": "rapor"},
    ]
