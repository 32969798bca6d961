"""E-mail without a server: hostile and malformed MIME, quotes, automatic mail, the reply's
headers and refused header injection, the channel schema (issue 17)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from desk.config.channels import ChannelConfig
from desk.config.secrets import Secret, resolve
from desk.errors import InputError
from desk.i18n import Catalog, load_strings
from desk.platforms.client import ReplyRequest
from desk.platforms.detect import detect, parse_payload
from desk.platforms.email import PLATFORM, payload
from desk.platforms.email.client import (
    EmailConnector,
    _Xoauth2,
    build_reply,
    dump_cursor,
    load_cursor,
    references_for,
    reply_message_id,
    reply_subject,
)
from desk.platforms.email.payload import MAX_HEADER_CHARS, MAX_NESTED, parse_message
from desk.platforms.email.quotes import strip_quoted
from desk.platforms.errors import NotPosted, PermanentError
from desk.platforms.html import MAX_TEXT_CHARS
from desk.platforms.parsed import ParseResult
from desk.text.safe import clean
from desk.views import ImportNote, extras_of

DATA = Path(__file__).resolve().parents[1] / "data" / "email"
CORPUS = sorted(DATA.glob("*.eml"))
HEAD = "From: Jeanne <jeanne@example.org>\r\nDate: Thu, 12 Nov 2026 09:00:00 +0100\r\n"


def _deep(levels: int) -> bytes:
    """A text part inside ``levels`` nested multiparts (``levels + 1`` multipart headers)."""
    body = f"--c{levels}\r\nContent-Type: text/plain\r\n\r\nx\r\n--c{levels}--\r\n"
    for i in range(levels - 1, -1, -1):
        body = (
            f"--c{i}\r\nContent-Type: multipart/mixed; boundary=c{i + 1}\r\n\r\n{body}--c{i}--\r\n"
        )
    return (
        HEAD + "Message-ID: <deep@example.org>\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=c0\r\n\r\n" + body
    ).encode()


def _huge() -> bytes:
    refs = " ".join(f"<r{i}@example.org>" for i in range(5000))
    junk = "\r\n ".join("z" * 70 for _ in range(3000))
    return (
        f"{HEAD}Message-ID: <huge@example.org>\r\nSubject: {'A' * 200_000}\r\n"
        f"References: {refs}\r\nX-Junk: {junk}\r\n\r\nCorps.\r\n"
    ).encode()


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_hostile_or_malformed_message_is_imported_without_a_crash(path: Path) -> None:
    mention = parse_message(path.read_bytes(), source=path.name)
    assert mention.platform == "email"
    assert mention.remote_id.startswith("<")
    assert mention.text
    assert len(mention.text) <= MAX_TEXT_CHARS
    assert mention.created_at.tzinfo is not None
    assert all(len(v) <= MAX_HEADER_CHARS for v in (mention.title or "", mention.author_name))
    shown = clean(mention.text) + clean(mention.title or "")
    assert "\x1b" not in shown
    assert "\u202e" not in shown


def _codes(mention: Any) -> list[str]:
    return [n["code"] for n in mention.raw["notes"]]


def test_generated_monsters_are_imported_with_notes() -> None:
    deep = parse_message(_deep(2000))
    assert deep.remote_id == "<deep@example.org>"
    assert "too_nested" in _codes(deep)
    huge = parse_message(_huge())
    assert len(huge.title or "") == MAX_HEADER_CHARS
    assert huge.text == "Corps."
    assert huge.in_reply_to_remote_id == "<r4999@example.org>"  # the parent: the last one
    assert huge.thread_root_remote_id == "<r0@example.org>"
    assert len(huge.raw["references"]) == 50


def _parsed(name: str) -> Any:
    return parse_message((DATA / name).read_bytes())


def test_html_goes_through_the_one_html_path_and_keeps_no_markup() -> None:
    mention = _parsed("html_hostile.eml")
    assert mention.raw["html"] is True
    assert "<" not in mention.text
    assert "alert(1)" not in mention.text
    assert "color" not in mention.text
    assert "Bonjour" in mention.text


def test_charsets_are_decoded_or_replaced_with_a_note() -> None:
    assert _parsed("windows1252.eml").text == "La facture fait 120 €, “merci”."
    assert _parsed("iso8859.eml").title == "Élève"
    bad = _parsed("bad_charset.eml")
    assert "\ufffd" in bad.text
    assert {"code": "unknown_charset", "args": {"charset": "x-unknown-666"}} in bad.raw["notes"]
    assert "replaced_characters" in _codes(_parsed("lying_charset.eml"))
    assert {"code": "part_malformed", "args": {"defect": "InvalidBase64CharactersDefect"}} in (
        _parsed("broken_base64.eml").raw["notes"]
    )


def test_import_notes_are_codes_with_values_never_sentences() -> None:
    """The platform words nothing: the reader's catalog does, where the mail is shown."""
    for path in CORPUS:
        for note in parse_message(path.read_bytes()).raw["notes"]:
            assert isinstance(note, dict), (path.name, note)
            assert set(note) <= {"code", "args"}
            assert all(isinstance(v, str | int) for v in note.get("args", {}).values())


