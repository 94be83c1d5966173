"""Filing and deciding appeals from a terminal, as an authenticated Airflow user.

The CLI does not write appeals into the warehouse itself: the OS user running it is nobody
the Airflow auth manager knows. It logs in to Airflow's API server (``POST /auth/token`` with
the Airflow user's name and password, or uses a token it was given) and calls the web view's
own routes (``/rapor/<region>/<YYYY-MM>/banding``) with that token, so the API server checks
the same permissions as for the web form and records the user it authenticated.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from rapor.errors import RaporError


class AirflowApiError(RaporError):
    """The API server refused or could not be reached (the message says which and why)."""


def _call(url: str, payload: dict | None, token: str | None = None, method: str = "POST"):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(payload).encode("utf-8") if payload is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail")
        except (ValueError, AttributeError):
            detail = exc.reason
        raise AirflowApiError(f"{method} {url}: HTTP {exc.code}: {detail}") from None
    except urllib.error.URLError as exc:
        raise AirflowApiError(f"{method} {url}: cannot reach the Airflow API server ({exc.reason})") from None


def login(base_url: str, user: str, password: str) -> str:
    """An Airflow access token for the user (the auth manager's ``/auth/token``)."""
    answer = _call(f"{base_url}/auth/token", {"username": user, "password": password})
    token = (answer or {}).get("access_token")
    if not token:
        raise AirflowApiError(f"{base_url}/auth/token gave no access token")
    return token


def file_appeal(base_url: str, token: str, region_code: str, period: str, fields: dict) -> dict:
    return _call(f"{base_url}/rapor/{region_code}/{period}/banding", fields, token)


def decide_appeal(base_url: str, token: str, region_code: str, period: str, appeal_id: int, decision: str, reason: str):
    url = f"{base_url}/rapor/{region_code}/{period}/banding/{appeal_id}/putusan"
    return _call(url, {"decision": decision, "reason": reason}, token)


def list_appeals(base_url: str, token: str, region_code: str, period: str) -> list[dict]:
    return _call(f"{base_url}/rapor/{region_code}/{period}/banding", None, token, method="GET")
