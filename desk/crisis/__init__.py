"""Crisis mode: see the surge early, group what repeats, answer many with one approved correction.

- ``surge``: counts per topic in 5-minute buckets against the topic's trailing baseline, a
  Poisson tail test and an EWMA chart for small counts, three sensitivities, a cooldown (pure,
  on the mentions' own times: a replayed file shows its surge where it happened).
- ``clusters``: open mentions that say the same thing (copies, near-duplicates, the same link),
  grouped with datasketch's MinHash LSH, and what a person needs to see of each group (pure).
- ``plan``: who one approved correction may go to (one reply per author, already-answered
  mentions and posts that did not address the account skipped, each platform's budget), pure.
- ``service``: CrisisService reads the queue and sends the planned replies through
  ReplyService, one signed reply (and its audit events) per mention, exactly once each.
- ``batch``: the same plan written as a batch of replies waiting for one approval, in one
  transaction (approved, paced and paused by desk.replies.batches).
"""
