#!/usr/bin/env python3
"""Generate the bundled demo data of *desk*: three weeks of mentions of a fictional town.

The town is the (fictional) bilingual, French-first Québec municipality
"Ville de Belleville-sur-Rivière" / "City of Belleville-sur-Rivière".  Its accounts:

* Mastodon  ``@villebelleville`` on ``social.belleville.example``
* Bluesky   ``villebelleville.bsky.social``
* X         ``@VilleBelleville``
* news      the local paper "Le Courrier de Belleville" (RSS 2.0, fr-CA) and a
            Google-Alerts-style Atom feed of English regional outlets.

Period: 2026-10-26 .. 2026-11-16 (local time America/Montreal; DST ends 2026-11-01).
Story line: leaf collection, Halloween, a council meeting (Nov 3), the first snowfall (Nov 4-6),
the winter overnight parking ban (from Nov 15), rumours about the paper mill, and one crisis
day: a water-main break on rue des Érables on Nov 11 at night, followed by a precautionary
boil-water advisory (avis d'ébullition préventif) for secteur Nord on **2026-11-12**,
lifted on Nov 14.

Every file is written in the platform's *native* API payload format, copied from the real
recorded payloads in ``/work/shared/real-api-payloads`` (Mastodon ``GET /api/v1/notifications``,
Bluesky ``app.bsky.notification.listNotifications``, X API v2 ``GET /2/users/:id/mentions``
with ``expansions=author_id``, RSS 2.0, Atom 1.0):

    mastodon_notifications_page1.json, mastodon_notifications_page2.json
    bluesky_notifications.json
    x_mentions_page1.json, x_mentions_page2.json
    news_rss.xml, news_atom.xml

The *sentences* are hand-written below (MASTODON, BLUESKY, X, RSS_ITEMS, ATOM_ENTRIES); the
script adds authors (when not fixed), timestamps, ids, HTML, facets and entities.  Some
messages carry deliberately hostile strings (console markup, terminal escapes, bidi controls,
a ~12,000-character post) so that the UI can be tested against them.

Everything is deterministic (``random.Random(2026)``, no clock, no network, standard library
only): ``python sample_feeds/generate.py`` rewrites the same bytes every time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parent
RNG = random.Random(2026)

FIRST_DAY = date(2026, 10, 26)
LAST_DAY = date(2026, 11, 16)
CRISIS_DAY = "11-12"
DST_END_UTC = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 02:00 EDT -> 01:00 EST

MASTODON_HOST = "social.belleville.example"
CITY_SITE = "https://www.belleville.example"


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def M(lang: str, kind: str, text: str, **kw) -> dict:
    """One hand-written message.

    lang  "fr" | "en": language of the text (and, unless ``tag_lang`` overrides it, of the
          language field written to the payload)
    kind  q question, r rumour, c complaint, p praise, s spam, o other / chatter / press
    text  the message; ``{@}`` is the city's handle on that platform, ``{@key}`` a persona's.
    kw    day="11-05", at="HH:MM" (local time), by=persona key, key=name for replies,
          re=parent key or "city:<post>", quote="city:<post>", vis, cw, tag_lang, labels
    """
    return {"lang": lang, "kind": kind, "text": text, **kw}


def local_tz(dt_utc: datetime) -> timezone:
    return timezone(timedelta(hours=-4 if dt_utc < DST_END_UTC else -5))


def to_utc(day: str, hhmm: str, second: int = 0, ms: int = 0) -> datetime:
    month, d = (int(x) for x in day.split("-"))
    h, mi = (int(x) for x in hhmm.split(":"))
    wall = datetime(2026, month, d, h, mi, second, ms * 1000, tzinfo=UTC)  # local wall-clock time
    offset = 4 if wall < datetime(2026, 11, 1, 1, 0, tzinfo=UTC) else 5
    return wall + timedelta(hours=offset)


def iso(dt: datetime) -> str:
    """ISO-8601 UTC with milliseconds and Z, as all three APIs write it."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def local_day(dt: datetime) -> str:
    return dt.astimezone(local_tz(dt)).strftime("%m-%d")


ALL_DAYS = [
    (FIRST_DAY + timedelta(days=i)).strftime("%m-%d")
    for i in range((LAST_DAY - FIRST_DAY).days + 1)
]
# Days a message without a fixed date may land on (never the crisis day): weekdays busier.
NORMAL_DAYS = [d for d in ALL_DAYS if d != CRISIS_DAY]
NORMAL_WEIGHTS = [
    2 if date(2026, int(d[:2]), int(d[3:])).weekday() >= 5 else 3 for d in NORMAL_DAYS
]
HOURS = list(range(7, 24))
HOUR_WEIGHTS = [3, 5, 6, 6, 5, 6, 5, 4, 4, 5, 6, 6, 7, 7, 6, 4, 2]
# Crisis day: advisory at 05:45, the surge is in the morning; keep it inside the UTC day too.
CRISIS_HOURS = list(range(6, 19))
CRISIS_WEIGHTS = [3, 8, 10, 10, 8, 6, 6, 5, 6, 5, 5, 4, 3]


def random_time(day: str) -> datetime:
    if day == CRISIS_DAY:
        hour = RNG.choices(CRISIS_HOURS, CRISIS_WEIGHTS)[0]
    elif day == ALL_DAYS[-1]:  # keep the last day inside the UTC period too
        hour = RNG.choices(HOURS[:12], HOUR_WEIGHTS[:12])[0]
    else:
        hour = RNG.choices(HOURS, HOUR_WEIGHTS)[0]
    return to_utc(
        day, f"{hour:02d}:{RNG.randrange(60):02d}", RNG.randrange(60), RNG.randrange(1000)
    )


def schedule(items: list[dict], city_times: dict[str, datetime]) -> None:
    """Give every message a UTC ``dt``; replies come a little after their parent."""
    by_key: dict[str, dict] = {}
    for it in items:
        parent_dt = None
        ref = it.get("re") or it.get("quote")
        if ref:
            parent_dt = city_times[ref[5:]] if ref.startswith("city:") else by_key[ref]["dt"]
        if it.get("at"):
            day = it.get("day") or local_day(parent_dt)
            dt = to_utc(day, it["at"], RNG.randrange(60), RNG.randrange(1000))
        elif parent_dt is not None and not it.get("day"):
            dt = parent_dt + timedelta(
                minutes=RNG.randint(4, 150),
                seconds=RNG.randrange(60),
                milliseconds=RNG.randrange(1000),
            )
        else:
            day = it.get("day") or RNG.choices(NORMAL_DAYS, NORMAL_WEIGHTS)[0]
            dt = random_time(day)
            if parent_dt is not None and dt <= parent_dt:
                dt = parent_dt + timedelta(minutes=RNG.randint(4, 90), seconds=RNG.randrange(60))
        if parent_dt is not None:
            assert dt > parent_dt, it["text"]
        it["dt"] = dt
        if it.get("key"):
            assert it["key"] not in by_key, it["key"]
            by_key[it["key"]] = it


def pick_author(it: dict, people: dict[str, dict], avoid: str | None = None) -> str:
    if it.get("by"):
        return it["by"]
    role = "spam" if it["kind"] == "s" else "citizen"
    pool = [k for k, p in people.items() if p["role"] == role and it["lang"] in p["langs"]]
    pool = [k for k in pool if k != avoid] or pool
    return RNG.choice(pool)


B32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
B32_LOWER = "abcdefghijklmnopqrstuvwxyz234567"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def rand_str(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def tid(dt: datetime) -> str:
    """AT Protocol record key (TID): 53-bit microseconds + 10-bit clock id, base32-sortable."""
    micros = (int(dt.replace(microsecond=0).timestamp()) * 1_000_000) + dt.microsecond
    value = (micros << 10) | RNG.randrange(1024)
    out = ""
    for _ in range(13):
        out = B32_SORT[value & 31] + out
        value >>= 5
    return out


def cid_of(obj) -> str:
    """A CIDv1 (dag-cbor, sha2-256) string: 'bafyrei…', derived from the record's content."""
    digest = hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).digest()
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + digest
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def mastodon_id(dt: datetime) -> int:
    """Mastodon snowflake: milliseconds since epoch << 16 | sequence."""
    return (int(dt.timestamp() * 1000) << 16) | RNG.randrange(65536)


def x_id(dt: datetime) -> int:
    """X snowflake: (ms - twepoch) << 22 | worker << 12 | sequence (increases with time)."""
    return (
        ((int(dt.timestamp() * 1000) - 1288834974657) << 22)
        | (RNG.randrange(1024) << 12)
        | RNG.randrange(4096)
    )


