"""One desk in a process of its own, for the tests that need several at once (test_concurrency).

    python -m tests.postgres.worker claim DB CONFIG NAME SEED ATTEMPTS GO
    python -m tests.postgres.worker live DB CONFIG NAME TURN IDS GO
    python -m tests.postgres.worker reply DB CONFIG NAME IDS GO

Each prints ``ready``, waits for the file ``GO`` (so that every process starts at the same
moment, after its imports), does its work and prints one JSON line:

- ``claim``: ATTEMPTS claims on the mentions of the database, in an order of its own (SEED),
  going round them; ``{"claimed": [ids], "refused": {"<catalog key>": n}}``;
- ``live``: a desk that watches (desk.db.changes, in a thread) while, at its TURN, it claims mention
  IDS[TURN] and replies to it; it reports when it committed each, and when it first *saw* the
  others' (its feed woke it and a read found them): ``{"did": {...}, "saw": {...}}``, times on
  ``time.monotonic`` (one clock for every process on the machine);
- ``reply``: a reply of its own (its text names NAME) to each of the mentions IDS, in that order;
  ``{"sent": [ids], "refused": {"<catalog key>": n}}``.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from pathlib import Path

from desk.bootstrap import open_desk
from desk.config import Settings
from desk.db.changes import watch
from desk.errors import DeskError
from tests.helpers.clock import FakeClock

TURN_SECONDS = 0.6  # between one desk's actions and the next one's
SEE_LIMIT = 10.0  # a live desk gives up looking after this long (the test then fails)


def _wait_for(go: Path) -> None:
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)


def claim(db: str, config: str, name: str, seed: int, attempts: int, go: Path) -> dict[str, object]:
    """ATTEMPTS claims as NAME; what was claimed and why the others were refused."""
    desk = open_desk(Settings(db=db, config=Path(config)), as_name=name, clock=FakeClock())
    try:
        with desk.engine.connect() as conn:
            ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM mentions ORDER BY id")]
        random.Random(seed).shuffle(ids)
        claimed: list[int] = []
        refused: dict[str, int] = {}
        _wait_for(go)
        for attempt in range(attempts):
            mention_id = ids[attempt % len(ids)]
            try:
                desk.inbox.claim(mention_id)
            except DeskError as exc:
                key = exc.key or type(exc).__name__
                refused[key] = refused.get(key, 0) + 1
            else:
                claimed.append(mention_id)
        return {"claimed": claimed, "refused": refused}
    finally:
        desk.close()


def live(db: str, config: str, name: str, turn: int, ids: list[int], go: Path) -> dict[str, object]:
    """Watch the others' claims and replies (in a thread, as the TUI's worker does) while making
    one's own at TURN."""
    desk = open_desk(Settings(db=db, config=Path(config)), as_name=name, clock=FakeClock())
    feed = watch(desk.engine)
    did: dict[str, float] = {}
    saw: dict[str, float] = {}
    others = {i: mid for i, mid in enumerate(ids) if i != turn}

    def look() -> None:
        deadline = time.monotonic() + SEE_LIMIT
        while time.monotonic() < deadline and len(saw) < 2 * len(others):
            if not feed.wait(0.5):
                continue
            for i, mid in others.items():
                detail = desk.queries.detail(mid)
                now = time.monotonic()  # read and known: seen
                if detail.assignee and f"claim {i}" not in saw:
                    saw[f"claim {i}"] = now
                if detail.replies and f"reply {i}" not in saw:
                    saw[f"reply {i}"] = now

    try:
        feed.wait(0.05)  # the starting point
        _wait_for(go)
        looking = threading.Thread(target=look, name="look")
        looking.start()
        time.sleep(TURN_SECONDS * (turn + 1))
        desk.inbox.claim(ids[turn])
        did["claim"] = time.monotonic()  # committed (another desk may see it sooner)
        desk.replies.send(ids[turn], f"Réponse de {name}")
        did["reply"] = time.monotonic()
        looking.join()
        return {"did": did, "saw": saw}
    finally:
        feed.close()
        desk.close()


def reply(db: str, config: str, name: str, ids: list[int], go: Path) -> dict[str, object]:
    """A reply as NAME to each of IDS; which went out and why the others were refused."""
    desk = open_desk(Settings(db=db, config=Path(config)), as_name=name, clock=FakeClock())
    try:
        sent: list[int] = []
        refused: dict[str, int] = {}
        _wait_for(go)
        for mention_id in ids:
            try:
                desk.replies.send(mention_id, f"Réponse de {name} au nº {mention_id}")
            except DeskError as exc:
                key = exc.key or type(exc).__name__
                refused[key] = refused.get(key, 0) + 1
            else:
                sent.append(mention_id)
        return {"sent": sent, "refused": refused}
    finally:
        desk.close()


def main(argv: list[str]) -> None:
    """Run one command (see the module's docstring) and print its JSON line."""
    command, db, config, name = argv[:4]
    if command == "claim":
        seed, attempts, go = int(argv[4]), int(argv[5]), Path(argv[6])
        result = claim(db, config, name, seed, attempts, go)
    elif command == "reply":
        result = reply(db, config, name, [int(i) for i in argv[4].split(",")], Path(argv[5]))
    else:
        turn, ids, go = int(argv[4]), [int(i) for i in argv[5].split(",")], Path(argv[6])
        result = live(db, config, name, turn, ids, go)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
