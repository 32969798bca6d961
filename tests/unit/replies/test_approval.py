"""Four-eyes approval: which replies wait (policy and triage rules), approve, edit-and-approve,
reject with a note, nobody approves their own reply, agents cannot approve, the delay is kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from desk.audit.timeline import sentence
from desk.bootstrap import Desk
from desk.config import Settings
from desk.errors import ActionRefused, NotFound, PermissionDenied
from desk.i18n import Catalog
from tests.helpers.cli import Cli
from tests.helpers.clock import FakeClock
from tests.helpers.desks import add, apply_approval, mention

POLICY = """
[approval]
categories = ["rumour"]
author_lists = ["press"]

[lists]
press = ["@reporter@news.example"]
"""


@pytest.fixture
def policy_desk(config_file: Path, make_desk: Callable[..., Desk]) -> Callable[[str], Desk]:
    config_file.write_text(config_file.read_text(encoding="utf-8") + POLICY, encoding="utf-8")
    return make_desk


def test_a_rumour_reply_waits_and_an_ordinary_one_goes(policy_desk: Callable[[str], Desk]) -> None:
    bruno = policy_desk("bruno")
    rumour, question = add(
        bruno,
        mention("1", "Il paraît que la piscine ferme pour de bon?"),
        mention("2", "Quand ouvre la piscine?"),
    )
    waiting = bruno.replies.send(rumour, "C'est faux : la piscine reste ouverte.")
    assert waiting.status == "pending_approval"
    assert set(waiting.approval_reasons) == {"triage_rule", "category:rumour"}
    assert bruno.queries.detail(rumour).status == "open"  # nothing went out
    assert bruno.replies.send(question, "Le 20 juin.").status == "sent_offline"
    events = [e.action for e in bruno.queries.detail(rumour).history]
    assert events[-1] == "reply.submitted"
    with pytest.raises(ActionRefused, match="already sent"):  # no double submission
        bruno.replies.send(rumour, "C'est faux : la piscine reste ouverte.")


def test_listed_authors_and_crisis_mode(
    policy_desk: Callable[[str], Desk], config_file: Path
) -> None:
    bruno = policy_desk("bruno")
    (press,) = add(bruno, mention("1", "Bonjour", author_handle="@Reporter@news.example"))
    assert bruno.replies.send(press, "Bonjour!").approval_reasons == ("author:press",)
    config_file.write_text(
        config_file.read_text(encoding="utf-8").replace("[approval]", "[approval]\ncrisis = true")
    )
    apply_approval(bruno)  # recorded, as an admin's `desk staff apply` does
    crisis = policy_desk("chloe")
    (anything,) = add(crisis, mention("2", "Merci!"))
    assert crisis.replies.send(anything, "Avec plaisir.").approval_reasons == ("crisis",)


def test_approve_sends_and_records_the_wait(
    policy_desk: Callable[[str], Desk], clock: FakeClock
) -> None:
    bruno, amelie = policy_desk("bruno"), policy_desk("amelie")
    (mid,) = add(bruno, mention("1", "Il paraît que l'eau est contaminée"))
    waiting = bruno.replies.send(mid, "Non, l'eau est potable.")
    assert [p.reply.id for p in amelie.approvals.pending()] == [waiting.id]
    assert waiting.submitted_at is not None
    clock.now = waiting.submitted_at + timedelta(minutes=7)  # the clock amelie's desk reads
    sent = amelie.approvals.approve(waiting.id, note="ok")
    assert (sent.status, sent.author, sent.reviewer) == ("sent_offline", "bruno", "amelie")
    assert sent.text == "Non, l'eau est potable.\n—BG"  # the author's signature
    assert sent.reviewed_at is not None
    assert sent.submitted_at is not None
    assert (sent.reviewed_at - sent.submitted_at) >= timedelta(minutes=7)
    approved = [e for e in amelie.queries.detail(mid).history if e.action == "reply.approved"]
    assert approved[0].data["delay_seconds"] >= 420
    assert approved[0].data["edited"] is False
    assert amelie.queries.detail(mid).status == "closed"
    assert amelie.approvals.pending() == []


def test_edit_and_approve_keeps_the_author_and_checks_the_length(
    policy_desk: Callable[[str], Desk],
) -> None:
    bruno, amelie = policy_desk("bruno"), policy_desk("amelie")
    (mid,) = add(
        bruno, mention("1", "Il paraît que l'eau est contaminée", platform="x"), platform="x"
    )
    waiting = bruno.replies.send(mid, "Non.")
    with pytest.raises(ActionRefused, match="over the x limit"):
        amelie.approvals.approve(waiting.id, text="a" * 300)
    assert amelie.approvals.pending()[0].reply.status == "pending_approval"  # unchanged
    sent = amelie.approvals.approve(waiting.id, text="Non : l'avis officiel est en ligne.")
    assert sent.text == "Non : l'avis officiel est en ligne.\n—BG"
    event = next(e for e in amelie.queries.detail(mid).history if e.action == "reply.approved")
    assert event.data["edited"] is True


def test_reject_with_a_note_sends_nothing(policy_desk: Callable[[str], Desk]) -> None:
    bruno, amelie = policy_desk("bruno"), policy_desk("amelie")
    (mid,) = add(bruno, mention("1", "Il paraît que l'aréna ferme"))
    waiting = bruno.replies.send(mid, "Oui, elle ferme.")
    with pytest.raises(ActionRefused, match="needs a note"):
        amelie.approvals.reject(waiting.id, "  ")
    rejected = amelie.approvals.reject(waiting.id, "Pas confirmé : attendons le communiqué.")
    assert (rejected.status, rejected.review_note) == (
        "rejected",
        "Pas confirmé : attendons le communiqué.",
    )
    mine = bruno.queries.detail(mid).replies
    assert [(r.status, r.review_note) for r in mine] == [
        ("rejected", "Pas confirmé : attendons le communiqué.")
    ]
    assert bruno.queries.detail(mid).status == "open"
    with pytest.raises(ActionRefused, match="not waiting for approval"):
        amelie.approvals.approve(waiting.id)
    # the author may write a new reply after a rejection
    assert bruno.replies.send(mid, "Rien n'est décidé.").status == "pending_approval"


def test_one_voice_even_while_a_reply_waits_for_approval(
    policy_desk: Callable[[str], Desk],
) -> None:
    """Issue 12 #7: a second reply could be queued on a mention that already had one waiting;
    approving both would answer the citizen twice. Now the second is refused at send time,
    saying whose reply waits; a deliberate second answer (``again``) is possible, and approving
    the first then is refused because the citizen was answered meanwhile."""
    bruno, chloe, amelie = policy_desk("bruno"), policy_desk("chloe"), policy_desk("amelie")
    (mid,) = add(bruno, mention("1", "Il paraît que l'eau est contaminée"))
    first = bruno.replies.send(mid, "Non, l'eau est potable.")
    assert first.status == "pending_approval"
    with pytest.raises(
        ActionRefused,
        match=f"mention {mid} is already answered: reply {first.id} by bruno is pending_approval",
    ) as caught:
        chloe.replies.send(mid, "Faux : l'eau est bonne à boire.")
    assert caught.value.hint is not None
    assert "--again" in caught.value.hint
    second = chloe.replies.send(mid, "Faux : l'eau est bonne à boire.", again=True)
    assert second.status == "pending_approval"
    assert amelie.approvals.approve(second.id).status == "sent_offline"
    for attempt in (
        lambda: amelie.approvals.approve(first.id),
        lambda: amelie.approvals.approve(first.id, text="Autre texte, même citoyen."),
    ):
        with pytest.raises(
            ActionRefused, match=f"already answered by reply {second.id} \\(chloe\\)"
        ):
            attempt()
    replies = {r.id: r.status for r in amelie.queries.detail(mid).replies}
    assert replies == {first.id: "pending_approval", second.id: "sent_offline"}
    rejected = amelie.approvals.reject(first.id, "Déjà répondu par Chloé.")  # still decidable
    assert rejected.status == "rejected"
    submitted = [e for e in amelie.queries.detail(mid).history if e.action == "reply.submitted"]
    assert [e.data.get("again") for e in submitted] == [None, 1]  # the deliberate one says so


def test_a_reply_nobody_else_can_approve_is_refused_at_send(
    policy_desk: Callable[[str], Desk],
) -> None:
    """Issue 12 #7: with one supervisor, their own reply waited for ever and nothing said so."""
    amelie = policy_desk("amelie")  # the only supervisor of the test desk
    (mid,) = add(amelie, mention("1", "Il paraît que le marché est annulé"))
    with pytest.raises(ActionRefused, match="no one but you can give it") as caught:
        amelie.replies.send(mid, "Non, il a lieu.")
    assert caught.value.hint is not None
    assert "[approval] fallback" in caught.value.hint
    assert amelie.queries.detail(mid).replies == []  # nothing stored that could never go


