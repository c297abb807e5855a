"""A small HTTP client for load generators that run on the cores they measure.

`requests` spends about 1.5 ms of CPU per request on this machine (sessions, adapters, cookie
jars, urllib3's pool): with the load generator on the same two cores as gunicorn and
PostgreSQL, that was a tenth of the machine taken from the server it measures. This client does
what the load mix needs and no more, on `http.client`: one person's cookies (name → value, as
the server set them), form and JSON bodies, no redirects followed, a new connection per request
when the server closes it (gunicorn's sync workers do).

    client = Client("http://127.0.0.1:5000")
    page = client.get("/login")
    client.post("/login", data={"username": ..., "password": ..., "csrf_token": ...})
    client.get("/tasks/").status_code
"""
from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


_BROWSER_HEADERS = {"User-Agent": "pca-load-mix", "Accept": "text/html,application/json;q=0.9,*/*;q=0.8",
                    "Accept-Encoding": "gzip, deflate", "Accept-Language": "en-GB,en;q=0.9"}


class ClientError(Exception):
    """The request did not get a response (refused, reset, timed out)."""


@dataclass
class Response:
    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    def __init__(self, base: str, timeout: float = 60) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, None, headers or {})

    def post(self, path: str, *, data: dict[str, str] | None = None, json: object = None,
             headers: dict[str, str] | None = None) -> Response:
        sent = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        else:
            body = urlencode(data or {}).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body, sent)

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> Response:
        headers = {**_BROWSER_HEADERS, **headers}  # what a browser sends with every request
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # A kept connection the server closed meanwhile gets one retry, for a GET only (a POST
        # may have been taken before the connection broke).
        for attempt in (1, 2):
            reused = self._conn is not None
            conn = self._conn or http.client.HTTPConnection(self.host, self.port,
                                                            timeout=self.timeout)
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                self._conn = None
                if reused and attempt == 1 and method == "GET":
                    continue
                raise ClientError(f"{method} {path}: {exc!r}") from exc
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    self._keep_cookie(value)
            if response.will_close:
                conn.close()
                self._conn = None
            else:
                self._conn = conn
            return Response(response.status, payload)
        raise AssertionError("unreachable")

    def _keep_cookie(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = "max-age=0" in attributes.lower().replace(" ", "") or \
            "expires=thu, 01 jan 1970" in attributes.lower()
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