def test_every_note_code_the_parser_writes_is_worded_in_both_catalogs() -> None:
    source = Path(payload.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'note\(notes, "(\w+)"', source))
    assert len(codes) >= 19
    for language in ("fr", "en"):
        worded = set(load_strings(language))
        assert {f"import_note.{c}" for c in codes} <= worded, language


def test_a_mail_nested_past_the_cap_is_read_as_its_header_only() -> None:
    """10,000 nested parts: the pre-check reads the header alone, with a note (the parser took
    ~2 s before giving up: benchmarks/bench_hostile.py)."""
    deep = parse_message(_deep(10_000))
    assert deep.raw["notes"][0] == {"code": "too_nested", "args": {"limit": MAX_NESTED}}
    assert "structure_unreadable" not in _codes(deep)
    assert (deep.remote_id, deep.title, deep.author_handle) == (
        "<deep@example.org>",
        "deep",
        "jeanne@example.org",
    )
    assert deep.created_at == datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    folded = _deep(MAX_NESTED).replace(b"Content-Type: multipart", b"Content-Type:\r\n multipart")
    assert "too_nested" in _codes(parse_message(folded))
    assert "too_nested" in _codes(parse_message(_deep(MAX_NESTED).lower()))


def test_a_mail_nested_up_to_the_cap_is_parsed_whole() -> None:
    mention = parse_message(_deep(MAX_NESTED - 1))
    assert _codes(mention) == []
    assert mention.text == "x"
    words = "A mail nests parts with Content-Type: multipart/mixed or message/rfc822.\r\n" * 200
    talk = parse_message(f"{HEAD}Subject: MIME\r\n\r\n{words}".encode())  # not header lines
    assert "too_nested" not in _codes(talk)
    assert talk.text.startswith("A mail nests parts with Content-Type: multipart/mixed")