def write_json(name: str, data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (OUT / name).write_text(text, encoding="utf-8", newline="\n")


URL_RE = r"https?://[^\s<>\"\[\]]*[^\s<>\"\[\].,;:!?)»]"


# ---------------------------------------------------------------------------------------------
# The city's own posts (not in the files: they are what citizens reply to, quote, like...)
# ---------------------------------------------------------------------------------------------

CITY_POSTS = {
    # key: (day, local time, text)
    "feuilles": (
        "10-26",
        "09:00",
        "🍂 Dernière collecte des feuilles du 26 au 30 octobre, selon votre jour habituel. "
        "Sacs de papier seulement! / Last leaf collection Oct 26-30. Paper bags only. #Belleville",
    ),
    "halloween": (
        "10-29",
        "10:30",
        "🎃 Halloween : cueillette des bonbons recommandée de 16 h à 20 h. Soyez visibles! "
        "/ Trick-or-treating 4-8 p.m. Be safe and visible!",
    ),
    "conseil": (
        "11-02",
        "12:00",
        "Séance ordinaire du conseil mardi 3 novembre, 19 h, salle du conseil et en direct "
        "sur notre chaîne. / Council meeting Tue Nov 3, 7 p.m., in person and livestreamed.",
    ),
    "piscine": (
        "11-02",
        "14:00",
        "🏊 Nouvel horaire du bain libre à la piscine Laurier dès aujourd'hui. / New public "
        "swim schedule at Laurier pool starting today. " + CITY_SITE + "/piscine",
    ),
    "neige": (
        "11-04",
        "15:00",
        "❄️ Première bordée : opérations de déneigement dès 19 h. Merci de libérer la rue. "
        "/ First snowfall: snow clearing starts 7 p.m. Please keep streets clear.",
    ),
    "stationnement": (
        "11-09",
        "10:00",
        "🚗 Stationnement de nuit interdit dans les rues du 15 novembre au 1er avril, "
        "de minuit à 7 h. / Overnight street parking ban Nov 15 - Apr 1, midnight to 7 a.m.",
    ),
    "budget": (
        "11-10",
        "11:00",
        "Budget 2027 : donnez votre avis! Sondage en ligne jusqu'au 30 novembre. / Have your "
        "say on the 2027 budget, online survey until Nov 30. " + CITY_SITE + "/budget2027",
    ),
    "avis": (
        "11-12",
        "05:45",
        "⚠️ AVIS D'ÉBULLITION PRÉVENTIF – secteur Nord (au nord de la rue Principale) à la "
        "suite d'un bris d'aqueduc. Faites bouillir l'eau 1 minute. / Precautionary BOIL-WATER ADVISORY, "
        "north sector. #avisébullition",
    ),
    "avis_maj": (
        "11-12",
        "14:30",
        "💧 Point de distribution d'eau embouteillée à l'aréna Jean-Béliveau de 16 h à 19 h. "
        "/ Bottled water distribution at Jean-Béliveau arena, 4-7 p.m. #avisébullition",
    ),
    "avis_leve": (
        "11-14",
        "15:10",
        "✅ L'avis d'ébullition préventif est LEVÉ pour le secteur Nord. Merci de votre "
        "patience! / The boil-water advisory is LIFTED. Thank you! #avisébullition",
    ),
}
CITY_TIMES = {k: to_utc(day, at) for k, (day, at, _text) in CITY_POSTS.items()}


# ---------------------------------------------------------------------------------------------
# Personas.  role: official | press | citizen | spam.  langs: languages they write.
# ---------------------------------------------------------------------------------------------

HOSTILE_NAME_M = "[b]Ville de Belleville[/b] \u001b[31m(officiel)\u001b[0m"
HOSTILE_NAME_B = "[link=http://evil.example]Mairie[/link] \u001b]0;pwned\u0007"
HOSTILE_NAME_X = "\u202eelliveb\u202c [red]OFFICIEL[/red]"

# Mastodon: key -> (username, domain or None for local, display name, langs, role)
MASTODON_PEOPLE_RAW = {
    "marie": ("marie_tremblay", None, "Conseillère Marie Tremblay", "fr en", "official"),
    "julie": ("jdesrosiers", None, "Julie Desrosiers · Le Courrier", "fr en", "press"),
    "gilles": ("gillesbeaulieu", None, "Gilles Beaulieu", "fr", "citizen"),
    "nathalie": ("nat_cote", None, "Nathalie Côté 🌿", "fr", "citizen"),
    "pierrot": ("pierrot_lavoie", None, "Pierre-Olivier Lavoie", "fr", "citizen"),
    "sophie": ("sophie_roy", None, "Sophie Roy", "fr", "citizen"),
    "fred": ("fred_belanger", None, "Fred Bélanger", "fr", "citizen"),
    "lucie": ("lucie_morin", None, "Lucie Morin", "fr", "citizen"),
    "denis": ("denisgauthier", None, "Denis Gauthier", "fr", "citizen"),
    "karine": ("karinep", None, "Karine Pelletier 🧶", "fr", "citizen"),
    "ahmed": ("ahmed_benali", None, "Ahmed Benali", "fr en", "citizen"),
    "comite": ("comite_nord", None, "Comité citoyen du secteur Nord", "fr", "citizen"),
    "emma": ("emma_w", None, "Emma Walsh", "en", "citizen"),
    "david": ("dmacdonald", None, "David MacDonald", "en", "citizen"),
    "priya": ("priya_s", None, "Priya Sharma", "en", "citizen"),
    "tom": ("tomokeefe", None, "Tom O'Keefe", "en", "citizen"),
    "hannah": ("hannahb", None, "Hannah Brooks 🚲", "en", "citizen"),
    "mathieu": ("mathieu_g", "piaille.fr", "Mathieu G.", "fr", "citizen"),
    "renee": ("renee", "mstdn.ca", "Renée Larouche", "fr", "citizen"),
    "kevin": ("kevinl", "mastodon.social", "Kevin L.", "en", "citizen"),
    "alex": ("alex", "eldritch.cafe", "alex (iel/they)", "en fr", "citizen"),
    "sam": ("samfortier", "mastodon.online", "Sam Fortier", "en", "citizen"),
    "lea": ("lea", "pouet.chapril.org", "Léa ✨", "fr", "citizen"),
    "jb": ("jbouchard", "pleroma.rive.example", "J-B", "fr", "other"),
    "fakecity": ("mairie_officielle", "toot.example", HOSTILE_NAME_M, "fr", "other"),
    "casino": ("royalvegas_bonus", "mastodon.social", "💰 Royal Vegas Bonus 💰", "en", "spam"),
    "pret": ("credit_express", "toot.example", "Prêts Express ✅", "fr", "spam"),
    "growfast": ("growfast", "mstdn.example", "Gain Followers Fast", "en", "spam"),
    "crypto": ("btc_signals", "bitcoin.example", "CryptoQueen 📈", "en", "spam"),
}

# Bluesky: key -> (handle, display name, langs, role)
BLUESKY_PEOPLE_RAW = {
    "marie": (
        "mtremblay-conseil.bsky.social",
        "Marie Tremblay, conseillère district Nord",
        "fr en",
        "official",
    ),
    "julie": ("juliedesrosiers.bsky.social", "Julie Desrosiers", "fr en", "press"),
    "courrier": ("courrier.belleville.example", "Le Courrier de Belleville", "fr", "press"),
    "maxime": ("maximeleblanc.bsky.social", "Maxime Leblanc", "fr", "citizen"),
    "audrey": ("audreyg.bsky.social", "Audrey Gagné", "fr", "citizen"),
    "jess": ("jessthompson.bsky.social", "Jess Thompson", "en", "citizen"),
    "mike": ("mikeoconnor.bsky.social", "Mike O'Connor", "en", "citizen"),
    "catherine": ("cathpoirier.bsky.social", "Catherine Poirier 📚", "fr", "citizen"),
    "olivier": ("olivierd.bsky.social", "Olivier Dufour", "fr", "citizen"),
    "rachel": ("rachelkim.bsky.social", "Rachel Kim", "en", "citizen"),
    "ben": ("benlapointe.bsky.social", "Ben Lapointe", "en fr", "citizen"),
    "zoe": ("zoe-m.bsky.social", "Zoé Marchand", "fr", "citizen"),
    "liam": ("liamfraser.bsky.social", "Liam Fraser", "en", "citizen"),
    "isabelle": ("isabelle-c.bsky.social", "Isabelle Caron", "fr", "citizen"),
    "noah": ("noahp.bsky.social", "Noah Patel", "en", "citizen"),
    "gen": ("genevievelabbe.bsky.social", "Geneviève Labbé", "fr", "citizen"),
    "ella": ("ellaroberts.bsky.social", "Ella Roberts", "en", "citizen"),
    "velo": ("velobelleville.bsky.social", "Vélo Belleville 🚲", "fr en", "other"),
    "parents": ("parentsnord.bsky.social", "Parents du secteur Nord", "fr", "other"),
    "fakealerts": ("belleville-alerts.bsky.social", HOSTILE_NAME_B, "fr", "other"),
    "whale": ("cryptowhale-99812.bsky.social", "Crypto Whale 🐋", "en", "spam"),
    "lucky": ("lucky-spins.bsky.social", "Lucky Spins 🎰", "en", "spam"),
    "pretfacile": ("pretfacile.bsky.social", "Prêt Facile", "fr", "spam"),
    "boost": ("getfollowers-now.bsky.social", "Follower Boost", "en", "spam"),
}

# X: key -> (username, name, langs, role)
X_PEOPLE_RAW = {
    "marie": ("MTremblayNord", "Marie Tremblay", "fr en", "official"),
    "julie": ("JDesrosiers_CdB", "Julie Desrosiers", "fr en", "press"),
    "courrier": ("CourrierBSR", "Le Courrier de Belleville", "fr", "press"),
    "yvon": ("yvon_belleville", "Yvon Lachance", "fr", "citizen"),
    "manon": ("ManonBSR", "Manon Girard", "fr", "citizen"),
    "patrick": ("PatrickLeduc81", "Patrick Leduc", "fr", "citizen"),
    "steph": ("stephanie_qc", "Stéphanie Ouellet", "fr", "citizen"),
    "frank": ("Frank_Bergeron", "François Bergeron", "fr", "citizen"),
    "mel": ("MelBlais", "Mélanie Blais", "fr", "citizen"),
    "jeanguy": ("JeanGuyR", "Jean-Guy Rioux", "fr", "citizen"),
    "chantal": ("ChantalDB", "Chantal D.", "fr", "citizen"),
    "mathis": ("mathis_tr", "Mathis 🏒", "fr", "citizen"),
    "annie": ("AnnieSimard_", "Annie Simard", "fr", "citizen"),
    "dany": ("DanyPoulin", "Dany Poulin", "fr", "citizen"),
    "guy": ("GuyBoisvert", "Guy Boisvert 🇨🇦", "fr en", "citizen"),
    "sarah": ("sarahjmiller", "Sarah Miller", "en", "citizen"),
    "chris": ("ChrisBelleville", "Chris Anderson", "en", "citizen"),
    "jen": ("jen_nguyen", "Jen Nguyen", "en", "citizen"),
    "matt": ("MattHolt", "Matt Holt", "en", "citizen"),
    "kate": ("K_Robertson", "Kate Robertson", "en", "citizen"),
    "doug": ("DougFromNorth", "Doug", "en", "citizen"),
    "aisha": ("AishaK", "Aisha Khan", "en fr", "citizen"),
    "fakeinfo": ("Info_Ville_BSR", HOSTILE_NAME_X, "fr", "other"),
    "cryptoking": ("CryptoKing_8832", "Crypto King 👑", "en", "spam"),
    "boost": ("FollowBoostPro", "Follower Boost Pro", "en", "spam"),
    "pretqc": ("PretRapideQC", "Prêt Rapide QC", "fr", "spam"),
    "casino": ("casinoluck777", "Casino Luck 777", "en", "spam"),
    "deals": ("Promo_Deals24", "Deals 24/7", "en fr", "spam"),
}


# Hand-written data below: ruff format is off so that each message stays compact.
# fmt: off
# =============================================================================================
# CONTENT — Mastodon (mentions of @villebelleville on social.belleville.example)
# =============================================================================================

LONG_LETTER_PARAGRAPHS = [
    "Lettre ouverte au conseil municipal de Belleville-sur-Rivière, au nom du Comité citoyen du secteur Nord.",
    "Madame la Mairesse, mesdames et messieurs les membres du conseil,",
    "Le bris d'aqueduc survenu sur la rue des Érables dans la soirée du 11 novembre n'est pas un accident isolé. "
    "C'est le quatrième bris majeur dans notre secteur depuis 2021, et chaque fois, ce sont les mêmes rues, les "
    "mêmes familles et les mêmes commerces qui en paient le prix. Nous avons appris l'avis d'ébullition par le "
    "bouche-à-oreille, parfois à 9 h ou 10 h du matin, alors que nos enfants avaient déjà bu l'eau du robinet "
    "au déjeuner. Ce n'est pas acceptable en 2026.",
    "Nous ne doutons pas du dévouement des employés des travaux publics, qui ont travaillé toute la nuit dans le "
    "froid. Notre critique vise les choix politiques : le plan triennal d'immobilisations repousse depuis cinq ans "
    "le remplacement des conduites de la rue des Érables, de la 3e Avenue et de la rue Laval, installées pour la "
    "plupart entre 1958 et 1965. Pendant ce temps, on refait pour la deuxième fois en dix ans l'aménagement du "
    "parvis de l'hôtel de ville.",
    "Nous demandons donc au conseil : 1) de publier l'inventaire complet de l'état des conduites par secteur; "
    "2) de devancer à 2027 le remplacement des conduites de la rue des Érables; 3) de mettre en place un système "
    "d'alerte par texto et par appel automatisé, avec inscription simple, en français et en anglais; 4) de prévoir "
    "des points de distribution d'eau ouverts en soirée, pour les gens qui travaillent; 5) de rembourser sur "
    "présentation de reçus les frais d'eau embouteillée des ménages à faible revenu.",
    "Nous joignons à cette lettre la liste des adresses qui nous ont signalé un problème depuis un an (pression, "
    "eau brouillée, refoulements, bris), recueillie porte-à-porte par nos bénévoles. Nous espérons qu'elle servira "
    "à prioriser les travaux.",
    "Veuillez agréer nos salutations distinguées. Le Comité citoyen du secteur Nord. #avisébullition #Belleville",
]
LONG_LETTER_STREETS = ["rue des Érables", "3e Avenue", "rue Laval", "rue Frontenac", "rue Saint-Joseph",
                       "rue Birch", "avenue des Pins", "rue Mercier", "rue Champlain", "4e Avenue"]
LONG_LETTER_ISSUES = [
    "faible pression le matin", "eau brouillée après les travaux de juin", "refoulement d'égout (août)",
    "aucune eau le 11 novembre de 20 h à 2 h", "bruit de cognement dans la tuyauterie",
    "eau jaunâtre au premier usage", "fuite visible sur le trottoir depuis septembre",
    "avis d'ébullition appris par une voisine", "sous-sol inondé en 2024, réclamation refusée",
    "compteur d'eau remplacé deux fois", "borne-fontaine qui coule en continu", "pression variable le soir",
]


def long_letter() -> str:
    parts = list(LONG_LETTER_PARAGRAPHS[:-1])
    lines = ["ANNEXE — Adresses signalées (relevé des bénévoles, 2025-2026) :"]
    n = 0
    while sum(len(p) + 2 for p in parts) + sum(len(x) + 1 for x in lines) < 11_900:
        n += 1
        street = RNG.choice(LONG_LETTER_STREETS)
        issues = RNG.sample(LONG_LETTER_ISSUES, RNG.randint(1, 2))
        lines.append(f"{n}. {RNG.randint(2, 240) * 2 + RNG.randint(0, 1)}, {street} — {'; '.join(issues)}")
    parts.append("\n".join(lines))
    parts.append(LONG_LETTER_PARAGRAPHS[-1])
    return "{@} " + "\n\n".join(parts)


MASTODON = [
    # ---- Oct 26 - Oct 31 ------------------------------------------------------------------
    M("fr", "p", "{@} Bravo aux cols bleus pour le ménage après les grands vents de samedi. Les branches étaient "
      "ramassées sur ma rue avant même que je prenne mon café! 👏 #Belleville", day="10-26"),
    M("fr", "q", "{@} Bonjour! La collecte des feuilles passe-tu dans le secteur Sud cette semaine ou la semaine "
      "prochaine? Mes sacs sont au bord du chemin depuis jeudi 🍂", day="10-26"),
    M("fr", "q", "Est-ce que les sacs de plastique transparents sont acceptés ou seulement le papier? J'en ai "
      "acheté une boîte de 50 la semaine passée...", re="city:feuilles", by="nathalie", key="mA1"),
    M("fr", "o", "seulement le papier depuis l'an passé, ils laissent les sacs de plastique sur le trottoir avec "
      "un autocollant. Je me suis fait prendre 😅", re="mA1", by="gilles", key="mA2"),
    M("fr", "o", "ah ben voyons, j'en ai 14 de plastique 🤦‍♀️ merci du tuyau en tout cas", re="mA2",
      by="nathalie", key="mA3"),
    M("fr", "q", "tu peux les vider dans le bac brun si t'as de la place, ou les amener à l'écocentre. Mais "
      "{@} ça serait bien de l'écrire en gros sur le calendrier, c'est pas clair pantoute.", re="mA3",
      by="lucie", key="mA4"),
    M("en", "q", "{@} Hi! Is there an English version of the 2027 waste collection calendar? I can only find the "
      "French PDF on the website.", day="10-27"),
    M("fr", "r", "{@} Il paraît que l'usine Papiers Rivière ferme en janvier pis que 200 personnes vont perdre "
      "leur job. La Ville est-tu au courant?? Mon beau-frère travaille là.", day="10-27"),
    M("fr", "q", "{@} Faut-il un permis pour changer les fenêtres d'une maison dans le Vieux-Belleville? On m'a "
      "dit que c'était un secteur patrimonial pis qu'il fallait passer devant un comité...", day="10-28"),
    M("en", "c", "{@} Garbage wasn't picked up on Oak Street again this week. Twice this month. The raccoons are "
      "having a great time, the rest of us not so much 🦝", day="10-28"),
    M("fr", "c", "{@} Encore du bruit de construction à 6 h 30 le matin sur le chantier du boulevard Industriel. "
      "C'est pas censé commencer à 7 h selon le règlement?", day="10-28"),
    M("en", "s", "{@} 🎰 WIN BIG at Royal Vegas Casino! 300% bonus on your first deposit + 50 free spins. Limited "
      "time only https://royalvegas-bonus.example/?ref=bsr", day="10-28"),
    M("fr", "q", "{@} allo, les heures de la bibliothèque Gabrielle-Roy changent tu avec l'heure d'hiver? Merci!",
      day="10-29"),
    M("en", "q", "Are the hours the same if it rains? Asking for a very determined 6-year-old dinosaur 🦖🎃",
      re="city:halloween"),
    M("fr", "o", "{@} Chat perdu dans le secteur Est, tigré orange, répond au nom de Pistache 🐈 Si vous le voyez, "
      "écrivez-moi svp. Merci de partager! #Belleville", day="10-29"),
    M("fr", "c", "{@} L'autobus 12 était encore en retard de 25 min ce matin. Mes ados arrivent en retard à "
      "l'école chaque semaine. C'est quoi le problème avec cette ligne-là?", day="10-30"),
    M("en", "p", "{@} Big thanks to the parks crew who fixed the swings at Riverside Park so quickly. My kids "
      "noticed right away!", day="10-30"),
    M("fr", "q", "{@} où est-ce qu'on peut aller porter les vieux pots de peinture pis les piles? L'écocentre "
      "est-tu ouvert le samedi en novembre?", day="10-30"),
    M("fr", "p", "{@} Merci à l'équipe de la bibliothèque pour l'heure du conte d'Halloween, ma fille a adoré 🎃📚",
      day="10-31"),
    M("fr", "o", "{@} Petit rappel amical : on recule l'heure cette nuit! Une heure de sommeil de plus 😴 (ou une "
      "heure de plus avec les enfants debout à 5 h...)", day="10-31", at="20:15"),
    # ---- Nov 1 - Nov 3 --------------------------------------------------------------------
    M("en", "c", "{@} Someone set off fireworks at 1 am last night behind the école des Érables. Is that even "
      "allowed in town? Every dog on the street lost its mind.", day="11-01", at="09:10"),
    M("en", "q", "Will it be streamed on YouTube like last time? And can residents ask questions online or only "
      "in person?", re="city:conseil"),
    M("fr", "q", "La période de questions, c'est au début ou à la fin de la séance? J'aimerais parler de la "
      "piste cyclable sur Notre-Dame.", re="city:conseil", by="hannah", tag_lang="en"),
    M("fr", "r", "{@} est-ce vrai que la piscine Laurier va fermer deux ans pour rénovations? Ma voisine dit "
      "que c'était dans l'ordre du jour du conseil.", day="11-02"),
    M("en", "q", "{@} Do I need a permit for an 8x10 shed in the backyard? Thanks in advance!", day="11-02"),
    M("fr", "c", "{@} Franchement, les feux de circulation au coin Principale/Notre-Dame sont déréglés depuis "
      "lundi. Le feu piéton dure 5 secondes, c'est dangereux!", day="11-03"),
    M("en", "o", "{@} Who else is watching the council livestream tonight? Grab your popcorn 🍿", day="11-03",
      at="19:05"),
    M("fr", "c", "{@} Le son de la diffusion du conseil est épouvantable, on entend rien des questions du public. "
      "Pouvez-vous régler ça? #conseilBSR", day="11-03", at="19:40"),
    M("fr", "o", "{@} Bonjour, ici Julie Desrosiers du Courrier de Belleville. Pourriez-vous me confirmer le "
      "montant final du contrat de déneigement octroyé hier soir? Je publie à 16 h. Merci!", day="11-04",
      at="09:20", by="julie"),
    # ---- Snow, Nov 4 - Nov 6 --------------------------------------------------------------
    M("fr", "q", "On peut-tu laisser le char dans la rue cette nuit pendant le déneigement ou on va se faire "
      "remorquer?", re="city:neige"),
    M("fr", "c", "{@} pourquoi ma rue n'est jamais déneigée??? Rue Champlain, on a 15 cm dans la rue pis les "
      "chars restent pris!! Ça fait 14 h que ça a arrêté de neiger", day="11-05"),
    M("fr", "c", "{@} La déneigeuse a bloqué mon entrée pour la 2e fois aujourd'hui. J'ai pelleté 3 fois. Merci "
      "pour rien. 😡", day="11-05"),
    M("en", "c", "{@} The plow came through at 3am and left a wall of ice at the end of every driveway on Elm "
      "Ave. Every. Single. One.", day="11-05"),
    M("fr", "c", "{@} Les trottoirs de la rue Wellington sont une vraie patinoire. Ma mère de 82 ans a failli "
      "tomber en allant à la pharmacie. Quand est-ce qu'on met de l'abrasif??", day="11-06"),
    M("fr", "p", "{@} Je voulais juste dire merci au chauffeur de la chenillette qui a pris le temps de dégager "
      "l'entrée de mon voisin âgé ce matin. Ça fait du bien ❤️", day="11-06"),
    M("en", "q", "{@} When do the outdoor rinks usually open? First winter here, we just moved from Toronto 🙂",
      day="11-06"),
    M("fr", "o", "{@} Citoyens du district Nord : je tiens une permanence samedi de 10 h à midi au centre "
      "communautaire Saint-Joseph. Venez me parler de vos dossiers! —MT", day="11-06", by="marie"),
    # ---- Nov 7 - Nov 11 -------------------------------------------------------------------
    M("fr", "r", "{@} On dit que les taxes vont monter de 12 % l'an prochain. Quelqu'un peut confirmer ou c'est "
      "encore une rumeur de Facebook?", day="11-07"),
    M("en", "r", "{@} I heard the arena is being sold to a private company. Can you confirm? Minor hockey "
      "depends on that ice time.", day="11-07"),
    M("fr", "s", "{@} 💸 Besoin d'argent vite? Prêt rapide sans vérification de crédit, réponse en 24 h! "
      "Écrivez-moi en privé 👉 https://pret-express.example/bsr", day="11-07"),
    M("fr", "c", "{@} [bold]URGENT[/bold] quelqu'un a volé le panneau d'arrêt au coin des Érables et de la 5e. "
      "Les chars passent tout droit, ça va finir par un accident.", day="11-07"),
    M("en", "q", "{@} Quick question: can I pay my property tax instalment by e-transfer or only through online "
      "banking?", day="11-08"),
    M("fr", "q", "{@} Bonsoir, y a-t-il une date limite pour s'inscrire aux cours de natation de l'hiver? Le site "
      "dit « bientôt » depuis un mois 😅", day="11-08"),
    M("fr", "p", "{@} Journée familiale au parc des Ormes samedi 👨‍👩‍👧‍👦 Merci pour l'animation pis le chocolat "
      "chaud, c'était génial!", day="11-08"),
    M("en", "s", "{@} Grow your account to 10k followers in 7 days 🚀 Real & active followers, cheap prices. "
      "DM now!", day="11-08"),
    M("fr", "c", "{@} Mon numéro de dossier pour la réclamation est \u202e8421-RCL\u202c et personne ne m'a "
      "rappelé depuis 3 semaines. Je vous l'écris en privé.", day="11-08", vis="direct"),
    M("en", "q", "Does this apply to streets with no sidewalk and no driveways? There's literally nowhere else "
      "to park on ours.", re="city:stationnement", by="david", key="mB1"),
    M("en", "o", "I think there's a map on the site, some streets are exempt when no snow is forecast. Check the "
      "'stationnement de nuit' page.", re="mB1", by="emma", key="mB2"),
    M("en", "c", "thanks, found it. Apparently you have to call 311 before 9pm to know if the ban is active that "
      "night. Very 1998 of them 😂", re="mB2", by="david", key="mB3"),
    M("en", "o", "there's also a text alert, you subscribe on the site. Worked well for me last winter, one text "
      "every evening.", re="mB3", by="tom", key="mB4"),
    M("fr", "q", "La date du 15 novembre, ça commence dans la nuit du 14 au 15 ou du 15 au 16? On se pose la "
      "question à chaque année 🤔", re="city:stationnement"),
    M("en", "q", "{@} Is the Gabrielle-Roy library open on Remembrance Day?", day="11-10"),
    M("fr", "o", "Le sondage plante quand on clique sur « Suivant » à la question 7 (Firefox). Je sais pas si "
      "c'est juste moi.", re="city:budget"),
    M("fr", "q", "{@} bonjour\u001b]0;pwned\u0007 est-ce que l'écocentre est ouvert demain même si c'est le jour "
      "du Souvenir?", day="11-10"),
    M("en", "c", "{@} Bus 7 skipped my stop completely this morning. Waited 40 min in the cold with a toddler. "
      "Not ok.", day="11-10"),
    M("fr", "p", "{@} Super belle cérémonie du jour du Souvenir ce matin au parc des Vétérans. Bravo à "
      "l'organisation et aux cadets 🌺 #Belleville", day="11-11", at="12:20"),
    M("fr", "c", "{@} Plus d'eau du tout sur la rue des Érables depuis 20 h, c'est normal? Y'a des camions de la "
      "Ville au coin de la 3e Avenue.", day="11-11", at="20:40"),
    M("en", "q", "{@} Very low water pressure on Birch St tonight, barely a trickle from the tap. Anything going "
      "on in the north end?", day="11-11", at="21:15"),
    # ---- CRISIS DAY, Nov 12 ---------------------------------------------------------------
    M("fr", "q", "Est-ce que ça touche la rue des Érables côté sud? Votre carte charge pas sur mon cell.",
      re="city:avis", by="sophie", key="mC1", at="06:52"),
    M("fr", "o", "Oui, tout le secteur au nord de la rue Principale, incluant les deux côtés des Érables. La "
      "carte PDF est plus légère, le lien est dans le message de la Ville. —MT", re="mC1", by="marie",
      key="mC2"),
    M("fr", "q", "merci beaucoup madame Tremblay! Et pour le lave-vaisselle, c'est correct de le partir?",
      re="mC2", by="sophie", key="mC3"),
    M("fr", "o", "Santé publique dit que oui si le cycle chauffe à au moins 71 °C avec séchage. Sinon il faut "
      "rincer la vaisselle à l'eau bouillie.", re="mC3", by="pierrot", key="mC4"),
    M("fr", "o", "ok mais qui connaît la température de son lave-vaisselle 😂 je lave à la main avec l'eau "
      "bouillie pis c'est réglé", re="mC4", by="fred", key="mC5"),
    M("fr", "r", "{@} Il paraît que l'eau est contaminée à l'E. coli dans tout Belleville, pas juste le Nord. "
      "C'est vrai?? J'ai donné de l'eau du robinet au bébé ce matin 😰", day=CRISIS_DAY),
    M("fr", "q", "{@} Combien de temps faut-il faire bouillir l'eau? 1 minute ou 5 minutes? Je vois toutes sortes "
      "d'affaires sur Facebook.", day=CRISIS_DAY),
    M("en", "q", "{@} Is the boil water advisory for the whole city or just the north end? I'm on Riverside Dr.",
      day=CRISIS_DAY),
    M("en", "r", "{@} I heard the schools in the north sector are closing tomorrow because of the water. Can you "
      "confirm? Need to plan childcare.", day=CRISIS_DAY),
    M("fr", "c", "{@} Les épiceries du secteur Nord sont vidées d'eau embouteillée. La Ville va-tu distribuer de "
      "l'eau? C'est pas tout le monde qui a un char pour aller ailleurs.", day=CRISIS_DAY, at="10:05"),
    M("en", "r", "{@} A screenshot going around says don't shower at all until Sunday. Is that real?? Can I "
      "shower or not??", day=CRISIS_DAY),
    M("fr", "c", "{@} On a appris l'avis à 9 h 30 par ma voisine. Pourquoi pas d'alerte texto?? C'est "
      "inacceptable, les gens ont bu l'eau toute la matinée.", day=CRISIS_DAY, at="09:48"),
    M("en", "q", "{@} Can I give boiled-then-cooled water to my dog? Sorry if it's a dumb question #boilwater",
      day=CRISIS_DAY),
    M("fr", "p", "{@} Bravo aux employés qui travaillent sur le bris depuis hier soir dans le froid. On vous voit, "
      "merci! 💙 #avisébullition", day=CRISIS_DAY),
    M("fr", "q", "{@} Julie Desrosiers, Le Courrier. Combien de résidences sont touchées par l'avis et à quelle "
      "heure les premiers résultats d'analyse sont-ils attendus? Merci", day=CRISIS_DAY, at="08:15",
      by="julie"),
    M("fr", "r", "{@} Mise à jour officielle de la mairie : l'eau de TOUT Belleville est contaminée, consultez la "
      "liste des rues ici [link=http://evil.example]mairie[/link]", day=CRISIS_DAY, by="fakecity"),
    M("fr", "q", "{@} Est-ce qu'on peut se brosser les dents avec l'eau du robinet ou il faut vraiment l'eau "
      "bouillie pour ça aussi?", day=CRISIS_DAY, by="jb", tag_lang=None, vis="unlisted"),
    M("en", "q", "Where exactly is the water distribution? Main entrance or the back where the Zamboni doors "
      "are? 🧊", re="city:avis_maj"),
    M("fr", "c", "Le point de distribution ferme à 19 h, c'est trop tôt pour ceux qui travaillent à Gatineau. "
      "Pensez-y pour demain svp.", re="city:avis_maj"),
    M("fr", "r", "{@} Mon cousin dit que l'usine a déversé de quoi dans la rivière pis que c'est pour ça. "
      "Y'a-tu un lien avec l'avis d'ébullition ou c'est des niaiseries?", day=CRISIS_DAY),
    # ---- Nov 13 - Nov 16 ------------------------------------------------------------------
    M("fr", "q", "{@} Toujours l'avis d'ébullition ce matin? Le site dit rien de nouveau depuis hier 17 h.",
      day="11-13", at="07:35"),
    M("en", "o", "{@} Day 2 of boiling water for my coffee. Any update on the advisory? 😅 #boilwater",
      day="11-13"),
    M("fr", "c", "{@} Au point de distribution d'eau hier, je suis arrivée à 19 h 05 du travail pis c'était fermé. "
      "Pensez aux gens qui finissent tard svp.", day="11-13"),
    M("fr", "r", "{@} Quelqu'un dit sur le groupe du quartier que c'est l'usine qui a contaminé l'eau et que la "
      "Ville le cache. C'est n'importe quoi j'espère?", day="11-13"),
    M("en", "p", "{@} Honestly the updates today were clear and frequent. Thanks to whoever is running the "
      "account, must be a long week.", day="11-13", at="18:40"),
    M("fr", "c", "LONG_LETTER", day="11-13", at="21:10", by="comite",
      cw="Lettre ouverte au conseil (long)"),
    M("fr", "p", "Avis levé! Merci pour la communication rapide cette fois-ci, c'était clair. 👍 #avisébullition",
      re="city:avis_leve"),
    M("en", "q", "Now that it's lifted, do we need to flush the pipes or run the taps for a while first?",
      re="city:avis_leve"),
    M("en", "c", "{@} Will residents be compensated for bottled water? Families on my street spent $50+ this week. "
      "Asking seriously.", day="11-14"),
    M("fr", "q", "{@} Faut-il changer le filtre du frigo après l'avis d'ébullition? Le mien est rendu à 6 mois de "
      "toute façon 😅", day="11-14"),
    M("fr", "c", "{@} J'ai eu un constat de stationnement la PREMIÈRE nuit de l'interdiction alors qu'il neigeait "
      "même pas. Belle façon d'accueillir l'hiver 🙄", day="11-15"),
    M("en", "c", "{@} The potholes on Riverside Drive are getting ridiculous, I just blew a tire. Who do I send "
      "the bill to? #Belleville", day="11-15"),
    M("fr", "c", "{@} Mon bac de recyclage a pas été vidé cette semaine, ni ceux de mes voisins. Rue des Pins, "
      "secteur Est. Quelqu'un peut vérifier?", day="11-16"),
    M("en", "r", "{@} Apparently the Route 117 bridge is closing for all of December?? That'd be a nightmare for "
      "commuters. Can you confirm?", day="11-16"),
    M("fr", "q", "{@} Est-ce que le marché de Noël revient sur la place de l'Hôtel-de-Ville cette année? Hâte aux "
      "bretzels 🥨", day="11-16"),
    # ---- any day (date chosen by the generator) -------------------------------------------
    M("fr", "q", "{@} Le styromousse va-tu dans le bac bleu maintenant? J'ai vu que certaines villes l'acceptent "
      "depuis cette année."),
    M("en", "q", "{@} Do we need a licence for a cat in Belleville or just for dogs? We adopted a kitten this "
      "weekend 🐱"),
    M("fr", "q", "{@} La licence pour chien 2027, on la renouvelle en ligne ou au comptoir? Le lien sur le site "
      "mène à une page 404."),
    M("fr", "c", "{@} Refoulement d'égout dans mon sous-sol pour la 2e fois cette année, rue Laval. Est-ce que "
      "la Ville a un programme de subvention pour les clapets antiretour?"),
    M("en", "q", "{@} Are there any public EV chargers downtown that actually work? The two at City Hall have "
      "been out of order for weeks."),
    M("fr", "p", "{@} Le nouveau carrefour giratoire sur la 3e Avenue, j'étais sceptique mais je dois avouer que "
      "ça roule bien mieux. Bravo."),
    M("en", "o", "{@} Anyone know a good plumber in the north end? Asking here since half the town seems to "
      "follow this account 😂"),
    M("fr", "o", "{@} Quel beau lever de soleil sur la rivière ce matin depuis le pont Lavigne 🌅 #Belleville"),
    M("fr", "q", "{@} Le dépôt à neige de la rue Industrielle est-il ouvert aux entrepreneurs privés cette "
      "année? Pis c'est quoi le tarif?"),
    M("en", "c", "{@} The crosswalk by the Laurier pool has no light and cars just don't stop. Someone is going "
      "to get hurt. Please add a flashing sign."),
    M("fr", "r", "{@} Est-ce vrai que la Ville va installer des caméras de surveillance dans tous les parcs? "
      "Quelqu'un l'a écrit dans le groupe Belleville Entraide."),
    M("en", "q", "{@} When is the next public consultation on the downtown revitalization plan? I missed the one "
      "in October."),
    M("fr", "q", "{@} Bonjour, à quelle adresse courriel peut-on envoyer une plainte officielle? Le formulaire en "
      "ligne refuse les pièces jointes."),
    M("fr", "c", "{@} Le parc à chiens est fermé « temporairement » depuis juillet. Ça fait 4 mois. C'est quoi le "
      "plan?"),
    M("en", "p", "{@} Shout-out to the library staff for the tech help sessions for seniors. My dad can finally "
      "video call his grandkids 💙"),
    M("fr", "s", "{@} 🔥 Gagnez un iPhone 17 GRATUIT!!! Répondez au sondage avant minuit 👉 "
      "https://cadeau-gratuit.example/iphone"),
    M("en", "s", "{@} Earn 5 BTC a week with my crypto trading signals, 100% guaranteed returns 💰 "
      "https://btc-signals.example/join"),
    M("fr", "o", "{@} Quelqu'un a trouvé des clés avec un porte-clés du Canadien près de l'aréna jeudi soir? 🔑"),
    M("en", "q", "{@} Where can I drop off an old mattress? The bulky item pickup page says November is full."),
    M("fr", "q", "{@} Les heures du patinage libre à l'aréna Jean-Béliveau sont-elles en ligne quelque part? Le "
      "tableau à l'entrée date de l'an passé."),
    M("en", "c", "{@} Third time this month the recycling truck has come by at 5:40am and woken up the whole "
      "street with the bins slamming. Is there a noise bylaw for city trucks?"),
    M("fr", "q", "{@} C'est quand, la date limite pour le deuxième versement du compte de taxes? J'ai égaré le "
      "coupon 🙈"),
    M("en", "o", "{@} The river trail is so pretty with the first frost this morning. Lucky to live here 🍁"),
    M("fr", "c", "{@} Les graffitis sur le viaduc de la 117 sont là depuis l'été, y compris des insultes. "
      "Pouvez-vous les effacer? Mes enfants savent lire...", vis="unlisted"),
    M("en", "q", "{@} Hi! Is there a list of approved contractors for the lead pipe replacement subsidy? "
      "Thinking of doing it in the spring.", by="kevin"),
    M("fr", "o", "{@} Merci pour la réponse rapide au sujet du permis hier, c'est réglé. Bonne journée à "
      "l'équipe! ☀️", vis="private"),
    M("fr", "q", "{@} Bonjour, les bornes de recharge du stationnement de la bibliothèque sont-elles gratuites "
      "ou payantes? Merci", by="mathieu"),
    M("en", "o", "{@} ok who in the north end is learning the trumpet at 10pm, because honestly, respect 🎺",
      by="alex"),
]


# =============================================================================================
# CONTENT — Bluesky (notifications of villebelleville.bsky.social)
# =============================================================================================

BLUESKY = [
    M("en", "q", "{@} does the Laurier pool still have adult lanes at 6am on weekdays? the schedule PDF link is "
      "broken", day="10-26"),
    M("en", "o", "{@} anyone else hear that loud boom around 10pm near the industrial park? my whole house shook",
      day="10-28", at="22:10"),
    M("en", "r", "{@} is it true the Papiers Rivière mill is shutting down? my neighbour works there and everyone "
      "is freaking out", day="10-28"),
    M("fr", "o", "{@} Vive l'automne à Belleville 🍁 la piste cyclable au bord de la rivière est magnifique ce "
      "matin", day="10-29"),
    M("en", "o", "{@} Halloween in the Vieux-Belleville was absolutely packed tonight, best decorated street "
      "award goes to rue Sainte-Anne 🎃👻", day="10-31", at="20:50"),
    M("fr", "o", "{@} Merci pour la consultation sur le réseau cyclable! Nos membres ont plein d'idées pour l'axe "
      "Notre-Dame 🚲 On sera au conseil mardi.", day="11-01", by="velo"),
    M("en", "q", "{@} Is the council meeting agenda posted somewhere? Looking for the item about the new bike "
      "lanes", day="11-02"),
    M("en", "c", "The family swim moved to Sunday mornings only?? That's the one slot that never worked for us 😕",
      re="city:piscine", by="jess", key="bD1"),
    M("en", "o", "same, Saturday afternoon was perfect. apparently it's because of the swim club's new "
      "competition schedule", re="bD1", by="mike", key="bD2"),
    M("fr", "o", "Pareil pour nous. Au moins le bain libre du vendredi soir est revenu, c'est déjà ça.",
      re="bD2", by="catherine", key="bD3"),
    M("en", "p", "oh good to know, friday night it is then 🏊‍♀️ thanks!", re="bD3", by="jess", key="bD4"),
    M("en", "q", "{@} new schedule is up, [@click=app.quit()]click me[/] to see it lol (jk, where's the real "
      "one? the link 404s)", day="11-03"),
    M("en", "c", "{@} 3-hour council meeting and the bike lane item got pushed to December. again. 🙄",
      quote="city:conseil", day="11-04", by="velo"),
    M("fr", "o", "{@} Je confirme que la réfection de la 3e Avenue est prévue au PTI 2027. Merci aux citoyens "
      "qui m'ont écrit à ce sujet. —MT", day="11-04", by="marie"),
    M("en", "o", "{@} first snow of the season in Belleville ❄️ and of course I haven't changed my tires yet",
      day="11-04", at="16:30"),
    M("fr", "p", "Première bordée pis la chenillette est passée sur ma rue avant 7 h. Respect ❄️",
      quote="city:neige", day="11-05", at="07:20"),
    M("fr", "c", "{@} Encore une fois, aucun déneigement sur les trottoirs près de l'école primaire des Érables. "
      "Les enfants marchent dans la rue!", day="11-05"),
    M("en", "c", "{@} the plows did the main streets beautifully and then forgot the entire Westwood area "
      "exists. 36 hours later still nothing", day="11-06"),
    M("en", "q", "{@} Hi, Julie Desrosiers from Le Courrier. Could your team confirm how many km of sidewalks are "
      "cleared by contractors vs city crews? Thanks!", day="11-06", by="julie"),
    M("fr", "c", "{@} Le bruit du déneigement à 3 h du matin avec le bip-bip de recul, je comprends, mais 4 fois "
      "dans la même nuit?", day="11-06"),
    M("fr", "q", "{@} Bonjour, je reçois des textos bizarres \u001b]52;c;SGVsbG8=\u0007 qui disent venir de la "
      "Ville pour payer mes taxes. C'est de l'hameçonnage?", day="11-09"),
    M("en", "o", "{@} reminder this starts Saturday night folks, the tow trucks do NOT mess around",
      quote="city:stationnement", day="11-13"),
    M("en", "q", "Please, everyone fill this out. Last year barely 300 people answered for a town of 40,000. "
      "#Belleville", quote="city:budget", day="11-10", by="ella"),
    M("fr", "s", "{@} ⚠️ Avis important aux citoyens : réclamez votre remboursement de taxes avant le 15 "
      "novembre ici [link=http://evil.example]mairie[/link]", day="11-10", by="fakealerts"),
    M("en", "q", "{@} How do I register for the budget workshop on the 19th? The form says it's full but it's a "
      "200-seat room?", day="11-11"),
    M("fr", "p", "{@} Bravo pour la cérémonie du jour du Souvenir, c'était sobre et touchant. Merci aux vétérans "
      "présents 🌺", day="11-11", at="13:05"),
    # ---- CRISIS DAY ------------------------------------------------------------------------
    M("fr", "r", "{@} est-ce que c'est vrai que l'eau est contaminée à l'E. coli? Ma belle-sœur travaille à "
      "l'hôpital pis elle dit qu'il y a des cas", day=CRISIS_DAY, at="07:41", by="audrey", key="bE1"),
    M("fr", "o", "{@} l'avis dit « préventif », c'est à cause de la perte de pression après le bris, pas parce "
      "qu'on a trouvé de quoi. Faut pas partir de panique", re="bE1", by="olivier", key="bE2"),
    M("fr", "r", "ok mais « préventif » ça veut rien dire si on sait pas. {@} pouvez-vous répondre clairement "
      "svp? Y'a-tu des cas à l'hôpital oui ou non?", re="bE2", by="audrey", key="bE3"),
    M("en", "o", "{@} not a doctor but the city said test results come back in 24-48h. Until then boil 1 minute "
      "and you're fine. Hospital rumour is not confirmed anywhere", re="bE3", by="ben", key="bE4"),
    M("fr", "o", "Pour ceux qui demandent : l'avis touche SEULEMENT le secteur Nord. Le reste de la ville c'est "
      "correct. Partagez! 💧", quote="city:avis", day=CRISIS_DAY, at="07:58", by="gen"),
    M("en", "r", "{@} I heard the schools in the north end are closing tomorrow. Can you confirm? Trying to "
      "figure out childcare", day=CRISIS_DAY),
    M("en", "q", "{@} does the boil water advisory include ice from the fridge ice maker? 🧊", day=CRISIS_DAY),
    M("fr", "c", "{@} Avis d'ébullition publié à 5 h 45 mais personne l'a su avant 9 h. Ça prend un système "
      "d'alerte par texto, c'est pas compliqué #avisébullition", day=CRISIS_DAY),
    M("en", "q", "what about brushing teeth? boiled water only or is tap ok for that?", re="city:avis",
      day=CRISIS_DAY),
    M("fr", "q", "Merci pour le point de distribution! Faut-il apporter une preuve d'adresse?",
      re="city:avis_maj"),
    M("fr", "q", "{@} Les écoles des Érables et du Nord sont-elles ouvertes demain? Les parents reçoivent des "
      "messages contradictoires. #avisébullition", day=CRISIS_DAY, by="parents"),
    M("en", "c", "{@} the Metro on 3e Avenue is completely out of bottled water and people are getting tense. "
      "please set up distribution sooner", day=CRISIS_DAY, at="11:30"),
    # ---- after -----------------------------------------------------------------------------
    M("en", "q", "{@} is the advisory still on today? the map on the website still shows yesterday's date",
      day="11-13"),
    M("fr", "p", "Avis levé 🎉 merci aux équipes qui ont travaillé jour et nuit sur le bris!",
      re="city:avis_leve"),
    M("fr", "r", "{@} Il paraît que le bris est arrivé parce que la conduite date de 1962 pis qu'elle a jamais été "
      "changée. C'est vrai?", day="11-14"),
    M("en", "p", "{@} Family skate at the arena this afternoon 👨‍👩‍👧‍👦⛸️ thanks for the free hot chocolate, the "
      "kids loved it", day="11-15"),
    M("fr", "c", "{@} Le chauffage de l'aréna est brisé, on gèle dans les estrades pendant les matchs des petits. "
      "On paye des frais d'inscription pour ça?", day="11-15"),
    M("en", "r", "{@} I heard the Christmas parade is cancelled this year because of budget cuts? Please tell me "
      "that's not true 🎅", day="11-16"),
    # ---- any day ---------------------------------------------------------------------------
    M("fr", "c", "{@} le nid-de-poule au coin Laval et Frontenac a maintenant son propre code postal 🙃 "
      "#nidsdepoule"),
    M("fr", "q", "{@} Bonjour! Les cours de patinage pour les 4-5 ans commencent quand à l'aréna Jean-Béliveau? "
      "Les inscriptions sont-elles ouvertes?"),
    M("en", "c", "{@} three weeks and my green bin still hasn't been replaced after the truck cracked it. ticket "
      "#44812, nobody answers"),
    M("en", "q", "{@} what's the deal with the new parking meters on Principale? do they take tap or only the "
      "app?"),
    M("fr", "r", "{@} On m'a dit que le stationnement deviendrait payant au parc Riverain l'été prochain. Vrai? "
      "Faux? 🤔"),
    M("en", "p", "{@} huge thanks to the crew that fixed the water fountain at the dog park even though it's "
      "November lol. my dog says merci 🐕"),
    M("fr", "q", "{@} Est-ce que les bacs bruns sont ramassés pendant l'hiver ou ça arrête en décembre?"),
    M("en", "s", "{@} 🎰 Free spins every day at Lucky Spins! No deposit needed, withdraw instantly 💸 "
      "https://luckyspins.example/promo", by="lucky"),
    M("fr", "s", "{@} Prêt personnel de 500 $ à 5000 $ approuvé en 1 heure, même avec mauvais crédit! Texto au "
      "555-0199", by="pretfacile"),
    M("en", "s", "{@} 🐋 I turned $500 into $18,000 with this crypto bot. Not financial advice 😉 "
      "https://whale-bot.example", by="whale", labels=["spam"]),
    M("en", "s", "{@} 🚀 Get 5,000 real followers for $9.99! Fast delivery, no password needed. DM us!",
      by="boost"),
    M("fr", "q", "{@} Quelle heure la collecte des encombrants passe sur la rue Mercier? Je veux pas sortir mon "
      "vieux divan trop tôt (il pleut)."),
    M("en", "q", "{@} are the tennis courts taking the nets down for the winter already? was hoping for one last "
      "game this weekend"),
    M("fr", "c", "{@} Les jeunes font des courses de char dans le stationnement du Maxi tous les soirs vers 23 h. "
      "Y'a-tu moyen d'avoir une patrouille?"),
    M("en", "r", "{@} apparently the city is going to ban wood-burning fireplaces next year?? saw a screenshot in "
      "the neighbourhood group. can you confirm or is this fake"),
    M("fr", "q", "{@} Où est-ce qu'on trouve le calendrier des collectes 2027? J'aimerais l'imprimer pour le "
      "frigo."),
    M("fr", "q", "{@} Est-ce que la bibliothèque prête encore des laissez-passer pour le musée? Je les trouve "
      "plus dans le catalogue."),
    M("en", "c", "{@} the bus shelter on Wellington has had a smashed panel for 2 weeks, glass everywhere. kids "
      "walk by there every day"),
    M("fr", "q", "{@} Les heures d'ouverture de l'hôtel de ville pendant le temps des fêtes sont-elles déjà "
      "connues?"),
    M("fr", "o", "{@} Qui organise la guignolée cette année? On aimerait faire une collecte de denrées au bureau "
      "🥫"),
    M("fr", "c", "{@} 2 semaines pour avoir un rendez-vous au comptoir des permis. Pour un cabanon. "
      "Sérieusement?"),
    M("en", "q", "{@} hi! are dogs allowed on the river trail in winter? didn't see any signs"),
    M("fr", "p", "{@} Le nouvel horaire de la bibliothèque le dimanche, c'est parfait pour les familles. Merci!"),
    M("en", "c", "{@} streetlights on the whole of Birch St have been out since the windstorm. it's pitch black "
      "at 5pm now"),
    M("fr", "r", "{@} c'est vrai que le Tim Hortons de la 117 va fermer pour faire place à un poste de police? 😂 "
      "on entend de tout"),
    M("fr", "q", "{@} Avez-vous un numéro pour signaler un animal mort sur la chaussée? Il y a un chevreuil sur "
      "le chemin de la Montagne depuis hier."),
    M("en", "q", "{@} when does the skating rink at parc des Ormes open? my kids ask every single morning"),
    M("en", "p", "{@} Props to the bylaw officer who helped me jump-start my car this morning on Laval. Above and "
      "beyond 🙌"),
    M("fr", "q", "{@} La piste de ski de fond du parc Riverain sera-t-elle tracée cet hiver? L'an passé c'était "
      "pas terrible"),
    M("en", "o", "{@} Belleville sunset from the pont Lavigne tonight 🧡 no filter"),
    M("fr", "q", "{@} Bonjour, est-ce que le compte de taxes peut être envoyé par courriel plutôt que par la "
      "poste?"),
    M("en", "c", "{@} garbage truck leaked hydraulic fluid all along Maple Crescent, there's a big oily streak "
      "in front of the school"),
    M("fr", "r", "{@} Quelqu'un a entendu dire que la Ville vendait le terrain de balle du parc Saint-Joseph à un "
      "promoteur?"),
    M("en", "q", "{@} Can non-residents get a library card? My in-laws live in Saint-Anselme but are here every "
      "week"),
    M("fr", "p", "{@} Merci au service des loisirs pour le spectacle de magie à la bibliothèque, salle comble!"),
    M("fr", "o", "{@} Le café du coin de la rue Mercier rouvre demain après les rénos! ☕", tag_lang="en"),
    M("en", "q", "{@} will the outdoor pool area have the winter skating loop again this year?"),
    M("fr", "o", "{@} À quand un vrai marché public couvert à Belleville? On a les producteurs, on a la place. "
      "Juste une idée 🍎", tag_lang=None),
]


# =============================================================================================
# CONTENT — X (GET /2/users/:id/mentions of @VilleBelleville)
# =============================================================================================

X = [
    # ---- threads ---------------------------------------------------------------------------
    M("fr", "c", "{@} Le nid-de-poule devant le 412 rue Saint-Louis est rendu assez gros pour perdre un chat "
      "dedans. Signalé il y a 3 semaines. #nidsdepoule", day="10-27", by="yvon", key="xF1"),
    M("fr", "o", "Le même sur Frontenac, j'ai perdu un enjoliveur dedans. On devrait leur donner des noms 😂",
      re="xF1", by="manon", key="xF2"),
    M("fr", "o", "Celui de Saint-Louis s'appelle Gérard. Il a 2 ans pis il grossit à chaque printemps.",
      re="xF2", by="yvon", key="xF3"),
    M("fr", "c", "Ça fait rire mais mon char a eu 800 $ de réparations à cause d'un trou de même. {@} quand "
      "est-ce qu'on asphalte?", re="xF3", by="patrick", key="xF4"),
    M("fr", "r", "{@} Est-ce vrai que Papiers Rivière ferme? 200 jobs!! La Ville dit rien, c'est louche.",
      day="10-28", by="frank", key="xH1"),
    M("fr", "o", "Mon chum travaille là, ils ont eu une réunion hier. Ils parlent de « réorganisation », pas de "
      "fermeture. Calmez-vous un peu", re="xH1", by="mel", key="xH2"),
    M("fr", "r", "« Réorganisation », c'est toujours comme ça que ça commence... {@} on veut une réponse claire",
      re="xH2", by="frank", key="xH3"),
    M("fr", "o", "Le Courrier a joint la direction, article demain matin. La fermeture est démentie, mais des "
      "postes seraient abolis.", re="xH3", by="julie", key="xH4"),
    M("fr", "c", "Pis les rues sans entrée de garage? On stationne où, sur le toit?", re="city:stationnement",
      by="dany", key="xI1"),
    M("fr", "o", "Le stationnement de l'aréna est permis la nuit l'hiver, c'est écrit dans le communiqué",
      re="xI1", by="annie", key="xI2"),
    M("fr", "c", "L'aréna est à 2 km de chez nous, à -25 le matin... merci quand même 🥶", re="xI2", by="dany",
      key="xI3"),
    # ---- Oct 26 - Nov 3 --------------------------------------------------------------------
    M("fr", "p", "{@} Merci aux équipes pour le ramassage des branches après les vents de samedi. Efficace! 👏",
      day="10-26"),
    M("en", "q", "{@} is leaf pickup this week or next week in the west end? bags are getting soggy",
      day="10-26"),
    M("fr", "c", "Les feuilles sont encore sur le trottoir rue Mercier, le camion est passé tout droit. 🍂",
      re="city:feuilles"),
    M("fr", "q", "{@} C'est quoi les heures de l'écocentre cette semaine? Le site dit fermé mais Google dit "
      "ouvert 🤷", day="10-27"),
    M("en", "c", "{@} 45 min waiting for bus 12 at Principale this morning. Nobody came. Then two at once. Classic.",
      day="10-28"),
    M("fr", "r", "{@} On dit que l'usine ferme pis que la Ville le sait depuis l'été. Vrai ou pas?",
      day="10-29"),
    M("fr", "q", "C'est quoi l'heure limite pour les bonbons si on finit le souper tard? 20 h pile?",
      re="city:halloween"),
    M("en", "o", "{@} best pumpkin display in town is on rue Sainte-Anne, don't @ me 🎃", day="10-31",
      at="19:30"),
    M("fr", "c", "{@} Des jeunes ont lancé des œufs sur toutes les maisons de la rue Birch hier soir. Y'avait "
      "aucune patrouille.", day="11-01"),
    M("en", "q", "{@} Is the council meeting Tuesday open to the public? Do I need to register?", day="11-02"),
    M("fr", "q", "Pouvez-vous mettre le lien direct de la diffusion? La chaîne YouTube a 3 vidéos pis aucune "
      "en direct", re="city:conseil", day="11-03", at="18:55"),
    M("fr", "o", "{@} 3 h de séance du conseil pis la piste cyclable reportée en décembre. Encore. #conseilBSR",
      day="11-03", at="22:15"),
    M("en", "o", "{@} council meeting recap: snow contract passed, bike lanes delayed, and the mic cut out six "
      "times. Democracy!", day="11-03", at="22:40"),
    M("fr", "q", "{@} Bonjour, Julie Desrosiers (Le Courrier). Le contrat de déneigement de 4,2 M$ est-il sur "
      "5 ans ou 3 ans? Merci", day="11-04", at="08:50", by="julie"),
    # ---- snow ------------------------------------------------------------------------------
    M("fr", "c", "{@} Rue Champlain toujours pas déneigée à 10 h. On fait comment pour aller travailler? ❄️😡",
      day="11-05"),
    M("fr", "c", "{@} la déneigeuse vient de remplir mon entrée que je venais de pelleter. 3e fois. Je pleure.",
      day="11-05"),
    M("en", "c", "{@} Westwood has not seen a plow. At all. It's been 30 hours. Do we still pay taxes?",
      day="11-05"),
    M("fr", "p", "{@} Chapeau aux opérateurs de déneigement, ma rue était nette à 6 h ce matin 👌", day="11-05"),
    M("fr", "q", "{@} c'est quand qu'on met du sable sur les trottoirs? Wellington c'est une patinoire",
      day="11-06"),
    M("en", "c", "{@} Sidewalks near the école des Érables are solid ice. Kids walking in the street. Please fix "
      "today.", day="11-06"),
    M("fr", "p", "Merci à la Ville pour le rappel, pis bravo pour la rapidité hier soir ❄️", re="city:neige",
      day="11-05"),
    # ---- Nov 7 - Nov 11 --------------------------------------------------------------------
    M("fr", "r", "{@} Une capture d'écran circule comme quoi le stationnement sur Principale va être payant même "
      "le dimanche. Fake ou pas?", day="11-07"),
    M("en", "r", "{@} can you confirm the arena is being sold? minor hockey parents are losing it in the group "
      "chat", day="11-07"),
    M("fr", "r", "{@} Hausse de taxes de 12 %?? C'est écrit partout sur Facebook. Vous allez nous le dire "
      "quand?", day="11-07"),
    M("fr", "q", "Y'a-tu une exemption pour les travailleurs de nuit? Je finis à 2 h du matin", re="city:stationnement"),
    M("en", "q", "Does the ban apply when there's zero snow? Or only on snow nights like Gatineau?",
      re="city:stationnement"),
    M("fr", "o", "Rempli! Mais pourquoi le sondage est juste en français? La moitié de mon quartier est "
      "anglophone.", re="city:budget"),
    M("en", "q", "{@} Is City Hall open on Remembrance Day?", day="11-10"),
    M("fr", "p", "{@} Belle cérémonie ce matin au parc des Vétérans, merci à tous 🌺 #jourduSouvenir",
      day="11-11", at="11:50"),
    M("fr", "c", "{@} Plus d'eau sur la 3e Avenue depuis 19 h 30, on fait quoi?", day="11-11", at="20:05"),
    M("en", "q", "{@} water just went off on Birch St. Is there a break somewhere? Any ETA?", day="11-11",
      at="20:25"),
    M("fr", "o", "{@} Y'a une équipe de la Ville qui creuse au coin des Érables et de la 3e, ça a l'air gros "
      "comme bris 😬", day="11-11", at="22:35"),
    # ---- CRISIS DAY ------------------------------------------------------------------------
    M("en", "r", "{@} I heard the north end schools are closing tomorrow because of the water. Is that true??",
      day=CRISIS_DAY, at="07:32", by="sarah", key="xG1"),
    M("en", "o", "My kid's school sent an email saying they're OPEN with bottled water. Don't panic people",
      re="xG1", by="kate", key="xG2"),
    M("en", "r", "ok but a screenshot on FB says all schools closed Friday. Which one is it {@}?", re="xG2",
      by="sarah", key="xG3"),
    M("en", "o", "that screenshot is from 2019, look at the date in the corner 🙄", re="xG3", by="doug",
      key="xG4"),
    M("en", "p", "thank you Doug. Everyone please check the school board's page before sharing stuff",
      re="xG4", by="aisha", key="xG5"),
    M("fr", "r", "{@} L'eau est contaminée à l'E. coli??? Ma voisine dit que oui. On fait quoi avec les bébés?",
      day=CRISIS_DAY),
    M("fr", "q", "{@} Faut faire bouillir combien de temps? 1 min? 10 min? Les infos se contredisent",
      day=CRISIS_DAY),
    M("en", "q", "{@} does the advisory apply south of Principale? I'm on rue Laval near the church",
      day=CRISIS_DAY),
    M("fr", "c", "{@} Avis publié à 5 h 45, aucune alerte sur mon cell. J'ai fait le café avec l'eau du robinet. "
      "Bravo 👏👏", day=CRISIS_DAY, at="08:20"),
    M("en", "r", "{@} a screenshot says don't shower until the advisory is lifted. Real or fake? I have work",
      day=CRISIS_DAY),
    M("fr", "r", "{@} Il paraît que c'est l'usine qui a contaminé l'eau. Quelqu'un peut confirmer?? #avisébullition",
      day=CRISIS_DAY),
    M("fr", "q", "Peut-on prendre une douche? Et laver les légumes avec l'eau du robinet?", re="city:avis"),
    M("en", "c", "{@} IGA on 3e Avenue is out of bottled water already. Where are we supposed to get some?",
      day=CRISIS_DAY, at="09:40"),
    M("fr", "c", "{@} \u001b[2J Les gens paniquent pis le site de la Ville est en panne. On fait quoi?",
      day=CRISIS_DAY, at="08:05"),
    M("en", "q", "{@} Can I use the tap water for my baby's formula if I boil it, or should I use bottled "
      "only?", day=CRISIS_DAY),
    M("fr", "r", "{@} [/ ALERTE ] on dit que l'eau va être coupée une semaine complète dans tout le secteur Nord. "
      "C'est vrai?", day=CRISIS_DAY),
    M("fr", "s", "{@} Avis citoyens : liste officielle des rues touchées ici [link=http://evil.example]mairie[/link]",
      day=CRISIS_DAY, by="fakeinfo"),
    M("en", "p", "{@} Big respect to the crews who've been out there since last night in -8°C. Thank you 💙 "
      "#boilwater", day=CRISIS_DAY),
    M("fr", "q", "Les garderies sont-elles ouvertes? Le CPE des Petits Castors a rien envoyé", re="city:avis_maj"),
    M("fr", "c", "{@} Fermer la distribution d'eau à 19 h quand les gens finissent à 18 h 30 à Gatineau, c'est "
      "pas sérieux", day=CRISIS_DAY, at="16:40"),
    # ---- Nov 13 - Nov 16 -------------------------------------------------------------------
    M("fr", "q", "{@} L'avis d'ébullition est-il toujours en vigueur ce matin? Rien sur le site depuis hier",
      day="11-13", at="07:05"),
    M("en", "q", "{@} any update on the test results? day 2 of boiling everything", day="11-13"),
    M("fr", "c", "{@} Encore un bris dans le secteur Nord. 4e en 5 ans. Le PTI, on en parle quand?",
      day="11-13"),
    M("fr", "p", "Enfin! Merci aux équipes 🙏", re="city:avis_leve"),
    M("en", "q", "Do we need to run the taps before drinking now? For how long?", re="city:avis_leve"),
    M("fr", "c", "{@} Constat d'infraction la première nuit du stationnement d'hiver, sans neige. Vraiment?",
      day="11-15"),
    M("en", "c", "{@} 87 tickets on the first night of the parking ban? That's not enforcement, that's a cash "
      "grab.", day="11-15"),
    M("fr", "r", "{@} On dit que le défilé de Noël est annulé. Vrai?? 🎅", day="11-16"),
    M("en", "r", "{@} I heard the Route 117 bridge closes all December for repairs, can you confirm?",
      day="11-16"),
    M("fr", "q", "{@} La patinoire extérieure du parc des Ormes ouvre quand? Les enfants ont déjà les patins "
      "aux pieds ⛸️", day="11-16"),
    # ---- any day ---------------------------------------------------------------------------
    M("fr", "c", "{@} Encore un lampadaire brûlé sur la rue des Pins. Ça fait 3 semaines. #Belleville"),
    M("en", "c", "{@} the noise from the new bar on Principale every Friday till 3am is unbearable. Bylaw?"),
    M("fr", "q", "{@} Faut-il un permis pour une clôture de 1,2 m en cour arrière?"),
    M("en", "q", "{@} what day is garbage pickup on Maple Crescent now? the schedule changed and nobody told us"),
    M("fr", "p", "{@} Le personnel de la bibliothèque est tellement gentil avec les enfants. Merci! 📚"),
    M("fr", "s", "{@} 💸 PRÊT RAPIDE 500 $ à 3000 $ sans enquête de crédit!! Argent dans votre compte en 1 h ➡️ "
      "https://pretrapide-qc.example", by="pretqc"),
    M("en", "s", "{@} 🚀🚀 BITCOIN is going to 500K!! Join my crypto signals group, 10x guaranteed "
      "https://cryptoking.example/vip", by="cryptoking"),
    M("en", "s", "{@} Want more followers? 🔥 Get 10k real followers today, 50% off! DM us", by="boost"),
    M("en", "s", "{@} 🎰🎰 Casino Luck 777: 200 free spins, no deposit!! https://casinoluck777.example",
      by="casino"),
    M("fr", "s", "{@} Les meilleurs deals du Black Friday sont ici 🛍️ jusqu'à -80 % https://deals247.example",
      by="deals"),
    M("fr", "o", "{@} Qui d'autre trouve que le nouveau logo de la Ville ressemble à une feuille de laitue? 🥬"),
    M("en", "o", "{@} the geese on the river this morning were absolutely unhinged 🪿"),
    M("fr", "q", "{@} Est-ce que la piscine Laurier est ouverte les jours de congé scolaire?"),
    M("fr", "c", "{@} Les chiens sans laisse au parc Riverain, c'est tous les jours. Personne fait respecter le "
      "règlement."),
    M("en", "q", "{@} Hey, how do I get a parking permit for my street? Just moved to the Vieux-Belleville"),
    M("fr", "q", "{@} Bonjour, quand est-ce qu'on reçoit le compte de taxes 2027? Janvier ou février?"),
    M("fr", "c", "{@} Ça fait 2 semaines que la fontaine du parc coule en continu. Gaspillage d'eau!"),
    M("en", "p", "{@} kudos to whoever runs the library's seed library, got my garlic bulbs for next year 🧄"),
    M("fr", "r", "{@} Il paraît que la piscine ferme 2 ans. Si c'est vrai c'est un scandale"),
    M("en", "r", "{@} apparently the city is selling the old fire station to a condo developer? any truth to "
      "that?"),
    M("fr", "q", "{@} L'horaire du hockey libre à l'aréna pour les adultes, c'est où? 🏒"),
    M("fr", "c", "{@} Stationnement de l'hôtel de ville plein à 8 h tous les matins, impossible d'aller au "
      "comptoir"),
    M("en", "c", "{@} bus 7 driver blew right past 3 of us at the Wellington stop. in the rain. cool cool"),
    M("fr", "o", "{@} 👨‍👩‍👧‍👦 Belle sortie en famille au sentier de la rivière aujourd'hui. On est chanceux "
      "d'avoir ça"),
    M("fr", "q", "{@} Bonjour, y a-t-il des cours de français pour nouveaux arrivants à la bibliothèque? "
      "Merci 🙏", by="aisha"),
    M("en", "o", "{@} Read the \u2066@VilleBelleville\u2069 budget survey, question 12 is basically \"do you "
      "like taxes y/n\" 😂"),
    M("fr", "c", "{@} Le feu de circulation Principale/Notre-Dame est encore déréglé. Quelqu'un va se faire "
      "frapper"),
    M("en", "q", "{@} can I put pizza boxes in recycling or compost? getting mixed answers"),
    M("fr", "o", "{@} 🤔", tag_lang="und"),
    M("en", "p", "{@} The new online permit portal is actually great. Fence permit approved in 3 days. Well "
      "done!"),
    M("fr", "q", "{@} C'est où le dépôt pour les vieux appareils électroniques? J'ai 2 écrans pis une "
      "imprimante"),
    M("en", "q", "{@} Is there an English version of the budget survey? Asking for my parents"),
    M("fr", "c", "{@} Les camions de l'usine passent dans la rue résidentielle à 5 h du matin, ça brasse toute "
      "la maison"),
    M("fr", "o", "{@} Bonne fête à notre brigadière scolaire Mme Lise qui prend sa retraite après 31 ans 🎉"),
    M("en", "q", "{@} Are the outdoor rinks getting lights this year? It's dark by 4:30 and the kids want to skate "
      "after school"),
    M("en", "c", "{@} Why does the 311 line close at 4pm? Some of us work. Left a voicemail 3 days ago, nothing."),
    M("fr", "q", "{@} La collecte des feuilles est-tu prolongée? Y'en a encore plein dans les arbres 🍂", day="10-30"),
    M("en", "p", "{@} honestly, getting replies from this account in both languages is appreciated. Small thing, "
      "big difference 🙏"),
    M("fr", "c", "{@} Le débarcadère de l'école Saint-Joseph est un vrai chaos le matin, des chars stationnés en "
      "double partout. Un jour quelqu'un va se faire frapper."),
    M("en", "r", "{@} is it true you need a permit now to put up Christmas lights?? someone on reddit said so lol"),
]


# =============================================================================================
# CONTENT — news (RSS 2.0: Le Courrier de Belleville, fr-CA; Atom: Google-Alerts-like, en)
# =============================================================================================

# (day, local time, author, category, slug, title, [paragraphs])
RSS_ITEMS = [
    ("10-26", "06:30", "Sylvie Lemieux", "Actualités", "grands-vents-pannes",
     "Grands vents : plus de 2 000 foyers privés d'électricité samedi à Belleville-sur-Rivière",
     ["Des rafales de 90 km/h ont arraché des arbres et des fils électriques samedi après-midi, surtout dans "
      "les secteurs Est et Nord.", "Les cols bleus ont ramassé les branches pendant tout le week-end."]),
    ("10-27", "07:00", "Marc-André Pelletier", "Environnement", "derniere-collecte-feuilles",
     "Dernière collecte de feuilles : seuls les sacs de papier sont acceptés",
     ["La Ville rappelle que les sacs de plastique, même transparents, ne sont plus ramassés depuis 2025.",
      "Les résidents peuvent aussi apporter leurs feuilles à l'écocentre jusqu'au 28 novembre."]),
    ("10-28", "12:15", "Julie Desrosiers", "Économie", "papiers-riviere-inquietude",
     "Papiers Rivière : les rumeurs de fermeture inquiètent les travailleurs",
     ["Depuis plusieurs jours, des messages sur les réseaux sociaux annoncent la fermeture de l'usine en "
      "janvier.", "Ni la direction ni le syndicat n'avaient commenté au moment de mettre en ligne."]),
    ("10-29", "06:45", "Julie Desrosiers", "Économie", "papiers-riviere-dement",
     "La direction de Papiers Rivière dément toute fermeture, mais confirme 35 postes abolis",
     ["« L'usine ne ferme pas », a déclaré le directeur général, Luc Ferland, en entrevue au Courrier.",
      "Une réorganisation touchera toutefois 35 postes d'ici le printemps, surtout dans l'administration."]),
    ("10-30", "09:00", "Sylvie Lemieux", "Vie locale", "halloween-conseils",
     "Halloween : la Ville recommande la cueillette des bonbons entre 16 h et 20 h",
     ["Les parents sont invités à munir les enfants de bandes réfléchissantes.",
      "Une patrouille supplémentaire circulera dans le Vieux-Belleville."]),
    ("11-02", "16:30", "Marc-André Pelletier", "Sports & loisirs", "piscine-laurier-horaire",
     "Piscine Laurier : nouvel horaire de bain libre, des familles déçues",
     ["Le bain libre familial du samedi après-midi est déplacé au dimanche matin pour faire place au club de "
      "natation.", "Le bain libre du vendredi soir est rétabli."]),
    ("11-03", "07:00", "Julie Desrosiers", "Politique municipale", "conseil-ordre-du-jour",
     "Conseil municipal : ordre du jour chargé & piste cyclable Notre-Dame au menu",
     ["Les élus doivent notamment octroyer le contrat de déneigement et discuter du réseau cyclable.",
      "La séance débute à 19 h à l'hôtel de ville."]),
    ("11-04", "06:00", "Julie Desrosiers", "Politique municipale", "contrat-deneigement",
     "Déneigement : un contrat de 4,2 M$ octroyé à Excavations Rivard pour cinq ans",
     ["Le contrat a été adopté à six voix contre deux mardi soir.",
      "La conseillère Marie Tremblay a voté contre, déplorant l'absence de clauses sur les trottoirs."]),
    ("11-04", "11:20", "Marc-André Pelletier", "Politique municipale", "piste-cyclable-reportee",
     "Piste cyclable sur Notre-Dame : le dossier reporté en décembre",
     ["Le conseil attend une étude de circulation supplémentaire.", "Vélo Belleville se dit « déçu mais pas "
      "surpris »."]),
    ("11-05", "10:45", "Sylvie Lemieux", "Actualités", "premiere-bordee",
     "Première bordée : 17 cm au sol et des rues secondaires oubliées, selon des résidents",
     ["Plusieurs citoyens du secteur Ouest affirment que leur rue n'avait toujours pas été déneigée mercredi "
      "matin.", "La Ville assure que toutes les rues seront dégagées d'ici jeudi."]),
    ("11-06", "15:00", "Sylvie Lemieux", "Actualités", "trottoirs-glaces",
     "Trottoirs glacés : la Ville promet d'ajouter de l'abrasif dans le Vieux-Belleville",
     ["Des aînés disent rester chez eux par peur de tomber.", "Une équipe supplémentaire sera affectée aux "
      "trottoirs jusqu'à la fin de semaine."]),
    ("11-07", "13:30", "Julie Desrosiers", "Politique municipale", "hausse-taxes-rumeur",
     "Hausse de taxes de 12 % ? La mairesse qualifie la rumeur de « pure invention »",
     ["« Le budget n'est même pas encore rédigé », a rappelé la mairesse Hélène Paquette.",
      "Le chiffre circulait sur une publication partagée plus de 2 000 fois."]),
    ("11-09", "08:00", "Marc-André Pelletier", "Vie locale", "stationnement-nuit",
     "Stationnement de nuit interdit dès le 15 novembre : ce qu'il faut savoir",
     ["L'interdiction s'applique de minuit à 7 h, jusqu'au 1er avril.",
      "Le stationnement de l'aréna Jean-Béliveau reste accessible la nuit."]),
    ("11-10", "09:30", "Julie Desrosiers", "Politique municipale", "sondage-budget-2027",
     "Budget 2027 : la Ville lance un sondage en ligne jusqu'au 30 novembre",
     ["Un atelier public aura aussi lieu le 19 novembre à la bibliothèque Gabrielle-Roy."]),
    ("11-11", "14:00", "Sylvie Lemieux", "Vie locale", "jour-du-souvenir",
     "Jour du Souvenir : une centaine de personnes réunies au parc des Vétérans",
     ["Les cadets de l'escadron 712 ont formé la garde d'honneur."]),
    ("11-11", "22:30", "Marc-André Pelletier", "Actualités", "bris-aqueduc-erables",
     "Bris d'aqueduc sur la rue des Érables : des centaines de résidences sans eau",
     ["Une conduite principale a cédé vers 19 h 40 au coin de la 3e Avenue.",
      "Les équipes des travaux publics étaient toujours sur place en fin de soirée."]),
    ("11-12", "06:30", "Julie Desrosiers", "Actualités", "avis-ebullition-secteur-nord",
     "Avis d'ébullition préventif : <b>4 200 résidences</b> touchées dans le secteur Nord & écoles ouvertes",
     ["La Ville a émis à 5 h 45 un avis d'ébullition préventif pour tout le secteur situé au nord de la rue "
      "Principale.", "Il faut faire bouillir l'eau au moins une minute avant de la boire. Les écoles restent "
      "ouvertes et fourniront de l'eau embouteillée."]),
    ("11-12", "11:00", "Julie Desrosiers", "Actualités", "pas-de-e-coli",
     "Non, l'eau de Belleville n'est pas contaminée à l'E. coli, précise la Santé publique",
     ["L'avis est préventif : il découle de la perte de pression dans le réseau, pas d'une contamination "
      "détectée.", "Les résultats d'analyse sont attendus d'ici 48 heures. Aucun cas lié à l'eau n'a été "
      "signalé à l'hôpital."]),
    ("11-12", "15:00", "Sylvie Lemieux", "Actualités", "distribution-eau-arena",
     "Avis d'ébullition : un point de distribution d'eau ouvert à l'aréna Jean-Béliveau",
     ["La distribution a lieu de 16 h à 19 h. Une preuve d'adresse n'est pas exigée.",
      "La Ville étudie la possibilité de prolonger les heures vendredi."]),
    ("11-12", "18:20", "Marc-André Pelletier", "Économie", "commercants-nord",
     "Les commerçants du secteur Nord s'adaptent à l'avis d'ébullition",
     ["Cafés et restaurants ont sorti les bouilloires et l'eau embouteillée; certains ont fermé plus tôt."]),
    ("11-13", "07:15", "Julie Desrosiers", "Actualités", "resultats-attendus",
     "Avis d'ébullition : les résultats des analyses attendus samedi",
     ["Deux séries d'échantillons négatifs sont nécessaires avant la levée de l'avis."]),
    ("11-13", "16:45", "Julie Desrosiers", "Politique municipale", "alerte-texto",
     "Alerte tardive : des citoyens réclament un système de notification par texto",
     ["Plusieurs résidents disent avoir appris l'avis en milieu de matinée.",
      "Le Comité citoyen du secteur Nord a déposé une lettre ouverte au conseil."]),
    ("11-14", "15:40", "Sylvie Lemieux", "Actualités", "avis-leve",
     "L'avis d'ébullition est levé dans le secteur Nord",
     ["Les analyses n'ont révélé aucune contamination. La Ville recommande de laisser couler l'eau froide "
      "quelques minutes."]),
    ("11-15", "12:00", "Marc-André Pelletier", "Vie locale", "constats-stationnement",
     "Stationnement de nuit : 87 constats d'infraction dès la première nuit",
     ["Des automobilistes dénoncent une application « sans avertissement » alors qu'il ne neigeait pas."]),
    ("11-16", "06:30", "Julie Desrosiers", "Politique municipale", "conduites-vieillissantes",
     "Conduites d'aqueduc : 30 % du réseau a plus de 60 ans, révèle un rapport",
     ["Le rapport de 2024, obtenu par le Courrier, recommandait de remplacer en priorité les conduites de la "
      "rue des Érables."]),
    ("11-16", "13:10", "Sylvie Lemieux", "Vie locale", "defile-noel",
     "Défilé de Noël : l'événement aura bien lieu le 5 décembre",
     ["La rumeur d'une annulation pour des raisons budgétaires est fausse, confirme le service des loisirs."]),
]

# (day, local time, outlet, domain, path, title (HTML), snippet (HTML))
ATOM_ENTRIES = [
    ("10-26", "11:04", "Valley Ledger", "valleyledger.example", "2026/10/26/windstorm-outages",
     "Windstorm knocks out power to thousands in <b>Belleville-sur-Rivière</b>",
     "Gusts of up to 90 km/h toppled trees in <b>Belleville-sur-Rivière</b> on Saturday, leaving more than "
     "2,000 homes without power ..."),
    ("10-28", "16:20", "Riverside Weekly", "riversideweekly.example", "news/mill-job-fears",
     "Paper mill job fears grow in <b>Belleville-sur-Rivière</b>",
     "Workers at Papiers Rivière say rumours of a January closure have spread faster than any official word "
     "..."),
    ("10-29", "10:02", "Valley Ledger", "valleyledger.example", "2026/10/29/mill-denies-closure",
     "Papiers Rivière denies closure rumours, confirms 35 job cuts",
     "The largest private employer in <b>Belleville-sur-Rivière</b> says the mill will stay open but 35 "
     "positions will be cut by spring ..."),
    ("10-31", "08:30", "Ottawa Valley Today", "ovtoday.example", "local/halloween-safety",
     "Halloween safety tips from <b>Belleville-sur-Rivière</b> and neighbouring towns",
     "Police recommend trick-or-treating between 4 and 8 p.m. and reflective gear for children ..."),
    ("11-01", "09:15", "The Laurentian Traveller", "laurentiantraveller.example", "weekends/belleville",
     "A slow weekend in <b>Belleville-sur-Rivière</b>, Quebec",
     "River trails, a century-old bakery and a library named after Gabrielle Roy: this small bilingual town "
     "..."),
    ("11-04", "07:40", "Riverside Weekly", "riversideweekly.example", "news/council-bike-lanes-delayed",
     "<b>Belleville-sur-Rivière</b> council delays bike lane decision again",
     "Council voted Tuesday to wait for another traffic study before approving the Notre-Dame bike lane ..."),
    ("11-05", "12:30", "Valley Ledger", "valleyledger.example", "2026/11/05/first-snowfall",
     "First snowfall of the season blankets western Quebec towns",
     "Up to 17 cm fell overnight in <b>Belleville-sur-Rivière</b>, where residents complained side streets "
     "were left unplowed ..."),
    ("11-06", "09:50", "Ottawa Valley Today", "ovtoday.example", "local/snow-contract",
     "<b>Belleville-sur-Rivière</b> awards $4.2M snow removal contract",
     "The five-year contract went to Excavations Rivard; one councillor objected to the lack of sidewalk "
     "clauses ..."),
    ("11-09", "14:00", "Riverside Weekly", "riversideweekly.example", "news/overnight-parking-ban",
     "Overnight parking ban returns Nov. 15 in <b>Belleville-sur-Rivière</b>",
     "Street parking is prohibited from midnight to 7 a.m. until April 1 ..."),
    ("11-10", "17:25", "Valley Ledger", "valleyledger.example", "2026/11/10/arena-rumours",
     "Minor hockey parents worried by arena sale rumours",
     "The city of <b>Belleville-sur-Rivière</b> says there is \"no plan whatsoever\" to sell the Jean-Béliveau "
     "arena ..."),
    ("11-12", "07:55", "Valley Ledger", "valleyledger.example", "2026/11/12/boil-water-advisory",
     "Boil-water advisory issued for north end of <b>Belleville-sur-Rivière</b> after main break",
     "About 4,200 homes are affected by the precautionary advisory issued at 5:45 a.m. Thursday ..."),
    ("11-12", "12:40", "Ottawa Valley Today", "ovtoday.example", "local/no-e-coli",
     "No sign of E. coli in <b>Belleville-sur-Rivière</b> water, health officials say",
     "Public health officials stress the advisory is precautionary and follows a loss of pressure ..."),
    ("11-12", "16:05", "Riverside Weekly", "riversideweekly.example", "news/fact-check-shower-screenshot",
     "Fact check: viral screenshot telling <b>Belleville</b> residents not to shower is fake",
     "The image, shared thousands of times, imitates the city's logo; showering is safe if you do not "
     "swallow the water ..."),
    ("11-13", "11:10", "Valley Ledger", "valleyledger.example", "2026/11/13/late-alert",
     "Residents question late alert in <b>Belleville-sur-Rivière</b> boil-water advisory",
     "Many north-end residents say they only learned of the advisory mid-morning ..."),
    ("11-14", "16:30", "Ottawa Valley Today", "ovtoday.example", "local/advisory-lifted",
     "Boil-water advisory lifted in <b>Belleville-sur-Rivière</b>",
     "Two rounds of negative samples allowed the city to lift the advisory Saturday afternoon ..."),
    ("11-15", "10:00", "Valley Ledger", "valleyledger.example", "2026/11/15/aging-pipes",
     "Aging water pipes a growing concern for Quebec municipalities",
     "The break in <b>Belleville-sur-Rivière</b> this week is the latest in a series across the province ..."),
    ("11-16", "13:45", "Riverside Weekly", "riversideweekly.example", "news/budget-survey-record",
     "<b>Belleville-sur-Rivière</b> budget survey draws record participation",
     "More than 1,900 residents have answered the online survey, six times last year's total ..."),
]


# fmt: on


# =============================================================================================
# Builders
# =============================================================================================


def people_table(raw: dict, fields: tuple[str, ...]) -> dict[str, dict]:
    out = {}
    for key, values in raw.items():
        p = dict(zip(fields, values, strict=True))
        p["langs"] = p["langs"].split()
        out[key] = p
    return out


def resolve_persona_mentions(text: str, handle_of) -> str:
    return re.sub(r"\{@(\w+)\}", lambda m: "@" + handle_of(m.group(1)), text)


# ---- Mastodon --------------------------------------------------------------------------------


def mastodon_account(p: dict) -> dict:
    created = datetime(RNG.randint(2017, 2025), RNG.randint(1, 12), RNG.randint(1, 28), tzinfo=UTC)
    acct_id = str(mastodon_id(created))
    host = p["domain"] or MASTODON_HOST
    remote = p["domain"] is not None
    url = f"https://{host}/@{p['username']}"
    if p["key"] == "jb":
        url = f"https://{host}/users/{p['username']}"
    local_media = f"https://{MASTODON_HOST}/system/accounts/avatars/{acct_id[:3]}/{acct_id[3:6]}/{acct_id[6:9]}"
    avatar = (
        (
            f"https://{MASTODON_HOST}/system/cache/accounts/avatars/{acct_id[:3]}/{acct_id[3:6]}/original/"
            f"{rand_str('0123456789abcdef', 16)}.png"
        )
        if remote
        else f"{local_media}/original/{rand_str('0123456789abcdef', 16)}.png"
    )
    bot = p["role"] == "spam" and RNG.random() < 0.3
    return {
        "id": acct_id,
        "username": p["username"],
        "acct": f"{p['username']}@{p['domain']}" if remote else p["username"],
        "display_name": p["display"],
        "locked": False,
        "bot": bot,
        "discoverable": p["role"] != "spam",
        "indexable": p["role"] in ("official", "press"),
        "group": False,
        "created_at": iso(created),
        "note": p.get("note", ""),
        "url": url,
        "uri": f"https://{host}/users/{p['username']}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": f"https://{MASTODON_HOST}/headers/original/missing.png",
        "header_static": f"https://{MASTODON_HOST}/headers/original/missing.png",
        "followers_count": RNG.randint(0, 40) if p["role"] == "spam" else RNG.randint(12, 900),
        "following_count": RNG.randint(5, 4000) if p["role"] == "spam" else RNG.randint(20, 600),
        "statuses_count": RNG.randint(3, 9000),
        "last_status_at": None,  # filled in at the end
        "emojis": [],
        "fields": [],
    }


MASTO_TOKEN_RE = re.compile(
    rf"(?P<url>{URL_RE})"
    r"|(?P<mention>(?<![\w/@])@[A-Za-z0-9_]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
    r"|(?P<tag>(?<![\w/&#])#[^\W\d_]\w*)"
)


def html_text(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;").replace("'", "&#39;")


def mastodon_html(text: str, accounts_by_acct: dict[str, dict]) -> tuple[str, list, list]:
    """Render plain text like Mastodon does: <p> paragraphs, h-card mentions, hashtag and link anchors."""
    mentions, tags = [], []
    paragraphs = []
    for para in text.split("\n\n"):
        out, pos = [], 0
        for m in MASTO_TOKEN_RE.finditer(para):
            out.append(html_text(para[pos : m.start()]))
            tok = m.group(0)
            if m.group("url"):
                scheme, rest = tok.split("://", 1)
                shown, hidden = rest[:30], rest[30:]
                out.append(
                    f'<a href="{html_text(tok)}" target="_blank" rel="nofollow noopener" translate="no">'
                    f'<span class="invisible">{scheme}://</span>'
                    f'<span class="{"ellipsis" if hidden else ""}">{html_text(shown)}</span>'
                    f'<span class="invisible">{html_text(hidden)}</span></a>'
                )
            elif m.group("mention"):
                acct = tok[1:]
                acc = accounts_by_acct.get(acct)
                if acc is None:
                    out.append(html_text(tok))
                else:
                    out.append(
                        f'<span class="h-card" translate="no"><a href="{acc["url"]}" class="u-url mention">'
                        f"@<span>{html_text(acc['username'])}</span></a></span>"
                    )
                    if all(x["id"] != acc["id"] for x in mentions):
                        mentions.append(
                            {
                                "id": acc["id"],
                                "username": acc["username"],
                                "url": acc["url"],
                                "acct": acc["acct"],
                            }
                        )
            else:
                name = tok[1:]
                url = f"https://{MASTODON_HOST}/tags/{name.lower()}"
                out.append(
                    f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{html_text(name)}</span></a>'
                )
                if all(t["name"] != name.lower() for t in tags):
                    tags.append({"name": name.lower(), "url": url})
            pos = m.end()
        out.append(html_text(para[pos:]))
        paragraphs.append("<p>" + "".join(out).replace("\n", "<br />") + "</p>")
    return "".join(paragraphs), mentions, tags


def build_mastodon() -> dict:
    people = people_table(MASTODON_PEOPLE_RAW, ("username", "domain", "display", "langs", "role"))
    for k, p in people.items():
        p["key"] = k
    city_p = {
        "key": "city",
        "username": "villebelleville",
        "domain": None,
        "role": "official",
        "langs": ["fr", "en"],
        "display": "Ville de Belleville-sur-Rivière",
        "note": "<p>Compte officiel de la Ville de Belleville-sur-Rivière. Official account of the City of "
        "Belleville-sur-Rivière. Urgences : 911. Requêtes : 311.</p>",
    }
    city = mastodon_account(city_p)
    city.update(locked=False, followers_count=6843, following_count=112, statuses_count=2291)
    city["fields"] = [
        {
            "name": "Site web",
            "value": f'<a href="{CITY_SITE}" rel="nofollow noopener me">www.belleville.example</a>',
            "verified_at": "2024-03-02T15:11:40.000+00:00",
        }
    ]
    accounts = {k: mastodon_account(p) for k, p in people.items()}
    by_acct = {a["acct"]: a for a in accounts.values()}
    by_acct[city["acct"]] = city

    # the city's own statuses (targets of replies, favourites and reblogs)
    city_status = {}
    for key, (_d, _t, text) in CITY_POSTS.items():
        dt = CITY_TIMES[key]
        sid = str(mastodon_id(dt))
        content, mentions, tags = mastodon_html(text, by_acct)
        city_status[key] = {
            "id": sid,
            "dt": dt,
            "account": city,
            "content": content,
            "mentions": mentions,
            "tags": tags,
            "lang": "fr",
            "text": text,
        }

    items = [dict(it) for it in MASTODON]
    schedule(items, CITY_TIMES)
    statuses: dict[str, dict] = {}
    notifications = []
    reply_counts: dict[str, int] = {}
    for it in items:
        parent = None
        if it.get("re"):
            parent = (
                city_status[it["re"][5:]] if it["re"].startswith("city:") else statuses[it["re"]]
            )
        author_key = pick_author(
            it, people, avoid=parent["author_key"] if parent and "author_key" in parent else None
        )
        acc = accounts[author_key]
        text = it["text"]
        if text == "LONG_LETTER":
            text = long_letter()
        text = resolve_persona_mentions(
            text.replace("{@}", "@villebelleville"), lambda k: accounts[k]["acct"]
        )
        if parent is not None:
            prefix = []
            if parent["account"] is not city:
                prefix.append("@" + parent["account"]["acct"])
            if "@villebelleville" not in text:
                prefix.append("@villebelleville")
            text = " ".join(prefix + [text])
        content, mentions, tags = mastodon_html(text, by_acct)
        assert any(x["acct"] == "villebelleville" for x in mentions), text
        dt = it["dt"]
        sid = str(mastodon_id(dt))
        remote = "@" in acc["acct"]
        host = acc["acct"].split("@")[1] if remote else MASTODON_HOST
        if author_key == "jb":
            uri = url = (
                f"https://{host}/objects/{rand_str('0123456789abcdef', 8)}-{rand_str('0123456789abcdef', 4)}-"
                f"{rand_str('0123456789abcdef', 4)}-{rand_str('0123456789abcdef', 4)}-{rand_str('0123456789abcdef', 12)}"
            )
        elif remote:
            rid = str(mastodon_id(dt))
            uri = f"https://{host}/users/{acc['username']}/statuses/{rid}"
            url = f"https://{host}/@{acc['username']}/{rid}"
        else:
            uri = f"https://{host}/users/{acc['username']}/statuses/{sid}"
            url = f"https://{host}/@{acc['username']}/{sid}"
        lang = it.get("tag_lang", it["lang"])
        status = {
            "id": sid,
            "created_at": iso(dt),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "sensitive": bool(it.get("cw")),
            "spoiler_text": it.get("cw", ""),
            "visibility": it.get("vis", "public"),
            "language": lang,
            "uri": uri,
            "url": url,
            "replies_count": 0,
            "reblogs_count": 0 if it["kind"] == "s" else RNG.choice([0, 0, 0, 0, 1, 2, 5]),
            "favourites_count": 0
            if it["kind"] == "s"
            else RNG.choice([0, 0, 1, 1, 2, 3, 4, 8, 15]),
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": content,
            "filtered": [],
            "reblog": None,
            "application": None
            if remote
            else RNG.choice(
                [
                    {"name": "Web", "website": None},
                    {"name": "Tusky", "website": "https://tusky.app"},
                    {"name": "Ivory for iOS", "website": "https://tapbots.com/ivory/"},
                    {"name": "Mona for Mastodon", "website": None},
                ]
            ),
            "account": acc,
            "media_attachments": [],
            "mentions": mentions,
            "tags": tags,
            "emojis": [],
            "card": None,
            "poll": None,
        }
        if status["application"] is None:
            del status["application"]
        if parent:
            reply_counts[parent["id"]] = reply_counts.get(parent["id"], 0) + 1
        rec = {"id": sid, "account": acc, "author_key": author_key, "status": status}
        if it.get("key"):
            statuses[it["key"]] = rec
        notifications.append(
            ("mention", dt + timedelta(milliseconds=RNG.randint(40, 2500)), acc, status)
        )

    # notifications that are not mentions (importers must skip them)
    others = [
        ("favourite", "feuilles", "kevin"),
        ("reblog", "feuilles", "lucie"),
        ("follow", "halloween", "priya"),
        ("favourite", "conseil", "hannah"),
        ("follow", "neige", "sam"),
        ("reblog", "stationnement", "david"),
        ("favourite", "avis", "denis"),
        ("reblog", "avis", "marie"),
        ("follow", "avis", "lea"),
        ("reblog", "avis_maj", "comite"),
        ("favourite", "avis_leve", "karine"),
    ]
    for ntype, post_key, who in others:
        dt = CITY_TIMES[post_key] + timedelta(
            minutes=RNG.randint(3, 300), seconds=RNG.randrange(60), milliseconds=RNG.randrange(1000)
        )
        cs = city_status[post_key]
        status = None
        if ntype != "follow":
            status = {
                "id": cs["id"],
                "created_at": iso(cs["dt"]),
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": "public",
                "language": "fr",
                "uri": f"https://{MASTODON_HOST}/users/villebelleville/statuses/{cs['id']}",
                "url": f"https://{MASTODON_HOST}/@villebelleville/{cs['id']}",
                "replies_count": 0,
                "reblogs_count": RNG.randint(3, 60),
                "favourites_count": RNG.randint(5, 120),
                "edited_at": None,
                "favourited": False,
                "reblogged": False,
                "muted": False,
                "bookmarked": False,
                "content": cs["content"],
                "filtered": [],
                "reblog": None,
                "application": {"name": "Web", "website": None},
                "account": city,
                "media_attachments": [],
                "mentions": cs["mentions"],
                "tags": cs["tags"],
                "emojis": [],
                "card": None,
                "poll": None,
            }
        notifications.append((ntype, dt, accounts[who], status))

    for _t, _dt, _a, status in notifications:
        if status is not None and status["id"] in reply_counts and status["account"] is not city:
            status["replies_count"] = reply_counts[status["id"]]
    last_seen: dict[str, str] = {}
    for _t, dt, acc, status in notifications:
        if status is not None and status["account"] is acc:
            last_seen[acc["id"]] = max(last_seen.get(acc["id"], ""), dt.strftime("%Y-%m-%d"))
    for acc in list(accounts.values()) + [city]:
        acc["last_status_at"] = last_seen.get(
            acc["id"], "2026-11-16" if acc is city else "2026-10-2" + str(RNG.randint(0, 5))
        )

    notifications.sort(key=lambda n: n[1])
    nid = 88_412
    out = []
    for ntype, dt, acc, status in notifications:
        nid += RNG.randint(1, 37)
        n = {
            "id": str(nid),
            "type": ntype,
            "created_at": iso(dt),
            "group_key": f"ungrouped-{nid}",
            "account": acc,
        }
        if status is not None:
            n["status"] = status
        out.append(n)
    out.reverse()  # the API lists newest first
    page1, page2 = out[:64], out[64:]
    write_json("mastodon_notifications_page1.json", page1)
    write_json("mastodon_notifications_page2.json", page2)
    return {"items": items, "notifications": out}


# ---- Bluesky ---------------------------------------------------------------------------------

BSKY_TOKEN_RE = re.compile(
    rf"(?P<url>{URL_RE})"
    r"|(?P<mention>(?<![\w@])@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)"
    r"|(?P<tag>(?<![\w/&#])#[^\W\d_]\w*)"
)


def bsky_facets(text: str, did_of_handle: dict[str, str]) -> list[dict]:
    facets = []
    for m in BSKY_TOKEN_RE.finditer(text):
        start = len(text[: m.start()].encode("utf-8"))
        end = len(text[: m.end()].encode("utf-8"))
        if m.group("url"):
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": m.group(0)}
        elif m.group("mention"):
            did = did_of_handle.get(m.group(0)[1:])
            if did is None:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        else:
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": m.group(0)[1:]}
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": end},
                "features": [feature],
            }
        )
    return facets