def test_the_fallback_approver_and_who_may_decide(
    config_file: Path, make_desk: Callable[..., Desk]
) -> None:
    config_file.write_text(
        config_file.read_text(encoding="utf-8")
        + POLICY.replace("[approval]\n", '[approval]\nfallback = "chloe"\n'),
        encoding="utf-8",
    )
    amelie, bruno, chloe = make_desk("amelie"), make_desk("bruno"), make_desk("chloe")
    (mid,) = add(amelie, mention("1", "Il paraît que le marché est annulé"))
    own = amelie.replies.send(mid, "Non, il a lieu.")  # a supervisor's reply waits too
    assert own.status == "pending_approval"
    assert amelie.approvals.pending_count() == 1
    with pytest.raises(PermissionDenied, match="your own reply"):
        amelie.approvals.approve(own.id)
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        bruno.approvals.approve(own.id)  # an agent who is not the fallback
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        bruno.approvals.reject(own.id, "non")
    with pytest.raises(NotFound, match="no reply with id 999"):
        amelie.approvals.approve(999)
    assert chloe.approvals.approve(own.id).status == "sent_offline"  # the fallback decides
    assert amelie.approvals.pending_count() == 0


def test_an_author_withdraws_a_waiting_reply(policy_desk: Callable[[str], Desk]) -> None:
    bruno, chloe = policy_desk("bruno"), policy_desk("chloe")
    (mid,) = add(bruno, mention("1", "Il paraît que la piscine ferme"))
    waiting = bruno.replies.send(mid, "C'est faux.")
    with pytest.raises(ActionRefused, match="only its author \\(bruno\\) can withdraw"):
        chloe.replies.withdraw(waiting.id)
    taken_back = bruno.replies.withdraw(waiting.id)
    assert taken_back.status == "withdrawn"
    assert bruno.queries.detail(mid).history[-1].action == "reply.withdrawn"
    step = bruno.queries.timeline(mid).steps[-1]  # the mention's story says so, in words
    assert (step.kind, step.actor) == ("withdrawn", "bruno")
    assert sentence(step, Catalog("fr")).startswith("Réponse de bruno retirée par son auteur")
    with pytest.raises(ActionRefused, match="only a waiting reply can be withdrawn"):
        bruno.replies.withdraw(waiting.id)
    again = chloe.replies.send(mid, "La piscine reste ouverte.")  # the mention is free again
    assert again.status == "pending_approval"


