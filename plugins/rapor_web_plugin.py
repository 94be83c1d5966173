"""Airflow plugin: the web view of Rapor's published scorecards, at /rapor of the API server.

Airflow loads this file from the plugins folder (``plugins/.airflowignore`` keeps the
``rapor`` package itself out of the scan). The pages are served by a FastAPI app
(rapor.publish.web) behind Airflow's own login, and linked from the Airflow UI's menu.

Every Airflow process loads plugins, task processes included, so this file stays light:
the web app (pandas, Jinja2, the report code) is built on its first request only.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin


class LazyWebApp:
    """An ASGI app that builds rapor.publish.web's app on its first request."""

    def __init__(self):
        self._app = None

    async def __call__(self, scope, receive, send):
        if self._app is None:
            from rapor.publish.web import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class RaporWebPlugin(AirflowPlugin):
    name = "rapor_web"
    fastapi_apps = [{"app": LazyWebApp(), "url_prefix": "/rapor", "name": "Rapor: rapor yang diterbitkan"}]
    external_views = [
        {"name": "Rapor", "href": "rapor/", "destination": "nav", "url_route": "rapor"},
    ]
