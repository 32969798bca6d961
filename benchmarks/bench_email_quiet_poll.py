"""E-mail channel: what a poll costs when nothing changed, with CONDSTORE and without.

Needs Dovecot (``.ci/email/setup.sh``); a private instance is started on 127.0.0.1 as in the
tests, with a folder of ``--n`` messages that the connector has already read (its cursor is
caught up). Then ``--samples`` polls each, on one kept connection, as ``desk watch`` does:

- ``condstore``: the connector as shipped (``ENABLE CONDSTORE``; ``STATUS (UIDVALIDITY
  HIGHESTMODSEQ)`` equals the cursor's, so no EXAMINE, no SEARCH, no FETCH);
- ``uid_only`` (the baseline, same run, same mailbox): the same connector with CONDSTORE off,
  as for a server without it (EXAMINE, then ``UID SEARCH UID last+1:*``).

Printed: median milliseconds per poll and the IMAP commands each poll sent (counted at the
connection), as JSON.

    python benchmarks/bench_email_quiet_poll.py [--n 5000] [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test servers

from benchmarks.bench_email import ENV, channel, fill  # noqa: E402
from desk.config.secrets import resolve  # noqa: E402
from desk.platforms.email import client as email_client  # noqa: E402
from tests.integration.email.servers import Dovecot, running_dovecot  # noqa: E402


async def quiet_polls(
    dovecot: Dovecot, folder: str, samples: int, condstore: bool
) -> dict[str, Any]:
    connector = email_client.EmailConnector(
        channel(dovecot, folder, idle=False),
        None,
        resolve("env:BENCH_MAIL", environ=ENV),
    )
    try:
        cursor = None
        while True:  # catch up with the folder (pages of 200)
            page = await connector.fetch(cursor)
            cursor = page.cursor or cursor
            if not page.more:
                break
        if not condstore:  # as a server without CONDSTORE: reconnect, UID path only
            await connector.aclose()
            connector._condstore = False
            real = email_client._enable_condstore
            email_client._enable_condstore = lambda _conn: False  # type: ignore[assignment]
            try:
                cursor = (await connector.fetch(cursor)).cursor or cursor  # modseq dropped
            finally:
                email_client._enable_condstore = real
        sent: list[str] = []
        imap = connector._imap._imap  # type: ignore[union-attr]  # imaplib under IMAPClient
        send = imap.send

        def counted(data: bytes) -> Any:  # every command line goes out through send()
            words = data.split(b" ", 3)
            if len(words) > 2 and words[0].isalnum():
                name = words[1] if words[1] != b"UID" else b"UID " + words[2]
                sent.append(name.decode("ascii", "replace").strip())
            return send(data)

        imap.send = counted
        took = []
        for _ in range(samples):
            began = time.perf_counter()
            page = await connector.fetch(cursor)
            took.append(time.perf_counter() - began)
            assert not page.result.items  # nothing new
            assert page.cursor is None  # the cursor is unchanged
        return {
            "median_ms": round(statistics.median(took) * 1000, 3),
            "commands_per_poll": round(len(sent) / samples, 2),
            "commands": sorted(set(sent)),
        }
    finally:
        await connector.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with running_dovecot() as dovecot:
        fill(dovecot, "Quiet", args.n)
        condstore = asyncio.run(quiet_polls(dovecot, "Quiet", args.samples, True))
        baseline = asyncio.run(quiet_polls(dovecot, "Quiet", args.samples, False))
    print(
        json.dumps(
            {
                "messages": args.n,
                "samples": args.samples,
                "condstore": condstore,
                "uid_only_baseline": baseline,
                "speedup": round(baseline["median_ms"] / condstore["median_ms"], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