def new_did() -> str:
    return "did:plc:" + rand_str(B32_LOWER, 24)


def build_bluesky() -> dict:
    people = people_table(BLUESKY_PEOPLE_RAW, ("handle", "display", "langs", "role"))
    city_did = new_did()
    for p in people.values():
        p["did"] = new_did()
        p["created"] = datetime(
            RNG.randint(2023, 2025),
            RNG.randint(1, 12),
            RNG.randint(1, 28),
            RNG.randrange(24),
            RNG.randrange(60),
            RNG.randrange(60),
            RNG.randrange(1000) * 1000,
            tzinfo=UTC,
        )
        p["avatar_cid"] = cid_of({"avatar": p["handle"]}).replace("bafyrei", "bafkrei")
    did_of = {p["handle"]: p["did"] for p in people.values()}
    did_of["villebelleville.bsky.social"] = city_did

    profiles: dict[str, dict] = {}

    def profile(p: dict) -> dict:
        if p["handle"] in profiles:
            return profiles[p["handle"]]
        prof = {
            "did": p["did"],
            "handle": p["handle"],
            "displayName": p["display"],
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{p['did']}/{p['avatar_cid']}@jpeg",
            "associated": {"activitySubscription": {"allowSubscriptions": "followers"}},
            "viewer": {"muted": False, "blockedBy": False},
            "labels": [],
            "createdAt": iso(p["created"]),
            "indexedAt": iso(p["created"] + timedelta(seconds=3)),
        }
        if p["role"] != "spam" and RNG.random() < 0.4:
            prof["viewer"]["followedBy"] = (
                f"at://{p['did']}/app.bsky.graph.follow/{tid(p['created'] + timedelta(days=30))}"
            )
        profiles[p["handle"]] = prof
        return prof

    city_ref = {}
    for key, (_d, _t, text) in CITY_POSTS.items():
        uri = f"at://{city_did}/app.bsky.feed.post/{tid(CITY_TIMES[key])}"
        city_ref[key] = {
            "uri": uri,
            "cid": cid_of({"text": text, "createdAt": iso(CITY_TIMES[key])}),
            "root": None,
            "city": True,
        }

    items = [dict(it) for it in BLUESKY]
    schedule(items, CITY_TIMES)
    posts: dict[str, dict] = {}
    notes = []
    for it in items:
        parent = None
        if it.get("re"):
            parent = city_ref[it["re"][5:]] if it["re"].startswith("city:") else posts[it["re"]]
        author_key = pick_author(it, people, avoid=parent.get("author_key") if parent else None)
        p = people[author_key]
        text = resolve_persona_mentions(
            it["text"].replace("{@}", "@villebelleville.bsky.social"), lambda k: people[k]["handle"]
        )
        assert len(text) <= 300, (len(text), text)
        dt = it["dt"]
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": iso(dt)}
        lang = it.get("tag_lang", it["lang"])
        if lang is not None:
            record["langs"] = [lang]
        facets = bsky_facets(text, did_of)
        if facets:
            record["facets"] = facets
        reason, subject = "mention", None
        if parent is not None:
            root = parent["root"] or {"uri": parent["uri"], "cid": parent["cid"]}
            record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
            if parent.get("city") or root["uri"].startswith(f"at://{city_did}/"):
                reason, subject = "reply", parent["uri"]
        if it.get("quote"):
            q = city_ref[it["quote"][5:]]
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": q["uri"], "cid": q["cid"]},
            }
            reason, subject = "quote", q["uri"]
        if reason == "mention":
            assert "@villebelleville.bsky.social" in text, text
        uri = f"at://{p['did']}/app.bsky.feed.post/{tid(dt)}"
        cid = cid_of(record)
        note = {"uri": uri, "cid": cid, "author": profile(p), "reason": reason}
        if subject:
            note["reasonSubject"] = subject
        note.update(
            record=record,
            isRead=None,
            indexedAt=iso(dt + timedelta(milliseconds=RNG.randint(80, 2400))),
            labels=[],
        )
        for val in it.get("labels", []):
            note["labels"].append(
                {
                    "src": "did:plc:ar7c4by46qjdydhdevvrndac",
                    "uri": uri,
                    "cid": cid,
                    "val": val,
                    "cts": iso(dt + timedelta(minutes=RNG.randint(2, 30))),
                }
            )
        rec = {
            "uri": uri,
            "cid": cid,
            "root": record.get("reply", {}).get("root"),
            "author_key": author_key,
        }
        if it.get("key"):
            posts[it["key"]] = rec
        notes.append((dt, note))

    # likes, reposts and follows: not mentions, importers must skip them
    others = [
        ("like", "feuilles", "catherine"),
        ("repost", "halloween", "parents"),
        ("follow", "conseil", "rachel"),
        ("like", "neige", "liam"),
        ("like", "stationnement", "noah"),
        ("repost", "avis", "gen"),
        ("repost", "avis", "marie"),
        ("like", "avis_maj", "zoe"),
        ("follow", "avis", "isabelle"),
        ("like", "avis_leve", "maxime"),
    ]
    for ntype, post_key, who in others:
        p = people[who]
        dt = CITY_TIMES[post_key] + timedelta(
            minutes=RNG.randint(2, 400), seconds=RNG.randrange(60), milliseconds=RNG.randrange(1000)
        )
        target = city_ref[post_key]
        if ntype == "follow":
            record = {"$type": "app.bsky.graph.follow", "subject": city_did, "createdAt": iso(dt)}
            collection = "app.bsky.graph.follow"
        else:
            collection = f"app.bsky.feed.{ntype}"
            record = {
                "$type": collection,
                "subject": {"uri": target["uri"], "cid": target["cid"]},
                "createdAt": iso(dt),
            }
        uri = f"at://{p['did']}/{collection}/{tid(dt)}"
        note = {"uri": uri, "cid": cid_of(record), "author": profile(p), "reason": ntype}
        if ntype != "follow":
            note["reasonSubject"] = target["uri"]
        note.update(
            record=record,
            isRead=None,
            indexedAt=iso(dt + timedelta(milliseconds=RNG.randint(80, 2400))),
            labels=[],
        )
        notes.append((dt, note))

    notes.sort(key=lambda x: x[0], reverse=True)
    seen_at = to_utc("11-16", "08:30")
    for dt, note in notes:
        note["isRead"] = dt < seen_at
    payload = {
        "notifications": [n for _dt, n in notes],
        "cursor": str(int(notes[-1][0].timestamp() * 1000)),
        "priority": False,
        "seenAt": iso(seen_at),
    }
    write_json("bluesky_notifications.json", payload)
    return {"items": items, "payload": payload}


