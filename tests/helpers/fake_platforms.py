"""Fake platform servers for the live connector tests.

Each fake is an ``httpx.MockTransport`` handler (a callable taking an ``httpx.Request``) that
serves the *real* payloads of ``shared/real-api-payloads`` with new ids, and follows what
``shared/reference/platform_apis.md`` documents for its platform: paging and its order, the
``Link`` header, rate-limit headers (Mastodon's reset is ISO-8601, X's epoch seconds), error
bodies, Mastodon's ``Idempotency-Key``. ``fail_next(...)`` queues faults for the next requests:

- ``"429"``: rate limited, the platform's way (Mastodon: no Retry-After; X: x-rate-limit-reset);
- ``"500"``: a server error;
- ``"truncated"``: the normal answer with its body cut in half;
- ``"timeout"``: ``httpx.ReadTimeout`` before the server does anything;
- ``"lost"``: the server does the work (a POST is published) and the answer is lost (timeout);
- ``"echo"``: a hostile 422 whose error text repeats the Authorization header.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.helpers.clock import T0, FakeClock
from tests.helpers.paths import PAYLOADS

TOKEN = "tok-9f8e7d6c5b4a-never-shown"


def load(name: str) -> Any:
    """A real payload file, decoded."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


class Clock(FakeClock):
    """A clock shared by a fake server and the connector under test: still until a test moves
    it with ``advance``."""

    def __init__(self, start: datetime = T0) -> None:
        super().__init__(start, step=timedelta(0))


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class FakeServer:
    """What both fakes share: token check, fault queue, request log, rate-limit headers."""

    base = "https://fake.example"

    def __init__(self, *, token: str = TOKEN, clock: Clock | None = None) -> None:
        self.token = token
        self.clock = clock or Clock()
        self.requests: list[httpx.Request] = []
        self.faults: list[str] = []
        self.remaining = 300

    def fail_next(self, *faults: str) -> None:
        """Queue faults for the next requests, in order (see the module docstring)."""
        self.faults.extend(faults)

    def client(self) -> httpx.AsyncClient:
        """A real httpx client whose transport is this fake."""
        return httpx.AsyncClient(transport=httpx.MockTransport(self))

    def calls(self, path: str, method: str = "GET") -> list[httpx.Request]:
        """The requests made to ``path``."""
        return [r for r in self.requests if r.url.path == path and r.method == method]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fault = self.faults.pop(0) if self.faults else None
        if fault == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "429":
            return self.too_many()
        if fault == "500":
            return self.server_error()
        if fault == "echo":
            said = f"Validation failed: {request.headers.get('authorization')}"
            return _json(422, {"error": said, "detail": said})
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self.unauthorized()
        self.remaining = max(0, self.remaining - 1)
        response = self.route(request)
        response.headers.update(self.rate_headers())
        if fault == "lost":
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == "truncated":
            body = response.content
            return httpx.Response(
                response.status_code, content=body[: len(body) // 2], headers=response.headers
            )
        return response

    # -- what each platform does ---------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        raise NotImplementedError

    def too_many(self) -> httpx.Response:
        raise NotImplementedError

    def server_error(self) -> httpx.Response:
        raise NotImplementedError

    def unauthorized(self) -> httpx.Response:
        raise NotImplementedError


def _params(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode(), keep_blank_values=True)


def _one(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key)
    return values[0] if values else None


# =========================================================================================
# Mastodon
# =========================================================================================

PARAGRAPH = re.compile(r"\n{2,}")
MENTION = re.compile(r"(?<![\w@])@([\w.-]+)(@[\w.-]+\w)?")
URL = re.compile(r"https?://\S+")


def mastodon_html(text: str) -> str:
    """Text as Mastodon renders a local status: paragraphs, ``<br>``, h-card mentions (local
    part only, as in the real payloads), links split into invisible / ellipsis spans."""

    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        scheme, _, rest = url.partition("://")
        return (
            f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
            f'<span class="invisible">{scheme}://</span><span class="ellipsis">{html.escape(rest[:30])}'
            f'</span><span class="invisible">{html.escape(rest[30:])}</span></a>'
        )

    def paragraph(text: str) -> str:
        escaped = html.escape(text, quote=False)
        escaped = URL.sub(lambda m: link(m), escaped)
        escaped = MENTION.sub(
            lambda m: (
                f'<span class="h-card" translate="no"><a href="https://fake.example/@{m.group(1)}" '
                f'class="u-url mention">@<span>{m.group(1)}</span></a></span>'
            ),
            escaped,
        )
        return "<p>" + escaped.replace("\n", "<br />") + "</p>"

    return "".join(paragraph(p) for p in PARAGRAPH.split(text.strip()))


class FakeMastodon(FakeServer):
    """A Mastodon instance holding mentions built from the real notification objects.

    Paging follows ``app/models/concerns/paginable.rb``: without ``min_id`` the newest ``limit``
    items below ``max_id`` / above ``since_id``; with ``min_id`` the ``limit`` items right after
    it, the array still newest-first. ``Link`` carries ``limit`` and ``types[]``, and is left out
    of an empty page. Ids are numeric strings; only the server compares them.
    """

    base = "https://social.example"
    NOTIFICATIONS_MAX = 80
    STATUSES_MAX = 40

    def __init__(self, *, refuse_unknown_types: bool = False, **kw: Any) -> None:
        super().__init__(**kw)
        local = load("mastodon/notifications_mentions_list.json")[0]
        remote = load("mastodon/notification_mention_remote_docs.json")
        self.templates = [local, remote]
        self.reply_template = load("mastodon/status_reply_created.json")
        # The desk's account is the one mentioned in the real notification (mastodonpy_test).
        mentioned = local["status"]["mentions"][0]
        self.me = copy.deepcopy(local["account"])
        self.me.update(
            id=mentioned["id"],
            username=mentioned["username"],
            acct=mentioned["acct"],
            url=mentioned["url"],
            display_name="Ville de Test",
        )
        self.notifications: list[dict[str, Any]] = []  # ascending id
        self.tagged: dict[str, list[dict[str, Any]]] = {}
        self.searchable: list[dict[str, Any]] = []
        self.own: list[dict[str, Any]] = []  # the account's statuses, ascending id
        self.posted: list[dict[str, Any]] = []  # statuses created through the API
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.pinned: list[str] = []  # ids of the account's pinned statuses
        self.max_chars = 500
        self.refuse_unknown_types = refuse_unknown_types
        self._notification_id = 100
        self._status_id = 117020600000000000

    # -- content -------------------------------------------------------------------------
    def _next_status_id(self) -> str:
        self._status_id += 1000
        return str(self._status_id)

    def _status_from(self, template: dict[str, Any], **changes: Any) -> dict[str, Any]:
        status = copy.deepcopy(template["status"])
        status["id"] = self._next_status_id()
        status["created_at"] = (
            self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        status["uri"] = f"{self.base}/statuses/{status['id']}"
        status["url"] = f"{self.base}/@{status['account']['acct']}/{status['id']}"
        status.update(changes)
        return status

    def add_mentions(self, count: int, **status_changes: Any) -> list[dict[str, Any]]:
        """``count`` new mention notifications (local and remote authors in turn), one second
        apart, each with a new notification id and status id."""
        made = []
        for i in range(count):
            template = self.templates[i % 2]
            self.clock.advance(1)
            notification = copy.deepcopy(template)
            notification["status"] = self._status_from(template, **status_changes)
            self._notification_id += 1
            notification["id"] = str(self._notification_id)
            notification["group_key"] = f"ungrouped-{notification['id']}"
            notification["created_at"] = notification["status"]["created_at"]
            self.notifications.append(notification)
            made.append(notification)
        return made

    def add_other(self, kind: str) -> dict[str, Any]:
        """A notification that is not a mention (``favourite``, ``follow``, ``reblog``...)."""
        self.clock.advance(1)
        notification = copy.deepcopy(self.templates[0])
        notification["type"] = kind
        if kind == "follow":
            notification.pop("status")
        self._notification_id += 1
        notification["id"] = str(self._notification_id)
        self.notifications.append(notification)
        return notification

    def add_tagged(self, tag: str, count: int, *, own: bool = False) -> list[dict[str, Any]]:
        """``count`` public statuses carrying ``#tag`` (by the desk's own account when ``own``)."""
        made = []
        for i in range(count):
            self.clock.advance(1)
            status = self._status_from(self.templates[i % 2])
            status["content"] += (
                f' <a href="{self.base}/tags/{tag}" class="mention hashtag">#<span>{tag}</span></a>'
            )
            status["tags"] = [{"name": tag.lower(), "url": f"{self.base}/tags/{tag.lower()}"}]
            if own:
                status["account"] = copy.deepcopy(self.me)
            self.tagged.setdefault(tag.lower(), []).append(status)
            made.append(status)
        return made

    def add_searchable(self, words: str, count: int) -> list[dict[str, Any]]:
        """``count`` statuses whose text contains ``words`` (found by ``/api/v2/search``)."""
        made = []
        for i in range(count):
            self.clock.advance(1)
            status = self._status_from(self.templates[i % 2])
            status["content"] = f"<p>Question about {html.escape(words)} number {i}</p>"
            self.searchable.append(status)
            made.append(status)
        return made

    def add_own(self, count: int, **changes: Any) -> list[dict[str, Any]]:
        """``count`` statuses of the desk's own account, one minute apart."""
        made = []
        for i in range(count):
            self.clock.advance(60)
            status = self._status_from(self.templates[0], **changes)
            status["account"] = copy.deepcopy(self.me)
            status["content"] = f"<p>Our announcement {i}</p>"
            self.own.append(status)
            made.append(status)
        return made

    def _known_statuses(self) -> dict[str, dict[str, Any]]:
        found = {n["status"]["id"]: n["status"] for n in self.notifications if "status" in n}
        for statuses in (*self.tagged.values(), self.searchable, self.own):
            found.update({s["id"]: s for s in statuses})
        return found

    # -- the API -------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        params = _params(request)
        if method == "GET" and path == "/api/v1/notifications":
            types = params.get("types[]", [])
            if self.refuse_unknown_types and any(t not in ("mention", "favourite") for t in types):
                return _json(422, {"error": "Validation failed: types is not included in the list"})
            items = [n for n in self.notifications if not types or n["type"] in types]
            return self._page(
                request, items, params, self.NOTIFICATIONS_MAX, carry=("types[]",), default=40
            )
        if method == "GET" and path.startswith("/api/v1/timelines/tag/"):
            tag = path.rsplit("/", 1)[1].lower()
            return self._page(request, self.tagged.get(tag, []), params, self.STATUSES_MAX)
        if method == "GET" and path == "/api/v2/search":
            return self._search(params)
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return _json(200, self.me)
        if method == "GET" and path == f"/api/v1/accounts/{self.me['id']}/statuses":
            return self._page(request, self.own, params, self.STATUSES_MAX, next_only_if_full=True)
        if method == "POST" and path == "/api/v1/statuses":
            return self._post(request)
        if method == "POST" and path.startswith("/api/v1/statuses/") and path.endswith("/pin"):
            return self._pin(path.split("/")[4])
        return _json(404, {"error": "Record not found"})

    MAX_PINS = 5  # app/validators/status_pin_validator.rb: at most 5 pins per local account

    def _pin(self, status_id: str) -> httpx.Response:
        status = next((s for s in self.own if s["id"] == status_id), None)
        if status is None:
            return _json(404, {"error": "Record not found"})
        if status_id not in self.pinned:
            if len(self.pinned) >= self.MAX_PINS:
                return _json(
                    422,
                    {
                        "error": "Validation failed: You have already pinned the maximum number of posts"
                    },
                )
            self.pinned.append(status_id)
        return _json(200, {**status, "pinned": True})

    def _page(
        self,
        request: httpx.Request,
        items: list[dict[str, Any]],
        params: dict[str, list[str]],
        max_limit: int,
        *,
        carry: tuple[str, ...] = (),
        next_only_if_full: bool = False,
        default: int = 20,
    ) -> httpx.Response:
        limit = max(1, min(int(_one(params, "limit") or default), max_limit))
        min_id, max_id, since_id = (_one(params, k) for k in ("min_id", "max_id", "since_id"))

        def within(item: dict[str, Any]) -> bool:
            n = int(item["id"])
            return (max_id is None or n < int(max_id)) and (since_id is None or n > int(since_id))

        ordered = sorted(items, key=lambda item: int(item["id"]))
        if min_id is not None:
            page = [i for i in ordered if int(i["id"]) > int(min_id) and within(i)][:limit]
            page.reverse()  # ORDER BY id ASC LIMIT n, then .reverse: still newest-first
        else:
            page = [i for i in ordered if within(i)][-limit:][::-1]
        headers = {}
        if page:
            kept = [("limit", str(limit))] if "limit" in params else []
            kept += [(k, v) for k in carry for v in params.get(k, [])]
            url = request.url.copy_with(query=None)
            links = []
            if not next_only_if_full or len(page) == limit:
                older = httpx.URL(str(url), params=[("max_id", page[-1]["id"]), *kept])
                links.append(f'<{older}>; rel="next"')
            newer = httpx.URL(str(url), params=[("min_id", page[0]["id"]), *kept])
            links.append(f'<{newer}>; rel="prev"')
            headers["Link"] = ", ".join(links)
        return _json(200, page, headers)

    def _search(self, params: dict[str, list[str]]) -> httpx.Response:
        words = (_one(params, "q") or "").casefold()
        if words.count('"') % 2:  # Mastodon's query parser: SyntaxError -> 422
            return _json(422, {"error": "Unprocessable entity"})
        if _one(params, "type") != "statuses":
            return _json(422, {"error": "type must be statuses in this fake"})
        limit = max(1, min(int(_one(params, "limit") or 20), 40))
        found = [s for s in self.searchable if words in s["content"].casefold()]
        found = sorted(found, key=lambda s: int(s["id"]), reverse=True)[:limit]
        return _json(200, {"accounts": [], "statuses": found, "hashtags": []})

    def _post(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = json.loads(request.content)
        else:
            body = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotency:
            return _json(200, self.idempotency[key])  # the status created the first time
        text = body.get("status") or ""
        if not text.strip():
            return _json(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > self.max_chars:
            return _json(
                422,
                {"error": f"Validation failed: Text character limit of {self.max_chars} exceeded"},
            )
        visibility = body.get("visibility", "public")
        if visibility not in ("public", "unlisted", "private", "direct"):
            return _json(
                422, {"error": "Validation failed: Visibility is not included in the list"}
            )
        parent_id = body.get("in_reply_to_id")
        parent = self._known_statuses().get(parent_id) if parent_id else None
        if parent_id and parent is None:
            return _json(404, {"error": "Record not found"})
        self.clock.advance(1)
        status = copy.deepcopy(self.reply_template)
        status.update(
            id=self._next_status_id(),
            created_at=self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            in_reply_to_id=parent_id,
            in_reply_to_account_id=parent["account"]["id"] if parent else None,
            visibility=visibility,
            language=body.get("language"),
            content=mastodon_html(text),
            account=copy.deepcopy(self.me),
        )
        status["uri"] = f"{self.base}/statuses/{status['id']}"
        status["url"] = f"{self.base}/@{self.me['acct']}/{status['id']}"
        self.posted.append(status)
        self.own.append(status)
        if key:
            self.idempotency[key] = status
        return _json(200, status)

    # -- rate limits and errors ------------------------------------------------------------
    def reset_at(self, seconds: float = 300) -> str:
        moment = self.clock() + timedelta(seconds=seconds)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # rate_limit_headers.rb: iso8601(6)

    def rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(self.remaining if remaining is None else remaining),
            "X-RateLimit-Reset": self.reset_at(),
        }

    def too_many(self) -> httpx.Response:
        # rack-attack's throttled responder: the three headers, no Retry-After.
        headers = {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": self.reset_at(120),
        }
        return _json(429, {"error": "Too many requests"}, headers)

    def server_error(self) -> httpx.Response:
        return httpx.Response(
            500,
            text="<!DOCTYPE html><html><body>We're sorry, but something went wrong.</body></html>",
            headers={"content-type": "text/html; charset=utf-8"},
        )

    def unauthorized(self) -> httpx.Response:
        return _json(401, {"error": "The access token is invalid"})


# =========================================================================================
# X
# =========================================================================================

TWITTER_EPOCH_MS = 1288834974657


def snowflake(moment: datetime, sequence: int) -> str:
    """An X id for ``moment`` (milliseconds since X's epoch in bits 22+)."""
    millis = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((millis << 22) + sequence)


class FakeX(FakeServer):
    """X API v2 holding mentions built from the real posts (tweepy cassette, docs samples).

    Lists are newest-first; ``since_id`` bounds them below, ``meta.next_token`` leads to the next
    *older* page; an empty answer is ``{"meta": {"result_count": 0}}`` without ``data``. Only the
    fields asked for in ``fields_param`` come back (``id``, ``text``, ``edit_history_tweet_ids``
    always), and ``includes.users`` with ``expansions=author_id``.
    """

    base = "https://api.x.com"
    BASE_FIELDS = ("id", "text", "edit_history_tweet_ids")

    def __init__(self, *, fields_param: str = "tweet.fields", **kw: Any) -> None:
        super().__init__(**kw)
        self.fields_param = fields_param
        cassette = load("x/users_mentions_tweepy_cassette.json")["data"]
        docs = load("x/users_mentions_docs_expansions.json")
        full = load("x/tweet_reply_full_fields_docs.json")["data"][0]
        self.templates = [*cassette, *docs["data"], full]
        self.author = docs["includes"]["users"][0]  # "developer", id 1234567890
        self.me = {"id": "2244994945", "username": "XDevelopers", "name": "Developers"}
        self.own_template = full  # a real reply by 2244994945
        self.users = {u["id"]: u for u in (self.author, self.me)}
        self.mentions: list[dict[str, Any]] = []  # ascending id
        self.own: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []
        self.partial_errors: list[dict[str, Any]] = []
        self._texts: set[str] = set()  # what was posted, before X rewrote it
        self._tokens: dict[str, str] = {}  # next_token -> the id the next page stays below
        self._sequence = 0

    def _new_post(self, template: dict[str, Any], author_id: str) -> dict[str, Any]:
        self.clock.advance(1)
        self._sequence += 1
        post = copy.deepcopy(template)
        post_id = snowflake(self.clock(), self._sequence)
        post.update(
            id=post_id,
            edit_history_tweet_ids=[post_id],
            author_id=author_id,
            created_at=self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            conversation_id=post.get("conversation_id", post_id),
            lang=post.get("lang", "en"),
        )
        return post

    def add_mentions(self, count: int) -> list[dict[str, Any]]:
        """``count`` new mentions of the desk's account, one second apart."""
        made = []
        for i in range(count):
            template = self.templates[i % (len(self.templates) - 1)]  # not the reply sample
            post = self._new_post(template, self.author["id"])
            self.mentions.append(post)
            made.append(post)
        return made

    def add_own(self, count: int, *, seconds_apart: float = 60) -> list[dict[str, Any]]:
        """``count`` posts of the desk's account (replies to someone else)."""
        made = []
        for i in range(count):
            self.clock.advance(seconds_apart - 1)
            post = self._new_post(self.own_template, self.me["id"])
            post["text"] = f"Reply number {i} to another thread"
            self.own.append(post)
            made.append(post)
        return made

    # -- the API -------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        params = _params(request)
        if method == "GET" and path == f"/2/users/{self.me['id']}/mentions":
            return self._list(self.mentions, params, partial=self.partial_errors)
        if method == "GET" and path == f"/2/users/{self.me['id']}/tweets":
            return self._list(self.own, params)
        if method == "GET" and path == "/2/users/me":
            return _json(200, {"data": self.me})
        if method == "GET" and path.startswith("/2/users/by/username/"):
            name = path.rsplit("/", 1)[1]
            user = next((u for u in self.users.values() if u["username"] == name), None)
            if user is None:
                return _json(
                    200,
                    {
                        "errors": [
                            {
                                "value": name,
                                "detail": f"Could not find user with username: [{name}].",
                                "title": "Not Found Error",
                                "type": "https://api.twitter.com/2/problems/resource-not-found",
                            }
                        ]
                    },
                )
            return _json(200, {"data": user})
        if method == "GET" and path.startswith("/2/users/"):
            return self._problem(404, "Not Found Error", "Could not find the user.")
        if method == "POST" and path == "/2/tweets":
            return self._post(request)
        return self._problem(404, "Not Found", "Sorry, that page does not exist.")

    def _list(
        self,
        posts: list[dict[str, Any]],
        params: dict[str, list[str]],
        partial: list[dict[str, Any]] | None = None,
    ) -> httpx.Response:
        try:
            max_results = int(_one(params, "max_results") or 10)
        except ValueError:
            max_results = 0
        if not 5 <= max_results <= 100:
            return self._invalid("The `max_results` query parameter value is not between 5 and 100")
        since = _one(params, "since_id")
        until = _one(params, "until_id")
        token = _one(params, "pagination_token")
        if token is not None:
            if token not in self._tokens:
                return self._invalid("The `pagination_token` query parameter value is invalid")
            until = self._tokens[token]
        candidates = [
            p
            for p in sorted(posts, key=lambda p: int(p["id"]), reverse=True)
            if (since is None or int(p["id"]) > int(since))
            and (until is None or int(p["id"]) < int(until))
        ]
        page = candidates[:max_results]
        fields = set((_one(params, self.fields_param) or "").split(","))
        body: dict[str, Any] = {}
        if page:
            body["data"] = [
                {k: v for k, v in p.items() if k in self.BASE_FIELDS or k in fields} for p in page
            ]
            if "author_id" in (_one(params, "expansions") or "").split(","):
                wanted = set((_one(params, "user.fields") or "").split(",")) | {
                    "id",
                    "name",
                    "username",
                }
                authors = dict.fromkeys(p["author_id"] for p in page)
                body["includes"] = {
                    "users": [
                        {k: v for k, v in self.users[a].items() if k in wanted} for a in authors
                    ]
                }
        if partial and page:
            body["errors"] = partial
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(candidates) > len(page):
            next_token = f"tok{len(self._tokens) + 1:04d}{page[-1]['id'][-6:]}"
            self._tokens[next_token] = page[-1]["id"]
            meta["next_token"] = next_token
        body["meta"] = meta
        return _json(200, body)

    def _post(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        extra = set(body) - {"text", "reply", "quote_tweet_id", "media", "reply_settings"}
        if extra:
            return self._invalid(f"The request has unexpected fields: {sorted(extra)}")
        text = body.get("text") or ""
        parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if text in self._texts:
            return self._problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        parent = next((p for p in self.mentions if p["id"] == parent_id), None)
        if parent_id and parent is None:
            return self._problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        post = self._new_post(self.own_template, self.me["id"])
        shown = URL.sub("https://t.co/AbCdEf1234", text)  # X shortens every link
        if parent is not None:
            username = self.users[parent["author_id"]]["username"]
            shown = f"@{username} {shown}"  # the reply's mention metadata, shown in the text
            post.update(
                referenced_tweets=[{"type": "replied_to", "id": parent_id}],
                in_reply_to_user_id=parent["author_id"],
                conversation_id=parent.get("conversation_id", parent_id),
            )
        post["text"] = html.escape(shown, quote=False)  # X escapes & < >
        self.own.append(post)
        self.posted.append(post)
        self._texts.add(text)
        return _json(
            201,
            {
                "data": {
                    "id": post["id"],
                    "text": post["text"],
                    "edit_history_tweet_ids": [post["id"]],
                }
            },
        )

    # -- rate limits and errors ------------------------------------------------------------
    def reset_epoch(self, seconds: float = 900) -> str:
        return str(int((self.clock() + timedelta(seconds=seconds)).timestamp()))

    def rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(self.remaining if remaining is None else remaining),
            "x-rate-limit-reset": self.reset_epoch(),
        }

    def too_many(self) -> httpx.Response:
        headers = {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": self.reset_epoch(90),
        }
        body = {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        return _json(429, body, headers)

    def server_error(self) -> httpx.Response:
        body = {
            "title": "Internal Server Error",
            "detail": "Internal Server Error",
            "type": "about:blank",
            "status": 500,
        }
        return _json(500, body)

    def unauthorized(self) -> httpx.Response:
        return self._problem(401, "Unauthorized", "Unauthorized")

    def _problem(self, status: int, title: str, detail: str) -> httpx.Response:
        return _json(
            status, {"title": title, "detail": detail, "type": "about:blank", "status": status}
        )

    def _invalid(self, message: str) -> httpx.Response:
        return _json(
            400,
            {
                "errors": [{"parameters": {}, "message": message}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
        )
