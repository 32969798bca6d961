"""InboxService: each action changes the mention and writes its audit event, or is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from desk.bootstrap import Desk
from desk.errors import ActionRefused, NotFound
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, mention


def _last_event(desk: Desk, mention_id: int) -> tuple[str, str, dict]:
    event = desk.queries.audit_log(mention_id=mention_id, limit=1)[0]
    return event.actor, event.action, event.data


def test_assign_claim_release(make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    (mid,) = add(amelie, mention("1", "Question sur les permis"))
    amelie.inbox.assign(mid, "chloe")
    assert amelie.queries.detail(mid).assignee == "chloe"
    assert _last_event(amelie, mid) == (
        "amelie",
        "mention.assigned",
        {"to": "chloe", "previous": "bruno"},
    )
    with pytest.raises(ActionRefused, match="assigned to chloe"):
        bruno.inbox.claim(mid)
    amelie.inbox.claim(mid)  # a supervisor may take it over
    assert amelie.queries.detail(mid).assignee == "amelie"
    with pytest.raises(ActionRefused, match="not yours"):
        bruno.inbox.release(mid)
    amelie.inbox.release(mid)
    assert amelie.queries.detail(mid).assignee is None
    assert _last_event(amelie, mid)[1] == "mention.released"
    bruno.inbox.claim(mid)
    assert _last_event(amelie, mid)[:2] == ("bruno", "mention.claimed")


def test_unknown_staff_and_mention(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "x"))
    with pytest.raises(NotFound, match="no staff member named 'zoe'"):
        desk.inbox.assign(mid, "zoe")
    with pytest.raises(NotFound, match="no mention with id 999"):
        desk.inbox.close(999)


def test_close_reopen_spam_categorise(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "Bonjour à tous"))
    desk.inbox.close(mid)
    with pytest.raises(ActionRefused, match="already closed"):
        desk.inbox.close(mid)
    desk.inbox.reopen(mid)
    assert desk.queries.detail(mid).status == "open"
    desk.inbox.categorise(mid, "rumour")
    assert desk.queries.detail(mid).category == "rumour"
    with pytest.raises(ActionRefused, match="unknown category"):
        desk.inbox.categorise(mid, "gossip")
    desk.inbox.mark_spam(mid)
    detail = desk.queries.detail(mid)
    assert (detail.category, detail.status) == ("spam", "closed")
    assert [e.action for e in detail.history][-4:] == [
        "mention.closed",
        "mention.reopened",
        "mention.categorised",
        "mention.marked_spam",
    ]


def test_reply_is_signed_sent_offline_and_closes(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "Quand passe la collecte?"))
    reply = desk.replies.send(mid, "  La collecte passe le mardi.  ")
    assert reply.text == "La collecte passe le mardi.\n—AB"
    assert reply.status == "sent_offline"
    assert reply.remote_id
    assert reply.remote_id.startswith("outbox:")
    detail = desk.queries.detail(mid)
    assert detail.status == "closed"
    assert detail.replies[0].text == reply.text
    actor, action, data = _last_event(desk, mid)
    assert (actor, action, data["text"], data["status"]) == (
        "amelie",
        "reply.sent",
        reply.text,
        "sent_offline",
    )
    with desk.engine.connect() as conn:
        outbox = conn.execute(
            sa.text("SELECT reply_id, text, in_reply_to_remote_id FROM outbox")
        ).all()
    assert outbox == [(reply.id, reply.text, "1")]


def test_reply_over_limit_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "hello", platform="x", language="en"), platform="x")
    body = "a" * 277  # 277 + newline + "—AB" (3) = 281 > 280
    with pytest.raises(ActionRefused, match=r"1 over the x limit of 280") as info:
        desk.replies.send(mid, body)
    assert "signature is never cut" in (info.value.hint or "")
    assert desk.queries.detail(mid).replies == []
    ok = desk.replies.send(mid, "a" * 276)
    assert ok.text.endswith("\n—AB")


def test_same_key_sends_once(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "hello"))
    first = desk.replies.send(mid, "Merci!", idempotency_key="k1")
    again = desk.replies.send(mid, "Merci!", idempotency_key="k1")
    assert first.id == again.id
    assert len(desk.queries.detail(mid).replies) == 1
    assert [e.action for e in desk.queries.audit_log(mention_id=mid)].count("reply.sent") == 1


def test_a_key_reused_for_another_mention_is_refused_not_taken_for_its_answer(desk: Desk) -> None:
    first, other = add(desk, mention("1", "hello"), mention("2", "bonjour"))
    desk.replies.send(first, "Merci!", idempotency_key="k1")
    with pytest.raises(ActionRefused, match="nothing was sent to mention"):
        desk.replies.send(other, "Merci!", idempotency_key="k1")
    assert desk.queries.detail(other).replies == []  # not answered, and not said to be


def test_identical_reply_twice_is_refused(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "hello"))
    desk.replies.send(mid, "Merci!")
    with pytest.raises(ActionRefused, match="already sent"):
        desk.replies.send(mid, "Merci!")


def test_empty_reply_and_news_reply_refused(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "hello"))
    with pytest.raises(ActionRefused, match="empty"):
        desk.replies.send(mid, "   ")
    (news,) = add(desk, mention("n1", "Article", platform="rss", kind="news"), platform="rss")
    with pytest.raises(ActionRefused, match="cannot be answered"):
        desk.replies.send(news, "Merci")


def test_failed_action_writes_no_event(desk: Desk) -> None:
    (mid,) = add(desk, mention("1", "hello"))
    before = desk.queries.verify_audit().checked
    with pytest.raises(ActionRefused):
        desk.inbox.reopen(mid)
    assert desk.queries.verify_audit().checked == before


def test_thread_context(desk: Desk) -> None:
    ids = add(
        desk,
        mention("10", "Est-ce que l'eau est potable?"),
        mention("11", "Je pense que non", in_reply_to_remote_id="10", thread_root_remote_id="10"),
        mention("12", "Source?", in_reply_to_remote_id="11", thread_root_remote_id="10"),
        mention("13", "Unrelated"),
    )
    thread = desk.queries.detail(ids[2]).thread
    assert [r.id for r in thread] == ids[:3]
    assert desk.queries.detail(ids[3]).thread == []


def test_agent_cannot_reassign_a_colleagues_mention(make_desk: Callable[..., Desk]) -> None:
    amelie, bruno = make_desk("amelie"), make_desk("bruno")
    (mid,) = add(amelie, mention("1", "x", language="en"))  # routed to chloe
    with pytest.raises(ActionRefused, match="assigned to chloe"):
        bruno.inbox.assign(mid, "bruno")
    assert amelie.queries.detail(mid).assignee == "chloe"
    amelie.inbox.assign(mid, "bruno")  # a supervisor may
    bruno.inbox.assign(mid, "chloe")  # and bruno may hand his own item on
    assert amelie.queries.detail(mid).assignee == "chloe"


def test_thread_walks_down_several_levels_from_a_root(desk: Desk) -> None:
    """Mastodon sets no thread root: opening the first post still shows replies to replies."""
    ids = add(
        desk,
        mention("20", "Question au sujet de la piscine"),
        mention("21", "Moi aussi je me demande", in_reply_to_remote_id="20"),
        mention("22", "Réponse à la réponse", in_reply_to_remote_id="21"),
        mention("23", "Et encore une", in_reply_to_remote_id="22"),
        mention("24", "Ailleurs", in_reply_to_remote_id="999"),  # parent not stored
    )
    assert [r.id for r in desk.queries.detail(ids[0]).thread] == ids[:4]
    assert [r.id for r in desk.queries.detail(ids[2]).thread] == ids[:4]
    assert desk.queries.detail(ids[4]).thread == []


def test_send_check_counts_bytes_for_bluesky(desk: Desk) -> None:
    """299 graphemes but over 3000 UTF-8 bytes: Bluesky would refuse it, so desk does."""
    (mid,) = add(desk, mention("b1", "Salut", platform="bluesky"), platform="bluesky")
    heavy = "e" + "\u0301" * 20  # one grapheme, 41 bytes
    with pytest.raises(ActionRefused, match="over the bluesky limit of 3000"):
        desk.replies.send(mid, heavy * 80)
    assert desk.queries.detail(mid).replies == []
    assert desk.replies.send(mid, heavy * 10).status == "sent_offline"


def test_live_mastodon_counts_the_author_prefix_and_the_instance_limit(
    clock: FakeClock,
    tmp_path: Path,
    make_desk: Callable[..., Desk],
) -> None:
    from desk.bootstrap import open_desk
    from desk.config import Settings
    from desk.platforms.parsed import ParseResult
    from tests.helpers.desks import DESK_TOML

    config = tmp_path / "live.toml"
    config.write_text(
        DESK_TOML
        + '\n[[channel]]\nname = "ville"\nplatform = "mastodon"\nurl = "http://127.0.0.1:9"\n'
        'secret = "env:X"\nmax_chars = 40\n',
        encoding="utf-8",
    )
    live = open_desk(
        Settings(db=str(tmp_path / "live.db"), config=config), as_name="amelie", clock=clock
    )
    try:
        item = mention(
            "m1",
            "Bonjour",
            author_handle="@someone@very.long.domain.example",
            raw={"status": {"id": "m1", "account": {"acct": "someone@very.long.domain.example"}}},
        )
        parsed = ParseResult(platform="mastodon", items=[item], channel_hint="ville")
        (mid,) = live.ingest.ingest_parsed(parsed, "ville").new_ids
        frame = live.replies.frame_for(mid)
        body = "x" * 26  # 26 + "\n—AB" (4) = 30; "@someone " (9 as Mastodon counts) = 39
        assert live.replies.preview("mastodon", body, frame).length == 39
        assert live.replies.preview("mastodon", body).length == 30  # a file channel adds nothing
        with pytest.raises(ActionRefused, match="limit of 40"):
            live.replies.send(mid, body + "xx")
        assert live.replies.send(mid, body).status == "queued"
    finally:
        live.close()
