"""The rules as a document an organisation can publish: what we answer, who answers, what is spam.

``policy_markdown(ruleset, config, languages)`` renders Markdown in French, English or both (French
first). Everything comes from the rule file (its descriptions and words) and desk.toml (hours,
languages, teams); nothing is invented.
"""

from __future__ import annotations

import re
from typing import Any

from desk.calendar import DAYS
from desk.config import DeskConfig
from desk.text.safe import clean
from desk.triage.arbitration import MIN_KNOWN_WORDS
from desk.triage.rules import CATEGORY_ORDER, Rule, RuleSet
from desk.vocabulary import PRIORITY_NAMES

MAX_WORDS_SHOWN = 12
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_MD = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")

_TEXT: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Politique de tri des messages — {org}",
        "intro": "Ce document décrit comment {org} trie les messages reçus sur ses comptes publics\u00a0: "
        "ce que nous traitons comme une question, une plainte, une rumeur, un bon mot ou un indésirable, "
        "ce qui passe en priorité et qui répond. Il est produit à partir des règles que l'équipe utilise.",
        "categories": "Catégories",
        "order": "Quand plusieurs catégories s'appliquent, la première de cette liste l'emporte\u00a0: "
        "indésirable, rumeur, plainte, question, bon mot, autre.",
        "cat": {
            "spam": "Indésirables (publicité, arnaques, vente d'abonnés) — non traités, fermés",
            "rumour": "Rumeurs — information non vérifiée qui circule, même posée en question",
            "complaint": "Plaintes — mécontentement ou service défaillant",
            "question": "Questions — demande d'information ou de service",
            "praise": "Bons mots — remerciements et compliments",
            "other": "Autres — tout le reste",
        },
        "words": "Mots et expressions reconnus",
        "harmless": "Ces expressions ne déclenchent aucune règle, même si elles contiennent un mot "
        "reconnu\u00a0: {phrases}.",
        "negation": "Ces règles ignorent un mot qui suit une négation ({words})\u00a0: {rules}\u00a0; "
        "ainsi «\u00a0aucune contamination\u00a0» ne les déclenche pas.",
        "fallback": "Quand aucune règle ne donne de catégorie, un petit modèle entraîné sur des "
        "exemples étiquetés en propose une s'il en est sûr à au moins {p}\u00a0%\u00a0; sinon le message "
        "reste «\u00a0autre\u00a0».",
        "fallback_category": "Il ne range un message parmi les «\u00a0{category}\u00a0» que s'il "
        "en est sûr à au moins {p}\u00a0%.",
        "overrule": "Quand la règle dont la catégorie l'emporte la donne sur un seul mot, même "
        "si d'autres règles en proposent une autre, ce modèle peut passer outre s'il est sûr à au moins {p}\u00a0% d'une autre catégorie, dans un message "
        "d'au moins {n}\u00a0mots qu'il connaît\u00a0; la priorité, "
        "les étiquettes et l'approbation de la règle restent, et l'explication du message le dit.",
        "priority": "Priorités",
        "priority_intro": "Ces messages sont lus en premier\u00a0:",
        "surge": "Afflux\u00a0: quand {n} messages ou plus portent sur un même sujet ({tags}) en {m} minutes, leur priorité monte d'un niveau.",
        "approval": "Réponses approuvées par un superviseur",
        "approval_intro": "Avant d'être publiée, la réponse à ces messages est approuvée par un superviseur\u00a0:",
        "who": "Qui répond",
        "hours": "Heures de service ({tz})\u00a0: {hours}.",
        "oncall": "En dehors de ces heures, une personne de garde reçoit les urgences.",
        "team": "Taille de l'équipe\u00a0: {n}\u00a0; langues de réponse\u00a0: {langs}.",
        "signed": "Chaque réponse est signée des initiales de la personne qui l'a écrite.",
        "none": "(aucune)",
        "priority_names": {
            "low": "basse",
            "normal": "normale",
            "high": "haute",
            "urgent": "urgente",
        },
        "days": ("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
        "closed": "fermé",
        "colon": "\u00a0:",
    },
    "en": {
        "title": "How we sort messages — {org}",
        "intro": "This document describes how {org} sorts the messages it receives on its public "
        "accounts: what we treat as a question, a complaint, a rumour, praise or spam, what comes "
        "first and who answers. It is produced from the rules the team uses.",
        "categories": "Categories",
        "order": "When several categories apply, the first in this list wins: spam, rumour, "
        "complaint, question, praise, other.",
        "cat": {
            "spam": "Spam (ads, scams, follower selling) — not answered, closed",
            "rumour": "Rumours — unverified claims going around, even when asked as a question",
            "complaint": "Complaints — dissatisfaction or a failed service",
            "question": "Questions — asking for information or a service",
            "praise": "Praise — thanks and compliments",
            "other": "Other — everything else",
        },
        "words": "Words and phrases recognised",
        "harmless": "These phrases fire no rule, even when they hold a recognised word: {phrases}.",
        "negation": "These rules ignore a word right after a negation ({words}): {rules}; so "
        '"no contamination" does not fire them.',
        "fallback": "When no rule gives a category, a small model trained on labelled examples "
        'proposes one if it is at least {p}% sure; otherwise the message stays "other".',
        "fallback_category": 'It files a message under "{category}" only if it is at least '
        "{p}% sure.",
        "overrule": "When the rule whose category wins gives it on a single word, even if other "
        "rules propose another, that model may overrule it if it is at least {p}% sure of another category, in a message of at least "
        "{n} words it knows; the rule's priority, tags "
        "and approval stay, and the message's explanation says so.",
        "priority": "Priorities",
        "priority_intro": "These messages are read first:",
        "surge": "Surges: when {n} or more messages on one topic ({tags}) arrive within {m} minutes, their priority goes up one level.",
        "approval": "Replies approved by a supervisor",
        "approval_intro": "The reply to these messages is approved by a supervisor before it is posted:",
        "who": "Who answers",
        "hours": "Service hours ({tz}): {hours}.",
        "oncall": "Outside these hours, an on-call person receives emergencies.",
        "team": "Team size: {n}; replies in: {langs}.",
        "signed": "Every reply is signed with the initials of the person who wrote it.",
        "none": "(none)",
        "priority_names": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
        "days": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "closed": "closed",
        "colon": ":",
    },
}