def test_attachments_are_listed_never_opened() -> None:
    listed = _parsed("attachments.eml").raw["attachments"]
    assert [a["type"] for a in listed] == [
        "application/pdf",
        "application/x-msdownload",
        "message/rfc822",
    ]
    assert listed[0] == {"name": "plan.pdf", "type": "application/pdf", "size": 3009}
    assert "/" not in listed[1]["name"]
    assert "\x1b" not in listed[1]["name"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", {"code": "auto_submitted", "args": {"value": "auto-replied"}}),
        ("bulk_list.eml", {"code": "precedence", "args": {"value": "bulk"}}),
        ("bounce.eml", {"code": "empty_return_path"}),
    ],
)
def test_automatic_mail_is_recognised(name: str, reason: dict[str, Any]) -> None:
    mention = _parsed(name)
    assert mention.kind == "automatic"
    assert mention.raw["automatic"] == reason


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("X-Loop: contact@ville.example", {"code": "x_loop"}),
        ("X-Auto-Response-Suppress: All", {"code": "auto_response_suppress"}),
        ("List-Id: <annonces.ville.example>", {"code": "mailing_list"}),
        (
            "Auto-Submitted: auto-generated; owner-email=x@y.z",
            {"code": "auto_submitted", "args": {"value": "auto-generated"}},
        ),
        ("Precedence: junk", {"code": "precedence", "args": {"value": "junk"}}),
    ],
)
def test_every_mark_of_automatic_mail_is_recognised(extra: str, reason: dict[str, Any]) -> None:
    data = f"{HEAD}Message-ID: <a@example.org>\r\nSubject: x\r\n{extra}\r\n\r\nTexte.\r\n"
    mention = parse_message(data.encode())
    assert (mention.kind, mention.raw["automatic"]) == ("automatic", reason)
    human = parse_message(
        f"{HEAD}Message-ID: <h@example.org>\r\nAuto-Submitted: no\r\n\r\nx".encode()
    )
    assert (human.kind, human.raw["automatic"]) == ("email", None)


def test_why_a_mail_is_automatic_is_worded_in_the_readers_language() -> None:
    """The reason is a code (the platform words nothing), shown first among the notes; a
    record stored before, with an English reason, shows it as it is."""
    source = Path(payload.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'_why\("(\w+)"', source))
    assert len(codes) == 7
    for language in ("fr", "en"):
        worded = set(load_strings(language))
        assert {f"automatic_mail.{c}" for c in codes} <= worded, language
    raw = _parsed("auto_reply.eml").raw
    [first, *_] = extras_of(raw)[1]
    french = first.render(Catalog("fr"))
    assert "auto-replied" in french
    assert "automatique" in french
    assert "automatic" in first.render(Catalog("en"))
    [old] = extras_of({"automatic": "Precedence: bulk"})[1]
    assert old.render(Catalog("fr")) == "Precedence: bulk"


def test_a_human_mail_is_not_automatic() -> None:
    assert _parsed("quoted_fr.eml").kind == "email"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("quoted_fr.eml", "Merci beaucoup, c'est réglé."),
        ("quoted_en.eml", "Thanks, all fixed."),
        ("quoted_outlook_fr.eml", "Toujours pas d'eau au 12."),
    ],
)
def test_quoted_text_is_cut_for_display_and_kept_in_the_record(name: str, shown: str) -> None:
    mention = _parsed(name)
    assert mention.text == shown
    assert "18 h" in mention.raw["body"] or "6 pm" in mention.raw["body"]


def test_inline_answers_and_all_quoted_mail_are_kept() -> None:
    inline = "> Question 1 ?\nRéponse 1.\n> Question 2 ?\nRéponse 2."
    assert strip_quoted(inline) == inline
    assert strip_quoted("> seulement une citation") == "> seulement une citation"


def test_a_mail_without_message_id_gets_the_same_id_twice() -> None:
    data = (DATA / "no_message_id.eml").read_bytes()
    assert parse_message(data).remote_id == parse_message(data).remote_id


def test_size_cap_keeps_the_header_and_says_so() -> None:
    data = HEAD.encode() + b"Message-ID: <big@example.org>\r\nSubject: big\r\n\r\n" + b"a" * 5000
    mention = parse_message(data, max_bytes=2048)
    assert mention.remote_id == "<big@example.org>"
    assert {"code": "message_cut", "args": {"size": len(data), "limit": 2048}} in (
        mention.raw["notes"]
    )


# -- replies ---------------------------------------------------------------------------------


