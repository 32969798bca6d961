"""Which replies wait for a supervisor (four eyes): the recorded approval policy (desk.toml's
``[approval]`` as an admin applied it: desk.db.policies) and the triage rules'
``require_approval``, applied to one mention. Pure: no database, no clock."""

from __future__ import annotations

import json

from desk.db import store
from desk.db.policies import ApprovalPolicy
from desk.db.tables import Mention
from desk.triage.conditions import normalise_handle


def reasons_for(
    approval: ApprovalPolicy, mention: Mention, channel: str, *, crisis: bool = False
) -> list[str]:
    """Why a free-text reply to ``mention`` needs a supervisor's approval under the policy in
    force (``approval``: desk.db.policies.in_force); empty: it does not.

    ``crisis``: a crisis is declared (``desk crisis start``): the ``[approval] crisis`` policy is
    in force as if the policy said ``crisis = true``."""
    policy = approval.approval
    reasons: list[str] = []
    if mention.needs_approval:
        reasons.append("triage_rule")
    if mention.category in policy.categories:
        reasons.append(f"category:{mention.category}")
    fired = set(store.json_list(mention.triage_rules))
    reasons += [f"rule:{name}" for name in policy.rules if name in fired]
    tags = set(store.json_list(mention.tags))
    reasons += [f"tag:{tag}" for tag in policy.tags if tag in tags]
    if channel in policy.channels:
        reasons.append(f"channel:{channel}")
    author = normalise_handle(mention.author_handle)
    for name in policy.author_lists:
        if author in {normalise_handle(h) for h in approval.lists.get(name, [])}:
            reasons.append(f"author:{name}")
    if (policy.crisis or crisis) and policy.crisis_free_text:
        reasons.append("crisis")
    return reasons


def reasons_json(reasons: list[str]) -> str:
    """The stored form of the reasons."""
    return json.dumps(reasons)
