"""desk against Bluesky's real reference servers (PLC directory, PDS, AppView) on 127.0.0.1.

A citizen mentions the organisation; ``desk pull`` (a subprocess, its own desk.toml and
database) brings the mention in through the PDS; ``desk reply`` answers it (desk.replies.outbox posts it
through the connector at a record key of its own); the
AppView shows the reply under the citizen's post with the right root and parent; the record's
proof (signed commit, MST path) verifies with Bluesky's own code; and posting the same reply a
second time publishes nothing more, while ``find_posted`` finds the first one.

Started by the ``bluesky`` fixture (conftest.py, devenv.py); see .ci/bluesky/setup.sh.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import pwd
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlmodel import Session

from desk import db as desk_db
from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret
from desk.db.tables import Mention, Reply
from desk.platforms.bluesky.client import BlueskyConnector, facets_for, tid_for
from desk.platforms.errors import ChannelError, TransientError
from desk.replies.outbox import request_for
from tests.helpers.cli import run_desk
from tests.integration.devenv import HERE, BlueskyNetwork

T = TypeVar("T")
ORG = "ville.test"  # handles must end in .test: those resolve through the PDS, not DNS
CITIZEN = "elise.test"
MENTION_TEXT = "@ville.test Bonjour ! La fontaine de la place Élise 👨‍👩‍👧 fuit depuis hier."
REPLY_TEXT = "@elise.test Merci, une équipe passe demain matin 🚰 https://ville.example/avis"


@dataclass
class Account:
    did: str
    handle: str
    access: str


async def xrpc(
    http: httpx.AsyncClient,
    base: str,
    nsid: str,
    *,
    token: str | None = None,
    params: Any = None,
    body: Any = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    method = "POST" if body is not None else "GET"
    return await http.request(
        method, f"{base}/xrpc/{nsid}", headers=headers, params=params, json=body
    )


async def ok(response: Awaitable[httpx.Response]) -> Any:
    answer = await response
    assert answer.status_code == 200, f"{answer.request.url.path}: {answer.text[:500]}"
    return answer.json()


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, within: float = 30) -> T:
    """Poll ``check`` until it returns something (the AppView indexes in about a second)."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {within:.0f} s")
        await asyncio.sleep(0.25)


async def create_account(http: httpx.AsyncClient, pds: str, handle: str) -> Account:
    body = await ok(
        xrpc(
            http,
            pds,
            "com.atproto.server.createAccount",
            body={
                "handle": handle,
                "email": f"{handle.split('.')[0]}@ville.example",
                "password": f"main-password-{handle}",
            },
        )
    )
    return Account(did=body["did"], handle=body["handle"], access=body["accessJwt"])


def test_servers_listen_on_loopback_only(bluesky: BlueskyNetwork) -> None:
    assert bluesky.listening, "ss -ltnp shows no socket for the network's process"
    assert all(address.startswith("127.0.0.1:") for address in bluesky.listening), bluesky.listening
    ports = {address.rsplit(":", 1)[1] for address in bluesky.listening}
    for url in (bluesky.pds, bluesky.appview, bluesky.plc):
        assert url.rsplit(":", 1)[1] in ports


def _desk_toml(path: Path, pds: str) -> None:
    path.write_text(
        f"""\
[desk]
organisation = "Ville de Test"
language = "fr"

[[staff]]
name = "amelie"
display_name = "Amélie Bouchard"
initials = "AB"
role = "supervisor"
languages = ["fr", "en"]
os_users = [{json.dumps(pwd.getpwuid(os.getuid()).pw_name)}]

[[channel]]
name = "ville"
platform = "bluesky"
url = "{pds}"
account = "{ORG}"
secret = "env:DESK_TEST_BSKY_PASSWORD"
undo_seconds = 0
""",
        encoding="utf-8",
    )


