"""A fake Mastodon account for outbox tests: statuses posted with Idempotency-Key, and the
account's own statuses listed back (what desk checks before any retry).

Responses are built from the real ``status_reply_created.json`` (tests/data/payloads), with
new ids. Every POST is recorded, so tests can count what was *published*, not what desk says.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import httpx

from tests.helpers.paths import PAYLOADS

ACCOUNT_ID = "117020565693913441"


class FakeMastodon:
    """Thread-safe: the loopback server calls it from its own threads."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.template = json.loads(
            (PAYLOADS / "mastodon" / "status_reply_created.json").read_text()
        )
        self.statuses: list[dict[str, Any]] = []  # what is published, oldest first
        self.keys: dict[str, dict[str, Any]] = {}
        self.post_requests = 0
        self.notifications: list[dict[str, Any]] = []  # mentions of the account, oldest first
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"error": "The access token is invalid"})
        path = request.url.path
        with self.lock:
            if request.method == "POST" and path == "/api/v1/statuses":
                return self._post(request)
            if request.method == "GET" and path == "/api/v1/notifications":
                return self._notifications(request)
            if path == "/api/v1/accounts/verify_credentials":
                return httpx.Response(200, json=self.template["account"])
            if path == f"/api/v1/accounts/{ACCOUNT_ID}/statuses":
                newest_first = list(reversed(self.statuses))
                return httpx.Response(200, json=newest_first[:40])
        return httpx.Response(404, json={"error": "Record not found"})

    def _notifications(self, request: httpx.Request) -> httpx.Response:
        """``min_id`` pages forward; the page is still newest-first (as Mastodon does)."""
        after = int(request.url.params.get("min_id") or 0)
        limit = int(request.url.params.get("limit") or 40)
        newer = [n for n in self.notifications if int(n["id"]) > after][:limit]
        return httpx.Response(200, json=list(reversed(newer)))

    def _post(self, request: httpx.Request) -> httpx.Response:
        self.post_requests += 1
        key = request.headers.get("idempotency-key")
        if key and key in self.keys:  # Mastodon returns the status created with this key
            return httpx.Response(200, json=self.keys[key])
        body = _body(request)
        status = copy.deepcopy(self.template)
        status["id"] = str(117020583258292382 + len(self.statuses) + 1)
        status["in_reply_to_id"] = body.get("in_reply_to_id")
        status["visibility"] = body.get("visibility", "public")
        status["content"] = "<p>" + str(body.get("status", "")).replace("\n", "<br />") + "</p>"
        status["created_at"] = "2099-01-01T00:00:00.000Z"  # always "after" the reply was queued
        self.statuses.append(status)
        if key:
            self.keys[key] = status
        return httpx.Response(200, json=status)


def _body(request: httpx.Request) -> dict[str, Any]:
    if "json" in request.headers.get("content-type", ""):
        return json.loads(request.content or b"{}")
    from urllib.parse import parse_qsl

    return dict(parse_qsl(request.content.decode()))
