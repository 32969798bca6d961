"""desk.platforms.http.error_text: a server's error words, clipped, never a piece of a secret.

A hostile or broken server may echo the token it was sent. Blanking it after the 200-character
clip missed a token cut by the clip: its first characters went into messages and logs."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from desk.config.secrets import Secret
from desk.platforms.http import error_text

TOKEN = "Zq8vT3kP0wYx7Rb2Nf5Lc9Hd4Mj6Gs1"


def pieces(secret: str, size: int = 3) -> set[str]:
    """Every run of ``size`` characters of ``secret``."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def shows_part_of(text: str, secret: str) -> bool:
    return any(piece in text for piece in pieces(secret))


def plain(body: str) -> httpx.Response:
    return httpx.Response(401, text=body)


def as_json(**body: str) -> httpx.Response:
    return httpx.Response(401, content=json.dumps(body).encode())


@pytest.mark.parametrize("start", [150, 180, 190, 195, 199, 200, 205])
@pytest.mark.parametrize("make", [plain, lambda text: as_json(error=text)])
def test_a_token_across_the_clip_is_never_partly_shown(
    start: int, make: Callable[[str], httpx.Response]
) -> None:
    body = "x" * start + TOKEN + " was refused"
    text = error_text(make(body), hide=(Secret(TOKEN, source="env:T"),))
    assert not shows_part_of(text, TOKEN), text
    assert len(text) <= 200 + len("[redacted]")


def test_a_token_inside_the_clip_is_blanked_and_the_words_kept() -> None:
    text = error_text(as_json(error=f"token {TOKEN} is expired"), hide=(TOKEN,))
    assert text == "token [redacted] is expired"


def test_a_server_echoing_the_start_or_end_of_the_token_at_the_edges_shows_neither() -> None:
    # Some servers echo a token cut short themselves: its tail opens the message, its head ends it.
    body = TOKEN[-12:] + " bad; expected something like " + TOKEN[:9]
    text = error_text(plain(body), hide=(TOKEN,))
    assert not shows_part_of(text, TOKEN), text
    assert "bad; expected something like" in text


def test_without_secrets_the_words_are_clipped_as_before() -> None:
    assert error_text(plain("y" * 500)) == "y" * 200
    assert error_text(as_json(error="Validation failed: Text too long")) == (
        "Validation failed: Text too long"
    )
