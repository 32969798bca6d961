"""desk.i18n: the French and English catalogs agree, are read lazily and from their compiled
JSON while it is current; the language is chosen; errors speak it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk import i18n
from desk.i18n import LANGUAGES, Catalog, choose_language, load_strings


def test_catalogs_have_the_same_keys() -> None:
    assert set(load_strings("fr")) == set(load_strings("en"))
    assert len(load_strings("en")) > 1
    assert set(i18n.FILES) == {"cli", "core", "tui"}
    for name in i18n.FILES:  # each file holds its own keys only (load_file refuses others)
        for language in LANGUAGES:
            keys = set(i18n.load_file(language, name))
            assert keys
            assert all(k.startswith(f"{name}.") for k in keys) or name == "core"
            assert not any(k.startswith(("cli.", "tui.")) for k in keys) or name != "core"


def test_a_catalog_reads_a_file_when_one_of_its_strings_is_first_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[tuple[str, str]] = []
    real = i18n.load_file.__wrapped__

    def spy(language: str, name: str) -> dict[str, str]:
        read.append((language, name))
        return real(language, name)

    monkeypatch.setattr(i18n, "load_file", spy)
    catalog = Catalog("fr")
    assert read == []
    assert catalog.t("tui.title").startswith("desk")
    assert read == [("fr", "tui")]  # the terminal interface reads neither cli nor core yet
    assert catalog.t("cli.missing.key") == "cli.missing.key"
    assert catalog.t("tui.title").startswith("desk")
    assert read == [("fr", "tui"), ("fr", "cli")]
    assert catalog.t("no.such.key") == "no.such.key"
    assert read[-1] == ("fr", "core")


def test_a_key_in_the_wrong_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "tui.toml").write_text('[cli]\nx = "y"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    with pytest.raises(ValueError, match="belong in another file"):
        i18n.load_file.__wrapped__("fr", "tui")


def test_the_compiled_catalogs_are_current() -> None:
    from desk.i18n import compile as compile_catalogs

    assert compile_catalogs.stale() == [], "run: python -m desk.i18n.compile"


def test_a_catalog_is_read_from_its_json_only_while_that_matches_its_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fr").mkdir()
    toml = tmp_path / "fr" / "tui.toml"
    toml.write_text('[tui]\ntitle = "desk"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "_DIR", tmp_path)
    load = i18n.load_file.__wrapped__
    assert load("fr", "tui") == {"tui.title": "desk"}  # no JSON: the TOML

    stamp = i18n.stamp(toml.read_bytes())
    compiled = {"stamp": stamp, "strings": {"tui.title": "from the JSON"}}
    toml.with_suffix(".json").write_text(json.dumps(compiled), encoding="utf-8")
    assert load("fr", "tui") == {"tui.title": "from the JSON"}  # made from this TOML: used

    toml.write_text('[tui]\ntitle = "edited"\n', encoding="utf-8")
    assert load("fr", "tui") == {"tui.title": "edited"}  # the TOML changed since: ignored
    for broken in ("{", "[]", '{"stamp": 1}', json.dumps({**compiled, "strings": [1]})):
        toml.with_suffix(".json").write_text(broken, encoding="utf-8")
        assert load("fr", "tui") == {"tui.title": "edited"}


def test_choose_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert choose_language() == "fr"
    assert choose_language(configured="en") == "en"
    assert choose_language(explicit="fr", configured="en") == "fr"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert choose_language() == "en"
    assert Catalog("fr").t("missing.key") == "missing.key"


def test_service_errors_speak_the_interface_language() -> None:
    """Refusals carry a catalog key: English text for the CLI, French for a French interface."""
    from desk.errors import ActionRefused

    error = ActionRefused.from_catalog("already_closed", id=7)
    assert error.message == "mention 7 is already closed"
    assert error.localized(Catalog("fr").t) == ("la mention nº 7 est déjà fermée", None)
    message, hint = ActionRefused.from_catalog("reply_empty").localized(Catalog("fr").t)
    assert (message, hint) == ("la réponse est vide", "écrivez quelque chose avant d'envoyer")
    assert ActionRefused("plain").localized(Catalog("fr").t) == ("plain", None)


def test_a_bulk_result_reads_right_for_zero_one_and_many() -> None:
    # French counts 0 as one: "0 mention changée (un événement d'audit)" told of an event that
    # was never written; the result now counts both.
    fr, en = Catalog("fr"), Catalog("en")
    assert fr.plural("cli.bulk.done", 0, action="fermer") == (
        "fermer\u00a0: 0 mention changée, 0 événement d'audit."
    )
    assert fr.plural("cli.bulk.done", 3, action="fermer").endswith("3 événements d'audit.")
    assert en.plural("cli.bulk.done", 0, action="close") == (
        "close: 0 mentions changed, 0 audit events."
    )
    assert en.plural("cli.bulk.done", 1, action="close").endswith("1 audit event.")