def _md(text: str) -> str:
    # clean: rule names, descriptions and words come from a file and go to a terminal
    # runs of ASCII white space to one space; no-break spaces stay (str.split would take them)
    return _MD.sub(r"\\\1", clean(_SPACES.sub(" ", text).strip(" ")))


def _words(rule: Rule) -> list[str]:
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "words" and isinstance(inner, list):
                    found.extend(str(w) for w in inner)
                elif key in {"all", "any"}:
                    walk(inner)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(rule.raw)
    return found


def _quoted(word: str) -> str:
    """A word between guillemets, held to it by no-break spaces (French typography)."""
    return f"«\u00a0{_md(word)}\u00a0»"


def _rule_line(rule: Rule, lang: str) -> str:
    description = rule.description.get(lang) or rule.description.get("fr" if lang == "en" else "en")
    line = f"- **{_md(description or rule.name)}**"
    words = _words(rule)
    if words:
        shown = ", ".join(_quoted(w) for w in words[:MAX_WORDS_SHOWN])
        more = f" (+{len(words) - MAX_WORDS_SHOWN})" if len(words) > MAX_WORDS_SHOWN else ""
        line += f"  \n  {_TEXT[lang]['words']}{_TEXT[lang]['colon']} {shown}{more}"
    return line


def _refinements(ruleset: RuleSet, t: dict[str, Any]) -> list[str]:
    """Harmless phrases, negation and the learned fallback, when the file uses them."""
    words = ruleset.words
    out = []
    if words.harmless:
        shown = ", ".join(_quoted(p) for p in words.harmless[:MAX_WORDS_SHOWN])
        more = (
            f" (+{len(words.harmless) - MAX_WORDS_SHOWN})"
            if len(words.harmless) > MAX_WORDS_SHOWN
            else ""
        )
        out += [t["harmless"].format(phrases=shown + more), ""]
    if words.negatable:
        rules = sorted({words.owners[i] for i in words.negatable if i in words.owners})
        negators = _md(", ".join(words.negators[:MAX_WORDS_SHOWN]))
        out += [t["negation"].format(words=negators, rules=_md(", ".join(rules))), ""]
    if ruleset.fallback is not None:
        out += [t["fallback"].format(p=round(ruleset.fallback.min_confidence * 100)), ""]
        for category, minimum in ruleset.fallback.by_category:
            name = t["cat"][category].split(" — ", 1)[0].lower()
            out += [t["fallback_category"].format(category=name, p=round(minimum * 100)), ""]
        if ruleset.fallback.overrule is not None:
            overrule = round(ruleset.fallback.overrule * 100)
            out += [t["overrule"].format(p=overrule, n=MIN_KNOWN_WORDS), ""]
    return out