def _request(**raw: Any) -> ReplyRequest:
    parent = {
        "message_id": "<p2@example.org>",
        "references": ["<p0@example.org>", "<p1@example.org>"],
        "subject": "Coupure d'eau",
        "from": "jeanne@example.org",
        "reply_to": [],
        **raw,
    }
    return ReplyRequest(
        reply_id=7,
        text="Bonjour,\nl'eau revient à 18 h.\n—AB",
        idempotency_key="0b6c8a5e-1f7e-4bd4-9f53-7d1b8a0c2e11",
        created_at=datetime(2026, 11, 12, 14, 0, tzinfo=UTC),
        parent_remote_id="<p2@example.org>",
        parent_author="jeanne@example.org",
        parent_visibility="direct",
        parent_raw=parent,
        language="fr",
    )


def test_the_reply_carries_threading_headers_and_a_stable_message_id() -> None:
    msg = build_reply(_request(), address="contact@ville.example", display_name="Mairie")
    assert msg["In-Reply-To"] == "<p2@example.org>"
    assert msg["References"] == "<p0@example.org> <p1@example.org> <p2@example.org>"
    assert msg["Auto-Submitted"] == "no"
    assert msg["Subject"] == "Re: Coupure d'eau"
    assert msg["To"] == "jeanne@example.org"
    again = build_reply(_request(), address="contact@ville.example")
    assert (
        msg["Message-ID"]
        == again["Message-ID"]
        == reply_message_id(_request(), "contact@ville.example")
    )
    assert (
        msg.as_bytes()
        == build_reply(
            _request(), address="contact@ville.example", display_name="Mairie"
        ).as_bytes()
    )  # frozen: the same reply is the same message


@pytest.mark.parametrize(
    "raw",
    [
        {"subject": "Bonjour\r\nBcc: victime@example.org"},
        {"subject": "Bonjour\nX-Evil: 1"},
        {"from": "a@b.c\r\nBcc: x@y.z", "reply_to": []},
        {"reply_to": ["x@y.z\nBcc: w@v.u"]},
        {"message_id": "<p2@example.org>\r\nBcc: x@y.z"},
    ],
)
def test_a_line_break_in_any_header_is_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(NotPosted, match="line break"):
        build_reply(_request(**raw), address="contact@ville.example")


def test_subjects_and_references() -> None:
    assert reply_subject("RE : Coupure") == "RE : Coupure"
    assert reply_subject("Re[2]: Coupure") == "Re[2]: Coupure"
    assert reply_subject("Coupure") == "Re: Coupure"
    long = {"references": [f"<r{i}@x>" for i in range(40)], "message_id": "<p@x>"}
    chain = references_for(long)
    assert len(chain) == 19
    assert chain[0] == "<r0@x>"
    assert chain[-1] == "<p@x>"
    assert references_for({"in_reply_to": "<a@x>", "message_id": "<b@x>"}) == ["<a@x>", "<b@x>"]


def test_cursor_round_trip_and_junk() -> None:
    state = {"INBOX": {"validity": 17, "uid": 42, "modseq": 97}, "Sent": {"validity": 3, "uid": 0}}
    assert load_cursor(dump_cursor(state)) == state
    assert load_cursor("not json") == {}
    assert load_cursor('{"INBOX": 3}') == {}
    assert load_cursor('{"INBOX": {"validity": true, "uid": 1}}') == {}


def test_a_cursor_from_before_condstore_is_still_read() -> None:
    old = '{"INBOX":{"uid":42,"validity":17}}'  # as desk wrote it before CONDSTORE
    assert load_cursor(old) == {"INBOX": {"validity": 17, "uid": 42}}
    # A modseq desk cannot use is dropped, never the UIDs: the folder is not read again.
    for junk in ('"97"', "-1", "0", "true", "null"):
        entry = f'{{"INBOX":{{"uid":42,"validity":17,"modseq":{junk}}}}}'
        assert load_cursor(entry) == {"INBOX": {"validity": 17, "uid": 42}}, junk