async def test_mention_pulled_and_answered_in_thread_exactly_once(
    bluesky: BlueskyNetwork, tmp_path: Path, record_property: Callable[[str, Any], None]
) -> None:
    timings: dict[str, float] = {"network_start_s": round(bluesky.seconds_to_start, 1)}
    started = time.monotonic()
    pds, appview = bluesky.pds, bluesky.appview
    async with httpx.AsyncClient(timeout=30) as http:
        # -- two accounts; the organisation's desk uses an app password ------------------
        org = await create_account(http, pds, ORG)
        citizen = await create_account(http, pds, CITIZEN)
        app = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.server.createAppPassword",
                token=org.access,
                body={"name": "desk"},
            )
        )
        app_password = app["password"]

        # -- the citizen mentions the organisation (a mention facet, as real clients write) --
        record = {
            "$type": "app.bsky.feed.post",
            "text": MENTION_TEXT,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "langs": ["fr"],
            "facets": facets_for(MENTION_TEXT, {ORG: org.did}.get),
        }
        assert record["facets"], "the mention facet"
        mention = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.repo.createRecord",
                token=citizen.access,
                body={"repo": citizen.did, "collection": "app.bsky.feed.post", "record": record},
            )
        )
        mention_ref = {"uri": mention["uri"], "cid": mention["cid"]}

        def notified(uri: str) -> Callable[[], Awaitable[bool | None]]:
            async def check() -> bool | None:
                body = await ok(
                    xrpc(
                        http,
                        pds,
                        "app.bsky.notification.listNotifications",
                        token=org.access,
                        params=[("priority", "false")],
                    )
                )
                return True if any(n["uri"] == uri for n in body["notifications"]) else None

            return check

        await eventually(
            notified(mention["uri"]), "the mention in the organisation's notifications"
        )
        timings["mention_visible_s"] = round(time.monotonic() - started, 1)

        # -- desk pull, in its own process, with its own desk.toml and database ------------
        config = tmp_path / "desk.toml"
        _desk_toml(config, pds)
        db = tmp_path / "desk.db"
        env = {
            **os.environ,
            "DESK_CONFIG": str(config),
            "DESK_DB": str(db),
            "DESK_TEST_BSKY_PASSWORD": app_password,
        }
        channel = ChannelConfig(
            name="ville",
            platform="bluesky",
            url=pds,
            account=ORG,
            secret="env:DESK_TEST_BSKY_PASSWORD",
        )
        pull_started = time.monotonic()
        pulled = await asyncio.to_thread(run_desk, "pull", "--json", env=env)
        assert pulled.returncode == 0, pulled.stdout + pulled.stderr
        assert app_password not in pulled.stdout + pulled.stderr
        (report,) = json.loads(pulled.stdout)
        assert report["channel"] == "bluesky:ville"
        assert report["status"] == "ok", report
        assert report["new"] == 1, report
        timings["pull_s"] = round(time.monotonic() - pull_started, 1)

        with sqlite3.connect(db) as con:
            row = con.execute(
                "SELECT id, kind, author_handle, text, raw, created_at FROM mentions "
                "WHERE remote_id = ?",
                (mention["uri"],),
            ).fetchone()
        assert row is not None, "the mention is in desk's database"
        mention_id, kind, author, text, raw_json, _ = row
        assert kind == "mention"
        assert author.lstrip("@") == CITIZEN
        assert text == MENTION_TEXT
        raw = json.loads(raw_json)
        assert raw["cid"] == mention["cid"]

        # -- desk reply: queued for the channel, posted by desk.replies.outbox through the connector --
        post_started = time.monotonic()
        replied = await asyncio.to_thread(
            run_desk, "reply", str(mention_id), "--text", REPLY_TEXT, "--json", env=env
        )
        timings["reply_s"] = round(time.monotonic() - post_started, 1)
        assert replied.returncode == 0, replied.stdout + replied.stderr
        sent = json.loads(replied.stdout)
        assert sent["status"] == "sent", sent
        uri, posted_text = sent["remote_id"], sent["text"]
        assert posted_text.startswith(REPLY_TEXT)  # and desk's signature after it

        # The request desk.replies.outbox built from the stored reply: its record key is the one used.
        engine = desk_db.make_engine(str(db))
        try:
            with Session(engine) as session:
                stored = session.get(Reply, sent["id"])
                assert stored is not None
                replied_to = session.get(Mention, stored.mention_id)
                assert replied_to is not None
                reply = request_for(stored, replied_to)
        finally:
            engine.dispose()
        rkey = tid_for(reply.created_at, reply.reply_id)
        assert uri == f"at://{org.did}/app.bsky.feed.post/{rkey}"

        async with httpx.AsyncClient() as client:
            connector = BlueskyConnector(channel, client, Secret(app_password, source="test"))
            # Exactly once: the same reply again is refused by the PDS (its key is taken)...
            with pytest.raises(ChannelError) as again:
                await connector.post(reply)
            record_property("second_post_error", str(again.value))
            # The PDS answers 500 for a key already taken: unknown to the outbox, not NotPosted.
            assert isinstance(again.value, TransientError)
            assert again.value.status == 500
            assert app_password not in str(again.value)
            # ... and find_posted finds the first one; another reply's key is provably empty.
            assert await connector.find_posted(reply) == uri
            other = dataclasses.replace(reply, reply_id=reply.reply_id + 1)
            assert await connector.find_posted(other) is None
            assert connector.session_generation == 1  # one login for all of the above
        outbox = await asyncio.to_thread(run_desk, "outbox", "run", "--json", env=env)
        assert outbox.returncode == 0, outbox.stdout + outbox.stderr
        assert json.loads(outbox.stdout)["sent"] == []  # nothing left to send

        listed = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.repo.listRecords",
                params={"repo": org.did, "collection": "app.bsky.feed.post", "limit": 100},
            )
        )
        replies = [
            r for r in listed["records"] if r["value"].get("reply", {}).get("parent") == mention_ref
        ]
        assert [r["uri"] for r in replies] == [uri]  # one reply in the repo, not two

        # -- the AppView shows it in the thread, with the right root and parent -------------
        async def in_thread() -> dict[str, Any] | None:
            body = await ok(
                xrpc(http, appview, "app.bsky.feed.getPostThread", params={"uri": mention["uri"]})
            )
            for child in body["thread"].get("replies", []):
                if child.get("post", {}).get("uri") == uri:
                    return child["post"]
            return None

        shown = await eventually(in_thread, "the reply under the citizen's post")
        timings["reply_in_thread_s"] = round(time.monotonic() - started, 1)
        assert shown["author"]["did"] == org.did
        assert shown["record"]["text"] == posted_text
        assert shown["record"]["reply"] == {"root": mention_ref, "parent": mention_ref}
        kinds = [f["features"][0]["$type"] for f in shown["record"]["facets"]]
        assert kinds == ["app.bsky.richtext.facet#mention", "app.bsky.richtext.facet#link"]
        assert shown["record"]["facets"][0]["features"][0]["did"] == citizen.did
        raw_text = posted_text.encode("utf-8")
        link = shown["record"]["facets"][1]["index"]
        assert raw_text[link["byteStart"] : link["byteEnd"]] == b"https://ville.example/avis"

        # -- the record is in the organisation's signed repo, at the chosen key -------------
        latest = await ok(
            xrpc(http, pds, "com.atproto.sync.getLatestCommit", params={"did": org.did})
        )
        assert latest["cid"]
        assert latest["rev"]
        proof = await http.get(
            f"{pds}/xrpc/com.atproto.sync.getRecord",
            params={"did": org.did, "collection": "app.bsky.feed.post", "rkey": rkey},
        )
        assert proof.status_code == 200, proof.text[:300]
        assert proof.headers["content-type"].startswith("application/vnd.ipld.car")
        car = tmp_path / "proof.car"
        car.write_bytes(proof.content)
        verified = await asyncio.to_thread(
            subprocess.run,
            [bluesky.node, str(HERE / "verify-record.mjs"), str(car), org.did, bluesky.plc],
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=60,
            check=False,
        )
        assert verified.returncode == 0, verified.stderr
        result = json.loads(verified.stdout)
        assert result["signingKey"].startswith("did:key:")
        (proved,) = [
            r
            for r in result["records"]
            if r["collection"] == "app.bsky.feed.post" and r["rkey"] == rkey
        ]
        assert proved["record"]["text"] == posted_text
        assert proved["record"]["reply"]["parent"] == mention_ref
        # And the check does check: one byte changed in the proof and it no longer verifies.
        tampered = bytearray(proof.content)
        tampered[-5] ^= 0x01
        car.write_bytes(bytes(tampered))
        refused = await asyncio.to_thread(
            subprocess.run,
            [bluesky.node, str(HERE / "verify-record.mjs"), str(car), org.did, bluesky.plc],
            capture_output=True,
            text=True,
            cwd=HERE,
            timeout=60,
            check=False,
        )
        assert refused.returncode == 1, refused.stdout
        assert "not verified" in refused.stderr

        # -- the citizen answers the reply: the next pull takes only that, as a "reply" -------
        answer = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.repo.createRecord",
                token=citizen.access,
                body={
                    "repo": citizen.did,
                    "collection": "app.bsky.feed.post",
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": "Merci beaucoup !",
                        "createdAt": datetime.now(UTC)
                        .isoformat(timespec="milliseconds")
                        .replace("+00:00", "Z"),
                        "reply": {"root": mention_ref, "parent": {"uri": uri, "cid": shown["cid"]}},
                    },
                },
            )
        )
        await eventually(notified(answer["uri"]), "the citizen's answer in the notifications")
        pulled = await asyncio.to_thread(run_desk, "pull", "--json", env=env)
        assert pulled.returncode == 0, pulled.stdout + pulled.stderr
        (report,) = json.loads(pulled.stdout)
        assert report["new"] == 1, report  # the answer; the mention is not taken twice
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "SELECT remote_id, kind, thread_root_remote_id FROM mentions ORDER BY id"
            ).fetchall()
        assert rows == [
            (mention["uri"], "mention", None),
            (answer["uri"], "reply", mention["uri"]),
        ]

    timings["test_s"] = round(time.monotonic() - started, 1)
    for name, value in timings.items():
        record_property(name, value)
    print(f"\nbluesky integration: {timings}; second post: {again.value}", file=sys.stderr)


