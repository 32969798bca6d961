"""A triage decision in words, in French or English, from its stored detail (``Decision.detail``).

The detail is plain data kept with the mention and in its audit event, so an explanation can be
shown in the reader's language long after the rules changed.
"""

from __future__ import annotations

import math
from typing import Any

from desk.i18n import Catalog


def _words(items: list[str]) -> str:
    return ", ".join(f"«\u00a0{w}\u00a0»" for w in items) if items else ""  # French spacing


def _effects(effects: dict[str, Any], t: Catalog) -> str:
    parts = []
    for key, value in effects.items():
        if key == "tags":
            value = ", ".join(value)
        elif key in {"spam", "require_approval"}:
            parts.append(t.t(f"triage.effect.{key}"))
            continue
        elif key == "category":
            value = t.t(f"tui.category.{value}")
        elif key == "priority":
            value = t.t(f"tui.priority.{value}")
        elif key == "assign":
            value = target_text(str(value), t)
        parts.append(t.t(f"triage.effect.{key}", value=value))
    return t.t("triage.sep").join(parts)


def target_text(target: str, t: Catalog) -> str:
    """An assignment target (``on-call``, ``team comms (round-robin)``, a name) in words."""
    if target == "on-call":
        return t.t("triage.on_call")
    if target.startswith("team "):
        name, _, strategy = target[5:].partition(" ")
        return t.t("triage.team", name=name) + (f" {strategy}" if strategy else "")
    return target


def note_text(note: dict[str, Any], t: Catalog) -> str:
    """One routing or surge note in words."""
    key = str(note.get("key", "unknown"))
    values = {k: v for k, v in note.items() if k != "key"}
    if "tags" in values:
        values["tags"] = ", ".join(values["tags"])
    if "rules" in values:
        values["rules"] = ", ".join(values["rules"])
    if "priority" in values:
        values["priority"] = t.t(f"tui.priority.{values['priority']}")
    return t.t(f"triage.note.{key}", **values)


def fallback_lines(fallback: dict[str, Any], t: Catalog) -> list[str]:
    """The learned model's guess in words: used or not, its confidence, the nearest examples."""
    values = {
        "category": t.t(f"tui.category.{fallback.get('category', 'other')}"),
        # naive Bayes is overconfident: never "100 % sure", and never rounded up past a threshold
        "confidence": min(99, math.floor(float(fallback.get("confidence", 0)) * 100)),
        "minimum": round(float(fallback.get("min_confidence", 0)) * 100),
    }
    overruled = fallback.get("overruled")
    if isinstance(overruled, dict):  # desk.triage.arbitration: the model overruled one word
        values |= {
            "rule": overruled.get("rule", "?"),
            "word": _words([str(overruled.get("word", ""))]),
            "rule_category": t.t(f"tui.category.{overruled.get('category', 'other')}"),
        }
        key = "triage.fallback.overruled"
    else:
        key = "triage.fallback.used" if fallback.get("used") else "triage.fallback.unsure"
    lines = [t.t(key, **values)]
    for example in fallback.get("nearest") or []:
        lines.append(
            t.t(
                "triage.fallback.example",
                text=str(example.get("text", ""))[:100],
                category=t.t(f"tui.category.{example.get('category', 'other')}"),
            )
        )
    return lines


def explain_lines(detail: dict[str, Any], t: Catalog) -> list[str]:
    """The explanation, one sentence per line: rules that fired, language, routing, notes."""
    lines: list[str] = []
    fired = detail.get("fired") or []
    for item in fired:
        matched = _words(item.get("matched") or [])
        effects = _effects(item.get("effects") or {}, t)
        key = "triage.fired_words" if matched else "triage.fired"
        lines.append(t.t(key, rule=item.get("rule", "?"), words=matched, effects=effects))
    if not fired:
        lines.append(t.t("triage.no_rule"))
    category = detail.get("category", "other")
    fallback = detail.get("fallback")
    if detail.get("category_rule") and not (fallback and fallback.get("overruled")):
        lines.append(
            t.t(
                "triage.category_by",
                category=t.t(f"tui.category.{category}"),
                rule=detail["category_rule"],
            )
        )
    if fallback:
        lines.extend(fallback_lines(fallback, t))
    language = detail.get("language") or {}
    code = language.get("code", "other")
    lines.append(
        t.t(
            f"triage.language.{language.get('source', 'unknown')}",
            language=t.t(f"triage.lang.{code}") if code in {"fr", "en", "other"} else code,
        )
    )
    for note in detail.get("notes") or []:
        lines.append(note_text(note, t))
    route = detail.get("route") or {}
    for note in route.get("notes") or []:
        lines.append(note_text(note, t))
    assignee = route.get("assignee")
    if assignee:
        how = (
            t.t(
                "triage.route.rule",
                rule=route.get("rule"),
                target=target_text(route.get("target", ""), t),
            )
            if route.get("via") == "rule"
            else t.t("triage.route.routing", target=target_text(route.get("target", ""), t))
        )
        lines.append(t.t("triage.assigned", who=assignee, how=how))
    elif route:
        lines.append(t.t("triage.unassigned"))
    return lines


def summary(detail: dict[str, Any]) -> str:
    """A short plain summary kept in the mention's ``triage_reason`` (cheap: built at ingest).

    The full explanation, in the reader's language, is ``explain_lines`` of the stored detail.
    """
    rules = ", ".join(f.get("rule", "?") for f in detail.get("fired") or []) or "none"
    route = detail.get("route") or {}
    who = route.get("assignee") or "nobody"
    via = detail.get("category_rule") or "-"
    if (detail.get("fallback") or {}).get("overruled"):
        via = f"model over {via}"
    return f"{detail.get('category', 'other')} via {via}; rules: {rules}; assigned: {who}"