class _Folder:
    """A fake IMAP connection on one folder: the commands desk sends it (STATUS, EXAMINE,
    UID SEARCH, CLOSE) and the answers of a server with (``highest``) or without CONDSTORE."""

    def __init__(self, uids: list[int], highest: int | None, validity: int = 17) -> None:
        self.uids, self.highest, self.validity = uids, highest, validity
        self.searches: list[list[str]] = []
        self.sent: list[str] = []

    def folder_status(self, folder: str, items: list[str]) -> dict[bytes, int]:
        self.sent.append("STATUS")
        return {b"UIDVALIDITY": self.validity, b"HIGHESTMODSEQ": self.highest or 0}

    def select_folder(self, folder: str, readonly: bool = False) -> dict[bytes, Any]:
        assert readonly  # EXAMINE: \Seen is never touched
        self.sent.append("EXAMINE")
        answer: dict[bytes, Any] = {b"UIDVALIDITY": self.validity, b"EXISTS": len(self.uids)}
        if self.highest is not None:
            answer[b"HIGHESTMODSEQ"] = self.highest
        return answer

    def search(self, criteria: list[str]) -> list[int]:
        self.sent.append("SEARCH")
        self.searches.append(criteria)
        low = int(criteria[1].split(":")[0])
        return [u for u in self.uids if u >= low] or self.uids[-1:]  # `*` is the last message

    def close_folder(self) -> None:
        self.sent.append("CLOSE")


def _poll(
    conn: _Folder, cursor: dict[str, int] | None, *, condstore: bool, room: int = 10
) -> tuple[dict[str, int], list[int]]:
    """One poll of the folder by the connector: the folder's new cursor and the UIDs read."""
    channel = ChannelConfig(name="c", platform="email", host="imap.example.org")
    connector = _Reading(channel, None, None)
    connector._condstore, connector.read = condstore, []
    state = {"INBOX": dict(cursor)} if cursor else {}
    connector._fetch_folder(conn, "INBOX", state, ParseResult("email"), [], room)
    return state["INBOX"], connector.read


class _Reading(EmailConnector):
    """The connector, noting the UIDs it would read instead of fetching them."""

    read: list[int]

    def _read(self, conn: Any, folder: str, uids: list[int], result: ParseResult) -> None:
        self.read += uids


def test_with_condstore_an_unchanged_modseq_costs_one_status() -> None:
    conn = _Folder([1, 2, 3], highest=9)
    entry, read = _poll(conn, None, condstore=True)
    assert (entry, read) == ({"validity": 17, "uid": 3, "modseq": 9}, [1, 2, 3])
    assert conn.sent == ["EXAMINE", "SEARCH", "CLOSE"]  # closed: STATUS comes next
    conn.sent.clear()
    entry, read = _poll(conn, entry, condstore=True)  # nothing changed on the server
    assert (entry, read) == ({"validity": 17, "uid": 3, "modseq": 9}, [])
    assert conn.sent == ["STATUS"]  # no EXAMINE, no SEARCH
    conn.sent.clear()
    conn.uids, conn.highest = [1, 2, 3, 4], 11  # one new mail (and a flag changed)
    entry, read = _poll(conn, entry, condstore=True)
    assert conn.sent == ["STATUS", "EXAMINE", "SEARCH", "CLOSE"]
    assert conn.searches[-1] == ["UID", "4:*", "MODSEQ", "10"]
    assert (entry, read) == ({"validity": 17, "uid": 4, "modseq": 11}, [4])


