"""Live connectors: talk to Mastodon, Bluesky, X and news feeds over HTTP (httpx, async).

- ``base``: the contract every connector follows (pages, cursors, outcomes, errors);
- ``channels``: the ``[[channel]]`` tables of desk.toml;
- one module per platform (``mastodon``, ``bluesky``, ``x``, ``rss``) that fetches pages of
  mentions and posts replies; parsing of the payloads stays in ``desk.connectors``.

Nothing here touches the database: ``desk.pull`` stores pages (cursor in the same transaction)
and ``desk.outbox`` runs the send state machine.
"""