def test_cli_approvals_approve_reject(
    cli: Cli,
    policy_desk: Callable[[str], Desk],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:

    bruno = policy_desk("bruno")
    a, b = add(
        bruno,
        mention("1", "Il paraît que la bibliothèque ferme"),
        mention("2", "Il paraît que le pont est fermé"),
    )
    assert cli("reply", str(a), "--text", "Non.", as_name="bruno") == 0
    assert "waiting for a supervisor's approval" in capsys.readouterr().out
    bruno.replies.send(b, "Oui.")
    assert cli("approvals", as_name="amelie") == 0
    listing = capsys.readouterr().out
    assert "reply 1 to #1 by bruno" in listing
    assert "(2 waiting)" in listing
    assert cli("approve", "1", as_name="chloe") == 2
    assert "only a supervisor" in capsys.readouterr().err
    assert cli("approve", "1", "--text", "Non, elle reste ouverte.", as_name="amelie") == 0
    assert "approved and sent_offline" in capsys.readouterr().out
    assert cli("reject", "2", "--note", "Le pont est fermé, en fait.", as_name="amelie") == 0
    assert cli("approvals", "--json", as_name="amelie") == 0
    assert capsys.readouterr().out.strip().endswith("[]")
    # the author reads the refusal and its note in `desk show`, as in --json and the TUI
    assert cli("show", str(b), as_name="bruno", lang="en") == 0
    assert "reviewed by amelie — Le pont est fermé, en fait." in capsys.readouterr().out


def test_a_private_copy_of_desk_toml_names_no_approver_and_skips_no_approval(
    tmp_path: Path,
    cli: Cli,
    policy_desk: Callable[[str], Desk],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12 #2 (audit): a copy of desk.toml with `[approval] fallback = "bruno"` let bruno
    approve, and a copy without `[approval]` let a rumour reply skip approval. The recorded
    policy decides (desk.replies.recorded); the copy is reported."""
    bruno, chloe = policy_desk("bruno"), policy_desk("chloe")
    rumour, press, listed = add(
        bruno,
        mention("1", "Il paraît que la piscine ferme pour de bon?"),
        mention("2", "Bonjour", author_handle="@reporter@news.example"),
        mention("3", "Bonjour", author_handle="@reporter@news.example"),
    )
    waiting = chloe.replies.send(rumour, "C'est faux : la piscine reste ouverte.")
    shared = tmp_path / "desk.toml"
    copy = tmp_path / "mine.toml"
    copy.write_text(
        shared.read_text(encoding="utf-8").replace("[approval]", '[approval]\nfallback = "bruno"'),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert cli("approve", str(waiting.id), as_name="bruno", config=copy) == 2
    err = capsys.readouterr().err
    assert "only a supervisor" in err
    assert "[approval] differs from this desk's recorded approval policy" in err
    assert "fallback: bruno in desk.toml, - recorded" in err
    assert bruno.queries.detail(rumour).replies[0].status == "pending_approval"
    text = shared.read_text(encoding="utf-8")
    lax = {  # no policy at all; a policy whose author list is empty
        press: text.replace('categories = ["rumour"]\nauthor_lists = ["press"]\n', ""),
        listed: text.replace('press = ["@reporter@news.example"]', "press = []"),
    }
    for mid, lenient in lax.items():
        assert lenient != text
        copy.write_text(lenient, encoding="utf-8")
        assert cli("reply", str(mid), "--text", "Bonjour!", as_name="bruno", config=copy) == 0
        assert "waiting for a supervisor's approval" in capsys.readouterr().out
        (reply,) = bruno.queries.detail(mid).replies
        assert (reply.status, reply.approval_reasons) == ("pending_approval", ("author:press",))
    recorded = [e for e in bruno.queries.audit_log(limit=100) if e.action == "approval.policy_set"]
    assert [(e.actor, e.data["fallback"]) for e in recorded] == [("system", None)]  # the first


def test_a_refusal_names_the_replys_state_in_words(
    cli: Cli, policy_desk: Callable[[str], Desk], capsys: pytest.CaptureFixture[str]
) -> None:
    """The audit: French errors said "elle est sent_offline" (the raw status code)."""
    bruno = policy_desk("bruno")
    (mid,) = add(bruno, mention("1", "Il paraît que la piscine ferme"))
    waiting = bruno.replies.send(mid, "C'est faux.")
    assert cli("approve", str(waiting.id), as_name="amelie") == 0
    capsys.readouterr()
    assert cli("approve", str(waiting.id), as_name="amelie", lang="fr") == 2
    assert "(elle est envoyée hors ligne)" in capsys.readouterr().err
    assert cli("approve", str(waiting.id), as_name="amelie", lang="en") == 2
    assert "(it is sent_offline)" in capsys.readouterr().err  # English keeps the code
    assert cli("withdraw", str(waiting.id), as_name="bruno", lang="fr") == 2
    assert "elle est envoyée hors ligne" in capsys.readouterr().err
    (other,) = add(bruno, mention("2", "Bonjour"))
    assert cli("reply", str(other), "--text", "Bonjour.", as_name="bruno") == 0
    capsys.readouterr()
    assert cli("reply", str(other), "--text", "Bonjour!", as_name="chloe", lang="fr") == 2
    assert "la réponse 2 de bruno est envoyée hors ligne" in capsys.readouterr().err
