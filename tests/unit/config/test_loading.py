"""Reading desk.toml: a file that is not a plain file, too big, nested too deep, or a signature
format that is more than a few named fields is refused at once, with what, where and what to do;
never a hang, a traceback or gigabytes of memory."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from desk.config import load_config, parse_config
from desk.errors import ConfigError
from desk.i18n import Catalog
from tests.helpers.desks import DESK_TOML

BUSY_SECONDS = 2.0  # each refusal here takes milliseconds; this only catches a hang or a blow-up


def with_signature(fmt: str) -> str:
    # a TOML basic string, where JSON's escapes (such as an escaped ESC) mean the same
    return DESK_TOML.replace(
        'signature_format = "—{initials}"', f"signature_format = {json.dumps(fmt)}"
    )


# -- signature_format ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt",
    [
        "{initials:>50}",  # a format spec: {initials:>999999999} allocated ~1 GB at every start
        "{initials:>999999999}",
        "{display_name:{initials}}",  # a nested field in the spec
        "{initials!r}",  # a conversion
        "{initials.upper}",  # attribute access
        "{initials[0]}",  # index access
        "{0}",
        "{}",
        "{nickname}",
        "—{initials",  # unbalanced
        "—" + "x" * 200 + "{initials}",  # far too long to sign a reply
        "—{initials}\x1b]0;t\x07",  # a control character would go out in every reply
    ],
)
def test_signature_format_allows_only_the_named_fields(tmp_path: Path, fmt: str) -> None:
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(with_signature(fmt), tmp_path / "desk.toml")
    assert time.monotonic() - began < BUSY_SECONDS
    message = str(caught.value)
    assert "desk.signature_format" in message
    assert "{initials}" in message  # what is allowed


@pytest.mark.parametrize(
    ("fmt", "signed"),
    [
        ("—{initials}", "—AB"),
        ("— {display_name} ({initials})", "— Amélie Bouchard (AB)"),
        ("{{{name}}}", "{amelie}"),  # doubled braces are literal braces
        ("Ville de Test", "Ville de Test"),
    ],
)
def test_signature_format_named_fields_still_sign(tmp_path: Path, fmt: str, signed: str) -> None:
    config = parse_config(with_signature(fmt), tmp_path / "desk.toml")
    person = config.staff_named("amelie")
    assert person is not None
    assert config.signature_for(person) == signed


# -- files that are not plain files ------------------------------------------------------------


def test_dev_zero_as_desk_toml_is_refused_at_once() -> None:
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(Path("/dev/zero"))
    assert time.monotonic() - began < BUSY_SECONDS
    assert "/dev/zero" in str(caught.value)
    assert "is a device, not a file" in str(caught.value)


def test_a_fifo_as_desk_toml_is_refused_without_opening_it_for_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "desk.toml"
    os.mkfifo(fifo)
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(fifo)  # nobody ever writes to it: reading would wait forever
    assert time.monotonic() - began < BUSY_SECONDS
    assert "pipe" in str(caught.value)


def test_a_folder_as_desk_toml_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="folder"):
        load_config(tmp_path)


def test_a_huge_desk_toml_is_refused_after_reading_only_its_start(tmp_path: Path) -> None:
    huge = tmp_path / "desk.toml"
    with huge.open("wb") as handle:  # sparse: 4 GB claimed, nothing written
        handle.truncate(4 * 1024**3)
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_config(huge)
    assert time.monotonic() - began < BUSY_SECONDS
    assert "bytes" in str(caught.value)


# -- nesting ---------------------------------------------------------------------------------


DEEP = {
    "arrays": "[desk]\norganisation = " + "[" * 100_000,
    "inline tables": "[desk]\norganisation = " + "{ a = " * 100_000,
    "300 arrays closed": "[desk]\norganisation = "
    + "[" * 300
    + "]" * 300,  # under the parser's limit
    "dotted key 1,000": "[desk]\n" + ".".join(["a"] * 1_000) + " = 1",
    "dotted key 100,000": "[desk]\n" + ".".join(["a"] * 100_000) + " = 1",  # gigabytes before
    "table header 100,000": "[" + ".".join(["t"] * 100_000) + "]",
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deeply_nested_toml_is_a_clear_error(tmp_path: Path, case: str) -> None:
    began = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(DEEP[case], tmp_path / "desk.toml")
    assert time.monotonic() - began < BUSY_SECONDS
    message = str(caught.value)
    assert str(tmp_path / "desk.toml") in message
    assert "nested more than" in message or "dotted parts" in message
    assert "line " in message


# -- refusals in the reader's language ---------------------------------------------------------


def refusal(text: str, tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "desk.toml")
    return caught.value


def test_an_unknown_name_in_routing_is_said_in_french(tmp_path: Path) -> None:
    error = refusal(DESK_TOML.replace('fr = "bruno"', 'fr = "zoe"'), tmp_path)
    message, hint = error.localized(Catalog("fr").t)
    assert message == (
        f"{tmp_path / 'desk.toml'}\u00a0: routing.fr nomme 'zoe', qui n'est ni dans [[staff]] "
        "ni une [[team]]"
    )
    assert hint == "équipe dans desk.toml\u00a0: amelie, bruno, chloe"
    assert "routing.fr names 'zoe'" in error.message  # English where no language is chosen


@pytest.mark.parametrize(
    ("change", "where", "said"),
    [
        # pydantic's own refusal, worded by the catalog
        (("[desk]\n", "[desk]\ncolour = 3\n"), "desk.colour", "ce réglage est inconnu de desk"),
        (('timezone = "UTC"', "timezone = 3"), "hours.timezone", "doit être du texte"),
        (
            ('language = "en"', 'language = "de"'),
            "desk.language",
            "doit être l'une de ces valeurs\u00a0: 'fr', 'en'",
        ),
        # desk's own checks
        (
            ('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
            "hours.timezone",
            "fuseau horaire inconnu 'Mars/Olympus'",
        ),
        (('mon = "00:00-24:00"', 'lun = "00:00-24:00"'), "hours.business", "jour inconnu 'lun'"),
        (
            ('signature_format = "—{initials}"', 'signature_format = "{initials:>9}"'),
            "desk.signature_format",
            "{initials:>9} a un format\u00a0; n'utilisez que {initials}",
        ),
    ],
)
def test_a_refused_value_is_said_in_french(
    tmp_path: Path, change: tuple[str, str], where: str, said: str
) -> None:
    """What is wrong, where, and what to do, in French: no English words from pydantic."""
    error = refusal(DESK_TOML.replace(*change, 1), tmp_path)
    message, hint = error.localized(Catalog("fr").t)
    assert message.startswith(f"{tmp_path / 'desk.toml'}\u00a0: {where}\u00a0: ")
    assert said in message
    assert hint == "voyez sample_feeds/desk.toml pour un exemple complet"
    english, _ = error.localized(Catalog("en").t)
    assert english == error.message  # the English text is the catalog's, too
