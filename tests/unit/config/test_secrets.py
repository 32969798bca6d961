"""desk.config.secrets: each source, the refusals of a readable file, and a value that never shows."""

from __future__ import annotations

import copy
import io
import json
import logging
import os
import pickle
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from rich.console import Console
from rich.traceback import Traceback

from desk.config.secrets import Secret, install_redaction, redact, resolve
from desk.errors import ConfigError
from desk.i18n import Catalog

TOKEN = "tok-9f8e7d6c5b4a-ville-de-test"  # a made-up token, long enough to be redacted


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend (the package's own API) that keeps passwords in memory."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def secret_file(path: Path, content: str, mode: int) -> Path:
    path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


def refused(ref: str, **kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve(ref, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert TOKEN not in str(error)
    assert TOKEN not in (error.hint or "")
    assert TOKEN not in "".join(traceback.format_exception(error))
    return error


# -- sources -------------------------------------------------------------------------------


def test_env_source() -> None:
    secret = resolve("env:DESK_VILLE_TOKEN", environ={"DESK_VILLE_TOKEN": TOKEN})
    assert secret.reveal() == TOKEN
    assert secret.source == "env:DESK_VILLE_TOKEN"


def test_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_VILLE_TOKEN", TOKEN)
    assert resolve("env:DESK_VILLE_TOKEN").reveal() == TOKEN


def test_missing_env_var_says_which_and_what_to_do() -> None:
    error = refused("env:DESK_VILLE_TOKEN", environ={})
    assert "DESK_VILLE_TOKEN is not set" in error.message
    assert "export DESK_VILLE_TOKEN=" in (error.hint or "")


def test_a_secret_refusal_is_said_in_the_readers_language(tmp_path: Path) -> None:
    """The same refusal reads in French for a French reader, hint included, with the
    typography the French catalog keeps (a non-breaking space before the colon)."""
    message, hint = refused("env:DESK_VILLE_TOKEN", environ={}).localized(Catalog("fr").t)
    assert message == (
        "secret env:DESK_VILLE_TOKEN\u00a0: la variable d'environnement DESK_VILLE_TOKEN "
        "n'est pas définie"
    )
    assert "export DESK_VILLE_TOKEN=" in (hint or "")
    shared = tmp_path / "token"
    shared.write_text(TOKEN)
    shared.chmod(0o644)
    message, hint = refused(f"file:{shared}").localized(Catalog("fr").t)
    assert "peut être lu ou modifié par le groupe ou par d'autres (mode 0644)" in message
    assert hint == f"rendez-le privé\u00a0: chmod 600 {shared}"
    message, _ = refused(TOKEN).localized(Catalog("fr").t)
    assert message.startswith("le secret d'un canal n'est pas une référence")
    assert TOKEN not in message


def test_empty_env_var_is_refused() -> None:
    error = refused("env:DESK_VILLE_TOKEN", environ={"DESK_VILLE_TOKEN": ""})
    assert "empty" in error.message


def test_a_token_pasted_as_the_reference_is_not_echoed() -> None:
    error = refused(TOKEN)
    assert "env:NAME" in (error.hint or "")


def test_keyring_source(memory_keyring: MemoryKeyring) -> None:
    keyring.set_password("desk", "mastodon-ville", TOKEN)
    secret = resolve("keyring:desk/mastodon-ville")
    assert secret.reveal() == TOKEN
    assert secret.source == "keyring:desk/mastodon-ville"


def test_keyring_without_the_entry(memory_keyring: MemoryKeyring) -> None:
    error = refused("keyring:desk/mastodon-ville")
    assert "keyring set desk mastodon-ville" in (error.hint or "")


def test_no_keyring_on_a_headless_machine_says_what_to_use() -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # what a headless Linux box gets
    try:
        error = refused("keyring:desk/mastodon-ville")
    finally:
        keyring.set_keyring(before)
    assert "no system keyring is available" in error.message
    assert "env:NAME or file:PATH" in (error.hint or "")


def test_keyring_package_missing_is_harmless(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring fails
    error = refused("keyring:desk/mastodon-ville")
    assert "keyring package is not installed" in error.message
    # the other sources do not need it
    assert resolve("env:T", environ={"T": TOKEN}).reveal() == TOKEN


def test_keyring_reference_needs_a_user() -> None:
    assert "keyring:SERVICE/USER" in refused("keyring:desk").message


def test_file_source_0600_strips_one_newline(tmp_path: Path) -> None:
    path = secret_file(tmp_path / "token", TOKEN + "\n\n", 0o600)
    assert resolve(f"file:{path}").reveal() == TOKEN + "\n"
    secret_file(path, TOKEN + "\r\n", 0o600)
    assert resolve(f"file:{path}").reveal() == TOKEN
    secret_file(path, TOKEN, 0o400)
    assert resolve(f"file:{path}").reveal() == TOKEN


def test_file_path_expands_home(tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])  # the isolated home of conftest
    secret_file(home / "desk-token", TOKEN + "\n", 0o600)
    assert resolve("file:~/desk-token").reveal() == TOKEN


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_file_readable_by_others_is_refused_with_the_chmod_fix(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path / "token", TOKEN + "\n", mode)
    error = refused(f"file:{path}")
    assert f"mode {mode:04o}" in error.message
    assert f"chmod 600 {path}" in (error.hint or "")


def test_file_missing(tmp_path: Path) -> None:
    error = refused(f"file:{tmp_path / 'nope'}")
    assert "no such file" in error.message
    assert "chmod 600" in (error.hint or "")


def test_file_not_regular_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    assert "not a regular file" in refused(f"file:{fifo}").message
    assert "not a regular file" in refused(f"file:{tmp_path}").message


def test_file_too_large_is_refused(tmp_path: Path) -> None:
    path = secret_file(tmp_path / "token", "x" * (64 * 1024 + 1), 0o600)
    assert "larger than 64 KB" in refused(f"file:{path}").message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = secret_file(tmp_path / "token", "\n", 0o600)
    assert "empty" in refused(f"file:{path}").message


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_file_of_another_user_is_refused(tmp_path: Path) -> None:
    path = secret_file(tmp_path / "token", TOKEN, 0o600)
    os.chown(path, 12345, -1)
    error = refused(f"file:{path}")
    assert "belongs to user id 12345" in error.message


def test_symlink_to_a_private_file_is_followed(tmp_path: Path) -> None:
    target = secret_file(tmp_path / "token", TOKEN, 0o600)
    link = tmp_path / "link"
    link.symlink_to(target)
    assert resolve(f"file:{link}").reveal() == TOKEN


# -- the value never shows -----------------------------------------------------------------


def test_repr_str_format_show_no_value() -> None:
    secret = Secret(TOKEN, source="env:DESK_X")
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r:>60}", "%s" % (secret,)]  # noqa: UP031
    assert all(TOKEN not in text for text in shown)
    assert repr(secret) == "Secret('***', source='env:DESK_X')"
    assert repr([secret, {"token": secret}]).count("***") == 2


def test_json_refuses_or_redacts() -> None:
    secret = Secret(TOKEN, source="test")
    with pytest.raises(TypeError) as caught:
        json.dumps({"token": secret})
    assert TOKEN not in str(caught.value)
    assert TOKEN not in json.dumps({"token": secret}, default=str)


def test_not_picklable_but_copyable() -> None:
    secret = Secret(TOKEN, source="test")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert copy.deepcopy({"s": secret})["s"] is secret


def test_equality_compares_values_without_showing_them() -> None:
    assert Secret(TOKEN, source="a") == Secret(TOKEN, source="b")
    assert Secret(TOKEN, source="a") != Secret(TOKEN + "x", source="a")
    assert Secret(TOKEN) != TOKEN  # a Secret never equals its plain value
    assert len({Secret(TOKEN), Secret(TOKEN)}) == 1


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    secret = resolve("env:T", environ={"T": TOKEN})
    log = logging.getLogger("desk.test")
    with caplog.at_level(logging.INFO):
        log.info("calling https://social.example/api?access_token=%s", secret.reveal())
        log.info("header Bearer " + secret.reveal())
        try:
            raise RuntimeError(f"server said: bad token {secret.reveal()}")
        except RuntimeError:
            log.exception("post failed")
    assert TOKEN not in caplog.text
    assert caplog.text.count("***") >= 3
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_url_encoded_value_is_redacted_too() -> None:
    Secret("a token/with+reserved=chars", source="test")
    assert redact("q=a%20token%2Fwith%2Breserved%3Dchars") == "q=***"


async def test_httpx_request_logs_never_show_a_token(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(TOKEN, source="test")
    install_redaction(secret)
    assert logging.getLogger("httpx").level == logging.WARNING  # its INFO logs full URLs
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.DEBUG, logger="httpx"):  # even when someone turns it up
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get(f"https://social.example/api?access_token={secret.reveal()}")
    assert "HTTP Request: GET https://social.example/api?access_token=***" in caplog.text
    assert TOKEN not in caplog.text


def _crash(secret: Secret) -> None:
    headers_source = {"token": secret}  # noqa: F841 - a local for the traceback to show
    raise RuntimeError("sending failed")


def test_rich_traceback_with_locals_shows_no_value() -> None:
    """Textual's crash screen is a rich Traceback with show_locals=True."""
    secret = Secret(TOKEN, source="env:DESK_X")
    try:
        _crash(secret)
    except RuntimeError:
        console = Console(file=io.StringIO(), width=200, color_system=None)
        console.print(Traceback(show_locals=True))
        rendered = console.file.getvalue()  # type: ignore[attr-defined]
    assert "headers_source" in rendered  # the locals are there...
    assert "Secret('***', source='env:DESK_X')" in rendered  # ...redacted
    assert TOKEN not in rendered


def test_stdlib_traceback_with_locals_shows_no_value() -> None:
    secret = Secret(TOKEN, source="test")
    try:
        _crash(secret)
    except RuntimeError as exc:
        text = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert "headers_source" in text
    assert TOKEN not in text