# ---- X ---------------------------------------------------------------------------------------

X_TOKEN_RE = re.compile(
    rf"(?P<url>{URL_RE})|(?P<mention>(?<![\w@])@(?P<user>\w{{1,15}}))|(?P<tag>(?<![\w&#])#(?P<tagname>\w+))"
)


def x_weighted_len(text: str) -> int:
    return sum(0 if ch in "\u200d\ufe0f" else (1 if ord(ch) < 0x1100 else 2) for ch in text)


def build_x() -> dict:
    people = people_table(X_PEOPLE_RAW, ("username", "name", "langs", "role"))
    city = {
        "id": "2849061735",
        "username": "VilleBelleville",
        "name": "Ville de Belleville-sur-Rivière",
        "verified": False,
    }
    for p in people.values():
        if p["role"] == "spam" or RNG.random() < 0.5:  # newer accounts have snowflake ids
            created = datetime(
                RNG.randint(2019, 2026), RNG.randint(1, 12), RNG.randint(1, 28), tzinfo=UTC
            )
            if created > datetime(2026, 9, 1, tzinfo=UTC):
                created = datetime(2026, 9, 1, tzinfo=UTC)
            p["id"] = str(x_id(created))
        else:
            p["id"] = str(RNG.randint(14_000_000, 3_200_000_000))
    user_by_name = {
        p["username"].lower(): {"id": p["id"], "username": p["username"]} for p in people.values()
    }
    user_by_name[city["username"].lower()] = {"id": city["id"], "username": city["username"]}

    city_tweet = {}
    for key in CITY_POSTS:
        tw = str(x_id(CITY_TIMES[key]))
        city_tweet[key] = {
            "id": tw,
            "conversation_id": tw,
            "author_id": city["id"],
            "author_key": None,
        }

    items = [dict(it) for it in X]
    schedule(items, CITY_TIMES)
    tweets: dict[str, dict] = {}
    data = []
    reply_counts: dict[str, int] = {}
    for it in items:
        parent = None
        if it.get("re"):
            parent = city_tweet[it["re"][5:]] if it["re"].startswith("city:") else tweets[it["re"]]
        author_key = pick_author(it, people, avoid=parent.get("author_key") if parent else None)
        p = people[author_key]
        text = resolve_persona_mentions(it["text"], lambda k: people[k]["username"])
        if parent is not None:
            prefix = []
            if parent["author_id"] != city["id"]:
                prefix.append("@" + people[parent["author_key"]]["username"])
            if "{@}" not in text:
                prefix.append("@VilleBelleville")
            text = " ".join(prefix + [text])
        text = text.replace("{@}", "@VilleBelleville")
        # links are wrapped in t.co, entities use code-point offsets
        urls = []

        def wrap(m, urls=urls):
            short = "https://t.co/" + rand_str(ALNUM, 10)
            urls.append((short, m.group(0)))
            return short

        text = re.sub(URL_RE, wrap, text)
        assert x_weighted_len(text) <= 280, (x_weighted_len(text), text)
        entities: dict[str, list] = {}
        expanded = dict(urls)
        for m in X_TOKEN_RE.finditer(text):
            if m.group("url"):
                long = expanded[m.group(0)]
                entities.setdefault("urls", []).append(
                    {
                        "start": m.start(),
                        "end": m.end(),
                        "url": m.group(0),
                        "expanded_url": long,
                        "display_url": long.split("://", 1)[1][:26]
                        + ("…" if len(long.split("://", 1)[1]) > 26 else ""),
                    }
                )
            elif m.group("mention"):
                u = user_by_name.get(m.group("user").lower())
                if u:
                    entities.setdefault("mentions", []).append(
                        {
                            "start": m.start(),
                            "end": m.end(),
                            "username": u["username"],
                            "id": u["id"],
                        }
                    )
            else:
                entities.setdefault("hashtags", []).append(
                    {"start": m.start(), "end": m.end(), "tag": m.group("tagname")}
                )
        assert any(x["id"] == city["id"] for x in entities.get("mentions", [])), text
        dt = it["dt"]
        tid_ = str(x_id(dt))
        tw = {
            "id": tid_,
            "text": text,
            "author_id": p["id"],
            "created_at": iso(dt.replace(microsecond=0)),
            "conversation_id": parent["conversation_id"] if parent else tid_,
            "edit_history_tweet_ids": [tid_],
            "lang": it.get("tag_lang", it["lang"]),
        }
        if parent is not None:
            tw["in_reply_to_user_id"] = parent["author_id"]
            tw["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            reply_counts[parent["id"]] = reply_counts.get(parent["id"], 0) + 1
        if it.get("quote"):
            tw["referenced_tweets"] = [{"type": "quoted", "id": city_tweet[it["quote"][5:]]["id"]}]
        if entities:
            tw["entities"] = entities
        spam = it["kind"] == "s"
        tw["public_metrics"] = {
            "retweet_count": 0 if spam else RNG.choice([0, 0, 0, 1, 2, 4, 11]),
            "reply_count": 0,
            "like_count": RNG.choice([0, 1]) if spam else RNG.choice([0, 1, 2, 3, 5, 8, 13, 40]),
            "quote_count": 0 if spam else RNG.choice([0, 0, 0, 0, 1]),
            "bookmark_count": RNG.choice([0, 0, 0, 1]),
            "impression_count": RNG.randint(20, 250) if spam else RNG.randint(40, 9000),
        }
        tw["possibly_sensitive"] = False
        rec = {
            "id": tid_,
            "conversation_id": tw["conversation_id"],
            "author_id": p["id"],
            "author_key": author_key,
        }
        if it.get("key"):
            tweets[it["key"]] = rec
        data.append((dt, tw, author_key))

    for _dt, tw, _k in data:
        tw["public_metrics"]["reply_count"] = reply_counts.get(tw["id"], 0)
    data.sort(key=lambda x: int(x[1]["id"]), reverse=True)
    pages = [data[:60], data[60:]]
    tokens = [
        "7140dibdnow9c7btw4b2ylqcsrg0rd4tde5bd6y4ux0c4",
        "77qpymm88g5h9vqklux0d2alqvplajpbuqr6knq8ddh5h",
    ]
    for n, page in enumerate(pages, start=1):
        users, seen = [], set()
        for _dt, tw, key in page:
            for uid, entry in [(tw["author_id"], key)] + [(tw.get("in_reply_to_user_id"), None)]:
                if uid is None or uid in seen:
                    continue
                seen.add(uid)
                if uid == city["id"]:
                    users.append(dict(city))
                else:
                    pk = entry or next(k for k, pp in people.items() if pp["id"] == uid)
                    pp = people[pk]
                    users.append(
                        {
                            "id": pp["id"],
                            "username": pp["username"],
                            "name": pp["name"],
                            "verified": pp["role"] in ("official", "press") and pk != "julie",
                        }
                    )
        meta = {
            "newest_id": page[0][1]["id"],
            "oldest_id": page[-1][1]["id"],
            "result_count": len(page),
        }
        if n == 1:
            meta["next_token"] = tokens[0]
        else:
            meta["previous_token"] = tokens[1]
        write_json(
            f"x_mentions_page{n}.json",
            {"data": [tw for _dt, tw, _k in page], "includes": {"users": users}, "meta": meta},
        )
    return {"items": items, "data": data}


# ---- RSS / Atom ------------------------------------------------------------------------------


def rfc822(dt_utc: datetime) -> str:
    return format_datetime(dt_utc.astimezone(local_tz(dt_utc)))


def build_rss() -> list[dict]:
    base = "https://www.courrierbelleville.example"
    entries = []
    for day, at, author, cat, slug, title, paras in RSS_ITEMS:
        dt = to_utc(day, at)
        link = f"{base}/{dt.strftime('%Y/%m/%d')}/{slug}/"
        entries.append(
            (dt, author, cat, link, title, "".join(f"<p>{escape(p)}</p>" for p in paras))
        )
    entries.sort(key=lambda e: e[0], reverse=True)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        "  <title>Le Courrier de Belleville</title>",
        f"  <link>{base}/</link>",
        f'  <atom:link href="{base}/feed/" rel="self" type="application/rss+xml"/>',
        "  <description>L'actualité de Belleville-sur-Rivière et des environs — Nouvelles, politique municipale "
        "&amp; vie locale</description>",
        "  <language>fr-CA</language>",
        f"  <lastBuildDate>{rfc822(entries[0][0])}</lastBuildDate>",
        "  <generator>https://wordpress.org/?v=6.8.2</generator>",
        "  <ttl>30</ttl>",
    ]
    for dt, author, cat, link, title, desc in entries:
        lines += [
            "  <item>",
            f"    <title>{escape(title)}</title>",
            f"    <link>{escape(link)}</link>",
            f"    <dc:creator>{escape(author)}</dc:creator>",
            f"    <pubDate>{rfc822(dt)}</pubDate>",
            f"    <category>{escape(cat)}</category>",
            f'    <guid isPermaLink="false">{base}/?p={RNG.randint(20000, 29999)}</guid>',
            f"    <description>{escape(desc)}</description>",
            "  </item>",
        ]
    lines += ["</channel>", "</rss>", ""]
    (OUT / "news_rss.xml").write_text("\n".join(lines), encoding="utf-8", newline="\n")
    return [{"dt": e[0], "lang": "fr"} for e in entries]