def test_with_condstore_a_short_page_or_a_modseq_gone_back_keeps_the_uid_path() -> None:
    conn = _Folder([1, 2, 3, 4, 5], highest=20)
    entry, read = _poll(conn, None, condstore=True, room=2)
    assert (entry, read) == ({"validity": 17, "uid": 2}, [1, 2])  # more waiting: no modseq
    entry, read = _poll(conn, entry, condstore=True)
    assert conn.searches[-1] == ["UID", "3:*"]
    assert (entry, read) == ({"validity": 17, "uid": 5, "modseq": 20}, [3, 4, 5])
    conn.highest = 4  # a restored server: its modseqs no longer match the cursor's
    entry, read = _poll(conn, entry, condstore=True)
    assert conn.searches[-1] == ["UID", "6:*"]
    assert (entry, read) == ({"validity": 17, "uid": 5, "modseq": 4}, [])
    conn.validity, conn.highest = 18, 4  # a new UIDVALIDITY: read again, modseq and all
    entry, read = _poll(conn, entry, condstore=True)
    assert conn.searches[-1] == ["UID", "1:*"]
    assert (entry, read) == ({"validity": 18, "uid": 5, "modseq": 4}, [1, 2, 3, 4, 5])


def test_without_condstore_every_poll_searches_by_uid() -> None:
    conn = _Folder([1, 2, 3], highest=9)  # announced, but CONDSTORE was not enabled
    stored = {"validity": 17, "uid": 3, "modseq": 9}  # written when the server had it
    entry, read = _poll(conn, stored, condstore=False)
    assert conn.sent == ["EXAMINE", "SEARCH"]  # no STATUS, nothing to close
    assert conn.searches == [["UID", "4:*"]]
    assert (entry, read) == ({"validity": 17, "uid": 3}, [])  # the `*` answer is dropped
    conn.uids = [1, 2, 3, 4]
    entry, read = _poll(conn, entry, condstore=False)
    assert (entry, read) == ({"validity": 17, "uid": 4}, [4])
    conn.highest = None  # a server without CONDSTORE at all
    entry, read = _poll(conn, entry, condstore=True)
    assert (entry, read, conn.searches[-1]) == ({"validity": 17, "uid": 4}, [], ["UID", "5:*"])


# -- the channel ------------------------------------------------------------------------------


def test_xoauth2_sends_the_sasl_string_then_an_empty_line() -> None:
    answer = _Xoauth2("contact@ville.example", Secret("EwBwA8l6BAAUbDba3x2O"))
    assert answer() == "user=contact@ville.example\x01auth=Bearer EwBwA8l6BAAUbDba3x2O\x01\x01"
    # A refusal comes as a challenge holding a JSON error: answered with an empty line, never
    # with the token again; its status goes into the error desk shows.
    assert answer(b'{"status":"401","schemes":"bearer","scope":"mail"}') == ""
    assert answer.code() == ", 401"
    for junk in (b"not json", b'{"status": "401 <script>"}', b"[401]", b'{"status": 4010}'):
        odd = _Xoauth2("a@b", Secret("EwBwA8l6BAAUbDba3x2O"))
        odd()
        assert (odd(junk), odd.code()) == ("", ""), junk


