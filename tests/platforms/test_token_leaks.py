"""Tokens never show in what a crash screen prints: Textual's (Rich's) traceback lists every
frame's local variables with their repr, so a token held in a plain dict or str on the way to the
platform would be printed whole."""

from __future__ import annotations

import types
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from rich.pretty import pretty_repr

from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret
from desk.platforms.client import ReplyRequest
from desk.platforms.errors import ChannelError
from desk.platforms.mastodon.client import MastodonConnector
from desk.platforms.x.client import XConnector
from tests.helpers.fake_platforms import TOKEN


def _frames(exc: BaseException) -> list[types.FrameType]:
    """Every frame of ``exc``'s traceback and of the exceptions chained to it."""
    frames, seen = [], set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
        todo += [current.__cause__, current.__context__]
    return frames


def _shown_locals(exc: BaseException) -> str:
    """What a crash screen with ``show_locals`` would print for ``exc``."""
    return "\n".join(
        f"{name} = {pretty_repr(value)}"
        for frame in _frames(exc)
        for name, value in frame.f_locals.items()
    )


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectTimeout("no answer", request=request)


REQUEST = ReplyRequest(
    reply_id=1,
    text="Merci",
    idempotency_key="k-1",
    created_at=datetime(2026, 11, 12, 14, 0, tzinfo=UTC),
    parent_remote_id="1234",
    parent_author="someone",
    parent_visibility="public",
    parent_raw={"id": "1234", "account": {"acct": "someone"}},
)


@pytest.mark.parametrize(
    ("cls", "platform", "account"),
    [(MastodonConnector, "mastodon", "ville"), (XConnector, "x", "2244994945")],
)
@pytest.mark.parametrize("call", ["fetch", "post"])
async def test_a_failed_call_leaves_no_token_in_the_frames_locals(
    cls: Any, platform: str, account: str, call: str
) -> None:
    channel = ChannelConfig(
        name="ville", platform=platform, url="https://social.example", account=account
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(_timeout)) as client:
        connector = cls(channel, client, Secret(TOKEN, source="test"))
        attempt = connector.fetch(None) if call == "fetch" else connector.post(REQUEST)
        with pytest.raises(ChannelError) as caught:
            await attempt
    shown = _shown_locals(caught.value)
    assert "Bearer" in shown or "authorization" in shown.lower()  # the headers were there...
    assert TOKEN not in shown  # ...but never their value


@pytest.mark.parametrize("call", ["fetch", "post"])
async def test_a_failed_bluesky_login_leaves_no_app_password_in_the_frames_locals(
    call: str,
) -> None:
    from desk.platforms.bluesky.client import BlueskyConnector

    channel = ChannelConfig(
        name="ville", platform="bluesky", url="https://pds.example", account="ville.example"
    )
    raw = {"uri": "at://did:plc:a/app.bsky.feed.post/3k", "cid": "bafy", "record": {}}
    async with httpx.AsyncClient(transport=httpx.MockTransport(_timeout)) as client:
        connector = BlueskyConnector(channel, client, Secret(TOKEN, source="test"))
        attempt = (
            connector.fetch(None)
            if call == "fetch"
            else connector.post(replace(REQUEST, parent_raw=raw))
        )
        with pytest.raises(ChannelError) as caught:
            await attempt
    shown = _shown_locals(caught.value)
    assert "createSession" in shown  # the login was on its way...
    assert TOKEN not in shown  # ...without its password showing