async def test_the_statement_is_published_once_and_pinned_on_the_profile(
    bluesky: BlueskyNetwork,
) -> None:
    """desk.crisis.statement's calls against a real PDS: the post at its derived record key, a
    second publish finding it instead of posting again, ``pinnedPost`` on the profile."""
    pds = bluesky.pds
    async with httpx.AsyncClient(timeout=30) as http:
        org = await create_account(http, pds, "mairie.test")
        app = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.server.createAppPassword",
                token=org.access,
                body={"name": "desk"},
            )
        )
        channel = ChannelConfig(
            name="mairie", platform="bluesky", url=pds, account="mairie.test", secret="env:X"
        )
        text = "Avis levé : l'eau est potable.\n\nAdvisory lifted: the water is safe."
        when = datetime(2026, 11, 12, 9, 30, tzinfo=UTC)
        connector = BlueskyConnector(channel, http, Secret(app["password"], source="test"))
        uri = await connector.publish(
            text, idempotency_key="statement:1:bluesky:mairie", created_at=when
        )
        again = await connector.publish(
            text, idempotency_key="statement:1:bluesky:mairie", created_at=when
        )
        assert again == uri
        assert await connector.pin(uri) is True
        profile = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.repo.getRecord",
                params={"repo": org.did, "collection": "app.bsky.actor.profile", "rkey": "self"},
            )
        )
        assert profile["value"]["pinnedPost"]["uri"] == uri
        posts = await ok(
            xrpc(
                http,
                pds,
                "com.atproto.repo.listRecords",
                params={"repo": org.did, "collection": "app.bsky.feed.post"},
            )
        )
        assert [p["value"]["text"] for p in posts["records"]] == [text]  # one post, not two