def test_a_token_file_is_read_again_at_each_login(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first-access-token\n", encoding="utf-8")
    token.chmod(0o600)
    channel = ChannelConfig(
        name="c", platform="email", host="imap.example.org", auth="xoauth2", secret=f"file:{token}"
    )
    connector = EmailConnector(channel, None, resolve(f"file:{token}"))
    token.write_text("refreshed-access-token\n", encoding="utf-8")  # by a tool outside desk
    assert connector._token(PermanentError).reveal() == "refreshed-access-token"
    token.unlink()
    with pytest.raises(PermanentError, match=r"^email:c: secret file:.*no such file") as refused:
        connector._token(PermanentError)
    assert "access-token" not in str(refused.value)
    by_env = EmailConnector(channel, None, Secret("env-token", source="env:X"))
    assert by_env._token(PermanentError) is by_env.secret  # an environment does not change


def test_plaintext_is_refused_off_loopback() -> None:
    with pytest.raises(ValidationError, match="127.0.0.1 only"):
        ChannelConfig(name="c", platform="email", host="imap.example.org", tls="plain")
    with pytest.raises(ValidationError, match='smtp_tls = "plain" is allowed on 127.0.0.1 only'):
        ChannelConfig(
            name="c",
            platform="email",
            host="127.0.0.1",
            smtp_host="smtp.example.org",
            smtp_tls="plain",
            tls="plain",
        )  # the message names the field to change (tls itself is fine here)
    with pytest.raises(ValidationError, match="needs host"):
        ChannelConfig(name="c", platform="email")
    ok = ChannelConfig(name="c", platform="email", host="imap.example.org", auth="xoauth2")
    assert ok.base_url() == "imaps://imap.example.org:993"
    assert ok.folders == ["INBOX"]


def test_the_platform_takes_replies_and_needs_a_secret() -> None:
    assert PLATFORM.takes_replies
    assert PLATFORM.needs_secret
    assert PLATFORM.reply_length("Bonjour").ok
    result = PLATFORM.parse((DATA / "quoted_en.eml").read_bytes(), "quoted_en.eml")
    assert [m.remote_id for m in result.items] == ["<qen@example.org>"]


def test_a_saved_mail_is_recognised_by_its_header_never_by_its_name() -> None:
    saved = (DATA / "attachments.eml").read_bytes()
    assert detect(saved, "x.json").name == "email"  # the content decides, not the name
    assert parse_payload(saved, "x").items[0].raw["attachments"][0]["name"] == "plan.pdf"
    mbox = b"From jeanne@example.org Sat Nov 14 09:00:00 2026\nFrom: j@x\n\nhi"
    assert detect(mbox, "m").name == "email"
    for not_mail in (b"Bonjour: une ligne qui ressemble \xc3\xa0 un en-t\xc3\xaate\n", b"hello"):
        with pytest.raises(InputError, match="not JSON or XML"):
            detect(not_mail, "notes.txt")


def test_a_reply_sent_from_its_frozen_address_is_still_our_own_copy() -> None:
    """A reply queued before desk.toml changed the address goes out from the old one: its
    ``bcc_self`` copy, read with the new address, is still ours (never a mention); a citizen's
    mail is not, whatever its Message-ID looks like."""
    channel = ChannelConfig(
        name="c", platform="email", host="imap.example.org", address="accueil@nouveau.example"
    )
    connector = EmailConnector(channel, None, None)
    frozen = replace(_request(), sender={"address": "contact@ville.example", "name": "Mairie"})
    assert connector.sender_of(frozen) == ("contact@ville.example", "Mairie")
    assert connector.sender_of(_request()) == ("accueil@nouveau.example", None)  # older rows
    copy = build_reply(frozen, address="contact@ville.example")
    assert connector._own_reply(str(copy["Message-ID"]), "contact@ville.example")
    assert connector._own_reply(
        reply_message_id(frozen, channel.address or ""), channel.address or ""
    )
    assert not connector._own_reply("<p2@example.org>", "contact@ville.example")
    assert not connector._own_reply(str(copy["Message-ID"]), "jeanne@example.org")


def test_a_changed_uidvalidity_is_a_pull_note_worded_in_the_readers_language() -> None:
    conn = _Folder([1, 2], highest=None, validity=18)
    channel = ChannelConfig(name="c", platform="email", host="imap.example.org")
    connector = _Reading(channel, None, None)
    connector.read = []
    state = {"INBOX": {"validity": 17, "uid": 40}}
    notes: list[Any] = []
    connector._fetch_folder(conn, "INBOX", state, ParseResult("email"), notes, 10)
    assert connector.read == [1, 2]  # read again from the start
    assert notes == [
        ImportNote(
            code="uidvalidity_changed",
            args={"folder": "INBOX", "old": 17, "new": 18},
            section="pull_note",
        )
    ]
    french = notes[0].render(Catalog("fr"))
    assert "INBOX" in french
    assert "Message-ID" in french
    assert "relu" in french
    assert "read again" in notes[0].render(Catalog("en"))
