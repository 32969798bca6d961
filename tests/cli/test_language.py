"""The command line speaks the interface language: results, errors with their hints, progress,
tables and --help, in French and English; every command is registered the one way (a run
function and a help in both catalogs); ``--json`` stays the same JSON; ``desk --version``
loads no service."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk.audit.timeline import Step, sentence
from desk.bootstrap import Desk
from desk.cli import GROUPS, build_parser, main
from desk.cli._parser import DeskParser
from desk.cli._shared import plural
from desk.config import Settings
from desk.i18n import Catalog, load_strings
from desk.tui.labels import plural as tui_plural
from tests.helpers.cli import Cli, loaded_by
from tests.helpers.desks import add, mention

KEY = re.compile(r"\bcli\.[a-z_]+\.")  # a catalog key printed instead of its text
PLACEHOLDER = re.compile(r"\{[a-z_]+(?:![rs])?\}")  # a template printed without its values

NOW = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


def commands(parser: DeskParser) -> Iterator[DeskParser]:
    """Every command parser under ``parser``, depth first."""
    for sub in parser.subcommands.values():
        yield sub
        yield from commands(sub)


def run(
    cli: Cli,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    lang: str = "fr",
    as_name: str | None = "amelie",
) -> tuple[int, str, str]:
    """``desk ARGS`` in ``lang`` ("": none given); the status, stdout and stderr."""
    status = cli(*args, lang=lang, as_name=as_name)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- the same command in French and in English ------------------------------------------------


def test_a_result_line_in_each_language(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("1", "Bonjour"))
    assert run(cli, capsys, "close", str(mid), lang="fr")[1] == f"mention nº\u00a0{mid} fermée\n"
    assert run(cli, capsys, "reopen", str(mid), lang="en")[1] == f"mention {mid} reopened\n"
    status, out, _ = run(cli, capsys, "handover", "bruno", "chloe", lang="fr")
    assert status == 0
    assert out == "1 mention ouverte transférée de bruno à chloe\n"  # counted, not "(s)"
    # desk bulk names its action in the language too ("close : 2 mentions changées" before)
    ids = add(desk, mention("2", "Bonjour"), mention("3", "Allo"))
    chosen = ",".join(map(str, ids))
    status, out, _ = run(cli, capsys, "bulk", "close", "--ids", chosen, lang="fr")
    assert out.startswith("fermer\u00a0: 2 mentions changées"), out
    status, out, _ = run(cli, capsys, "bulk", "spam", "--ids", chosen, lang="en")
    assert out.startswith("mark as spam: 2 mentions changed"), out


def test_an_error_and_its_hint_in_each_language(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(cli, capsys, "show", "999", lang="fr")
    assert status == 2
    lines = err.splitlines()
    assert lines[0].startswith("erreur\u00a0: aucune mention n")  # the core's words, in French
    assert lines[1].startswith("  conseil\u00a0: ")
    status, _, err = run(cli, capsys, "show", "999", lang="en")
    assert err.splitlines()[0] == "error: no mention with id 999"
    assert err.splitlines()[1].startswith("  hint: ")
    # a refusal of the command line itself (not a service's) is translated too
    (mid,) = add(desk, mention("1", "x"))
    _, _, err = run(cli, capsys, "reply", str(mid), lang="fr")
    assert (
        err == "erreur\u00a0: donnez la réponse avec --text TEXTE ou --answer NOM (l'un des deux)\n"
    )
    _, _, err = run(cli, capsys, "passphrase", lang="fr")
    assert err.splitlines() == [
        "erreur\u00a0: pas de terminal pour taper la phrase de passe",
        "  conseil\u00a0: réglez DESK_NEW_PASSPHRASE",
    ]


def test_argument_refusals_in_each_language(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli("queue", "--limit", "0", lang="fr")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation\u00a0: desk queue ")
    assert "desk queue\u00a0: erreur\u00a0: argument --limit\u00a0: doit valoir 1 ou plus" in err
    with pytest.raises(SystemExit):
        cli("report", "--since", "hier", lang="fr")
    assert "'hier' n'est pas une date comme 2026-11-21" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "fr", "en"),
    [
        (
            ["queue", "--bogus"],
            "inconnu de cette commande\u00a0: --bogus",
            "unrecognized arguments",
        ),
        (["show"], "il manque\u00a0: ID", "the following arguments are required: ID"),
        (
            ["bulk", "frob"],
            "argument ACTION\u00a0: choix inconnu\u00a0: 'frob' (au choix",
            "invalid choice",
        ),
        (
            ["queue", "--category"],
            "argument --category\u00a0: une valeur doit suivre",
            "expected one",
        ),
        (["bulk", "close", "--ids", "1", "--search", "eau"], "impossible avec", "not allowed with"),
    ],
    ids=["unknown", "missing", "choice", "no-value", "exclusive"],
)
def test_argparse_own_refusals_speak_the_language(
    cli: Cli, capsys: pytest.CaptureFixture[str], args: list[str], fr: str, en: str
) -> None:
    for lang, expected in (("fr", fr), ("en", en)):
        with pytest.raises(SystemExit) as exit_info:
            cli(*args, lang=lang)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert expected in err, err
        if lang == "fr":
            assert not re.search(r"unrecognized|required|invalid|expected|allowed", err), err


def test_a_group_help_in_each_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--lang", "fr", "audit", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation\u00a0: desk audit [-h] SOUS-COMMANDE ...")
    assert "le journal d'audit" in out
    assert "recalculer la chaîne d'empreintes" in out
    assert "options\u00a0:" in out
    assert "afficher cette aide et quitter" in out
    with pytest.raises(SystemExit):
        main(["--lang", "en", "audit", "log", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: desk audit log [-h] [--json] [--mention ID]")
    assert "only this action (reply.sent) or family (reply.*)" in out


def test_progress_and_tables_in_french(
    cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, mention("1", "Bonjour"), mention("2", "Allo"))
    status, out, _ = run(cli, capsys, "queue")
    assert status == 0
    header, *rows, footer = out.splitlines()
    # the values too, as the interface names them (the JSON keeps the stored words)
    assert all(" ouverte " in row and " open " not in row for row in rows), rows
    assert header.split() == [
        "nº",
        "prio",
        "catégorie",
        "réseau",
        "auteur",
        "âge",
        "personne",
        "état",
        "texte",
    ]
    assert footer == "(2 sur 2)"
    labelled = tmp_path / "set.jsonl"
    labelled.write_text('{"text": "Merci", "lang": "fr", "category": "praise"}\n', "utf-8")
    status, out, _ = run(cli, capsys, "triage", "evaluate", str(labelled), as_name=None)
    assert status == 0
    assert out.splitlines()[0].split() == ["catégorie", "précision", "rappel", "F1", "n"]
    assert out.splitlines()[-1].endswith("· 1 élément")


def test_show_and_replies_name_statuses_and_kinds_in_the_readers_language(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    (mid,) = add(desk, mention("1", "Bonjour", kind="quote"))
    sent = desk.replies.send(mid, "Merci !")  # a replayed file's channel: sent offline
    assert sent.status == "sent_offline"
    author = sent.author
    _, shown, _ = run(cli, capsys, "show", str(mid))
    assert f"#{mid} mastodon citation — " in shown
    assert "  [envoyée hors ligne] " in shown
    assert f" {author}\u00a0: Merci !" in shown  # French typography before the colon
    _, listed, _ = run(cli, capsys, "replies")
    assert "[envoyée hors ligne]" in listed
    assert "sent_offline" not in shown + listed
    _, shown, _ = run(cli, capsys, "show", str(mid), lang="en")
    assert f"#{mid} mastodon quote — " in shown
    assert "  [sent_offline] " in shown
    assert f" {author}: Merci !" in shown
    assert "[sent_offline]" in run(cli, capsys, "replies", lang="en")[1]


def test_json_is_the_same_in_every_language(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, mention("1", "Bonjour"))
    outputs = [run(cli, capsys, "queue", "--json", lang=lang)[1] for lang in ("fr", "en")]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])[0]["text"] == "Bonjour"


# -- which language ---------------------------------------------------------------------------


def test_the_language_comes_from_lang_then_desk_lang_then_desk_toml_then_the_locale(
    cli: Cli,
    settings: Settings,
    desk: Desk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (mid,) = add(desk, mention("1", "x"))
    config = settings.config
    assert config is not None  # the test desk.toml says language = "en"
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert "is already open" in run(cli, capsys, "reopen", str(mid), lang="")[2]
    monkeypatch.setenv("DESK_LANG", "fr")
    assert "est déjà ouverte" in run(cli, capsys, "reopen", str(mid), lang="")[2]
    assert "is already open" in run(cli, capsys, "reopen", str(mid), lang="en")[2]
    monkeypatch.delenv("DESK_LANG")
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    assert "est déjà ouverte" in run(cli, capsys, "reopen", str(mid), lang="")[2]
    with pytest.raises(SystemExit):  # the help follows desk.toml too (it is read before parsing)
        cli("reopen", "--help", lang="")
    assert "rouvrir" in capsys.readouterr().out


# -- nothing leaks, every command is registered the one way ------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_catalog_key_or_placeholder_in_what_commands_print(
    lang: str, cli: Cli, desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = add(desk, mention("1", "Bonjour"), mention("2", "Il paraît que la piscine ferme"))
    extract = tmp_path / "extract.jsonl"
    for args in (
        ("queue", "--view", "all"),
        ("show", str(ids[0])),
        ("assign", str(ids[0]), "bruno"),
        ("claim", str(ids[0])),
        ("release", str(ids[0])),
        ("categorise", str(ids[0]), "question"),
        ("spam", str(ids[0])),
        ("reopen", str(ids[0])),
        ("close", str(ids[0])),
        ("reply", str(ids[1]), "--text", "Merci de votre message."),
        ("reply", str(ids[1]), "--text", "encore"),
        ("replies",),
        ("approvals",),
        ("answers", "list"),
        ("answers", "suggest", str(ids[1])),
        ("report",),
        ("export", "--since", "2026-11-01", "--until", "2026-11-30", "--out", str(extract)),
        ("audit", "verify-extract", str(extract)),
        ("audit", "verify"),
        ("audit", "log"),
        ("audit", "timeline", str(ids[1])),
        ("purge", "--dry-run"),
        ("rules", "check"),
        ("rules", "explain", str(ids[1])),
        ("triage", "rerun"),
        ("handover", "chloe", "bruno"),
        ("pull",),
        ("channels",),
        ("outbox",),
        ("outbox", "run"),
        ("staff",),
        ("show", "999"),
        ("queue", "--search"),
    ):
        try:
            cli(*args, lang=lang)
        except SystemExit:
            pass
        captured = capsys.readouterr()
        for line in (captured.out + captured.err).splitlines():
            assert not KEY.search(line), (args, line)
            assert not PLACEHOLDER.search(line), (args, line)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_command_has_a_run_function_and_a_help_in_both_languages(lang: str) -> None:
    parser = build_parser(lang)
    strings = {code: load_strings(code) for code in ("fr", "en")}
    found = list(commands(parser))
    assert len(found) > 40
    for command in found:
        key = f"cli.help.{command.path}.help"
        assert strings["fr"].get(key), key
        assert strings["en"].get(key), key
        assert strings["fr"][key] != strings["en"][key], key
        if not command.subcommands:  # a leaf: what `desk <path>` runs
            assert callable(command.get_default("run")), command.path
        text = command.format_help()
        assert "cli." not in text, (command.path, text)
    assert "cli." not in parser.format_help()
    assert len(GROUPS) == len(set(GROUPS))


def test_the_two_cli_catalogs_have_the_same_keys_and_plural_pairs() -> None:
    en = {k: v for k, v in load_strings("en").items() if k.startswith("cli.")}
    fr = {k: v for k, v in load_strings("fr").items() if k.startswith("cli.")}
    assert set(en) == set(fr)
    for key in en:
        if key.endswith(".one"):
            assert key.removesuffix(".one") + ".other" in en, key
        # a French text asks for no value the code does not give the English one ({n}: counts)
        assert set(PLACEHOLDER.findall(fr[key])) <= {*PLACEHOLDER.findall(en[key]), "{n}"}, key


def test_french_typography() -> None:
    # every French string: the command line's, the records' and services' (core.toml: the
    # timeline's sentences, errors) and the terminal interface's
    fr = load_strings("fr")
    assert {k.split(".")[0] for k in fr} >= {"cli", "tui", "errors", "timeline", "staff"}
    for key, text in fr.items():
        assert not re.search(r" [:;!?»]|« ", text), (key, text)  # non-breaking spaces there
        assert "(s)" not in text, (key, text)  # counted words have .one and .other forms
        assert "(x)" not in text, (key, text)
        assert not re.search(r"[\d}]%", text), (key, text)  # "2 %"
        assert not re.search(r"\b[dD]e [aeiouéèêAEIOUÉ]", text), (key, text)  # "d'", elided


def test_sentences_elide_and_name_people_by_their_display_name() -> None:
    fr, en = Catalog("fr"), Catalog("en")
    step = Step(at=NOW, actor="amelie", kind="sent", values={"author": "amelie", "status": "sent"})
    names = {"amelie": "Amélie Bouchard"}
    assert sentence(step, fr, names).startswith("Réponse d'Amélie Bouchard publiée")
    assert sentence(step, fr).startswith("Réponse d'amelie publiée")  # no display name known
    assert sentence(step, en, names).startswith("Reply by Amélie Bouchard posted")
    handed = Step(
        at=NOW, actor="amelie", kind="handed_over", values={"previous": "eve", "to": "amelie"}
    )
    assert sentence(handed, fr, names) == "Transférée d'eve à Amélie Bouchard"
    assert fr.elide("Réponse de Bruno") == "Réponse de Bruno"
    assert en.elide("Reply de Amélie") == "Reply de Amélie"  # French only


def test_counts_have_plural_forms_in_core_and_tui() -> None:
    fr, en = Catalog("fr"), Catalog("en")
    assert fr.plural("staff.deactivated_open", 1, name="bruno").startswith(
        "bruno désactivé·e\u00a0; 1 mention ouverte lui reste"
    )
    assert fr.plural("staff.deactivated_open", 3, name="bruno").startswith(
        "bruno désactivé·e\u00a0; 3 mentions ouvertes lui restent"
    )
    assert en.plural("staff.deactivated_open", 1, name="bruno").startswith(
        "bruno deactivated; 1 open mention is"
    )
    assert tui_plural(fr, "tui.live.new", 0, channel="x") == "0 nouvelle mention de x."
    assert tui_plural(en, "tui.live.new", 2, channel="x") == "2 new mentions from x."


def test_plural_forms_follow_each_language() -> None:
    fr, en = Catalog("fr"), Catalog("en")
    assert plural(fr, "cli.count.new", 0) == "0 nouvelle"
    assert plural(fr, "cli.count.new", 2) == "2 nouvelles"
    assert plural(en, "cli.rerun.seen", 0) == "0 mentions re-triaged"
    assert plural(en, "cli.rerun.seen", 1) == "1 mention re-triaged"


def test_version_loads_no_service_no_database_and_no_textual() -> None:
    # pydantic (desk.config), the rule compiler (regex, the word automaton) and asyncio are
    # loaded by the commands that need them: desk --version stays under 100 ms (issue 16).
    out, modules = loaded_by("--version")
    heavy = {"sqlalchemy", "sqlmodel", "textual", "httpx", "alembic", "pydantic"}
    heavy |= {"pydantic_settings", "regex", "ahocorasick", "tomlkit", "asyncio"}
    ours = ("desk.bootstrap", "desk.db.tables", "desk.config", "desk.triage")
    assert out.startswith("desk ")
    assert [m for m in modules if m.split(".")[0] in heavy or m in ours] == []


def test_durations_in_each_languages_words_and_numbers() -> None:
    from desk.reports import duration

    four_days = 4.4 * 86400
    assert duration(four_days, Catalog("fr")) == "4,4 j"  # "22 j", a decimal comma
    assert duration(four_days, Catalog("en")) == "4.4 d"
    assert duration(3 * 3600, Catalog("fr")) == "3,0 h"
    assert duration(600) == "10 min"  # no catalog: as stored in JSON-minded places


def test_the_report_names_categories_in_the_readers_language(
    cli: Cli, desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    add(desk, mention("1", "Il paraît que la piscine ferme"))
    cli("report", "--since", "2000-01-01", lang="fr")
    french = capsys.readouterr().out.split("par catégorie\u00a0:")[1].split("par canal")[0]
    assert "rumeur" in french
    assert "rumour" not in french
    cli("report", "--since", "2000-01-01", lang="en")
    english = capsys.readouterr().out.split("by category:")[1].split("by channel")[0]
    assert "rumour" in english