def _hours(config: DeskConfig, lang: str) -> str:
    names = _TEXT[lang]["days"]
    # the keys as the calendar reads them ("Monday", "MON" -> "mon")
    business = {key.strip().lower()[:3]: value for key, value in config.hours.business.items()}
    parts = []
    for index, day in enumerate(DAYS):
        value = business.get(day)
        parts.append(f"{names[index]} {_md(value) if value else _TEXT[lang]['closed']}")
    return ", ".join(parts)


def _section(ruleset: RuleSet, config: DeskConfig, lang: str) -> list[str]:
    t = _TEXT[lang]
    org = _md(config.desk.organisation)
    out = [f"# {t['title'].format(org=org)}", "", t["intro"].format(org=org), ""]
    out += [f"## {t['categories']}", "", t["order"], ""]
    for category in CATEGORY_ORDER:
        out += [f"### {t['cat'][category]}", ""]
        rules = [r for r in ruleset.rules if r.category == category]
        out += [_rule_line(r, lang) for r in rules] or [t["none"]]
        out.append("")
    out += _refinements(ruleset, t)
    out += [f"## {t['priority']}", "", t["priority_intro"], ""]
    for rule in ruleset.rules:
        if rule.priority is not None and rule.priority >= 2:
            level = t["priority_names"][PRIORITY_NAMES[rule.priority]]
            out.append(_rule_line(rule, lang) + f" → {level}")
    surge = ruleset.surge
    if surge.threshold:
        tags = ", ".join(sorted(surge.tags)) or "*"
        out += ["", t["surge"].format(n=surge.threshold, tags=_md(tags), m=surge.window_minutes)]
    out += ["", f"## {t['approval']}", "", t["approval_intro"], ""]
    approvals = [_rule_line(r, lang) for r in ruleset.rules if r.require_approval]
    out += approvals or [t["none"]]
    languages = sorted({lang_ for s in config.staff for lang_ in s.languages})
    out += ["", f"## {t['who']}", ""]
    out.append(t["team"].format(n=len(config.staff), langs=_md(", ".join(languages)) or "-"))
    out.append("")
    out.append(t["hours"].format(tz=_md(config.hours.timezone), hours=_hours(config, lang)))
    if config.oncall.rotation or config.oncall.turns:
        out += ["", t["oncall"]]
    out += ["", t["signed"], ""]
    return out


def policy_markdown(
    ruleset: RuleSet, config: DeskConfig, languages: tuple[str, ...] = ("fr", "en")
) -> str:
    """The policy document in the given languages, separated by a rule."""
    sections = ["\n".join(_section(ruleset, config, lang)) for lang in languages]
    return "\n---\n\n".join(sections)