def build_atom() -> list[dict]:
    feed_no = "13024778110963542117"
    user = "05718266021534029517"
    entries = []
    for day, at, outlet, domain, path, title, snippet in ATOM_ENTRIES:
        dt = to_utc(day, at)
        real = f"https://www.{domain}/{path}"
        cd = "CAIyH" + rand_str(ALNUM, 27)
        usg = "AOvVaw" + rand_str(ALNUM, 22)
        link = f"https://www.google.com/url?rct=j&sa=t&url={real}&ct=ga&cd={cd}&usg={usg}"
        eid = f"tag:google.com,2013:googlealerts/feed:{RNG.randint(10**19, 10**20 - 1)}"
        entries.append((dt, eid, title, link, snippet, outlet))
    entries.sort(key=lambda e: e[0], reverse=True)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing" xml:lang="en">',
        f"  <id>tag:google.com,2005:reader/user/{user}/state/com.google/alerts/{feed_no}</id>",
        '  <title>Google Alert - "Belleville-sur-Rivière"</title>',
        f'  <link href="https://www.google.com/alerts/feeds/{user}/{feed_no}" rel="self"></link>',
        f"  <updated>{entries[0][0].strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>",
    ]
    for dt, eid, title, link, snippet, outlet in entries:
        stamp = dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        lines += [
            "  <entry>",
            f"    <id>{eid}</id>",
            f'    <title type="html">{escape(title)}</title>',
            f"    <link href={quoteattr(link)}></link>",
            f"    <published>{stamp}</published>",
            f"    <updated>{stamp}</updated>",
            f'    <content type="html">{escape(snippet)} {escape("<i>— " + outlet + "</i>")}</content>',
            "    <author>",
            "      <name></name>",
            "    </author>",
            "  </entry>",
        ]
    lines += ["</feed>", ""]
    (OUT / "news_atom.xml").write_text("\n".join(lines), encoding="utf-8", newline="\n")
    return [{"dt": e[0], "lang": "en"} for e in entries]


def main() -> None:
    build_mastodon()
    build_bluesky()
    build_x()
    build_rss()
    build_atom()


if __name__ == "__main__":
    main()
