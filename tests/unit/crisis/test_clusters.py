"""Clusters: copies, near-duplicates, retweet-like copies and the same link grouped, French and
English; measured on a small labelled set (pairwise precision and recall)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from desk.crisis.clusters import Post, clusters, groups, links, normalise

T = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# label -> variants as citizens write them (copies, RT, hashtags, typos, dropped words, links)
LABELLED: dict[str, list[str]] = {
    "ecoli_fr": [
        "L'eau du robinet est contaminée à l'E. coli, ne buvez pas l'eau du quartier nord !",
        "RT @voisin: L'eau du robinet est contaminée à l'E. coli, ne buvez pas l'eau du quartier nord",
        "l'eau du robinet est contaminee a l'e coli ne buvez pas l'eau du quartier nord #urgent",
        "L’eau du robinet est contaminée à l’E. coli, ne buvez pas l’eau du quartier Nord 😱",
        "Attention l'eau du robinet est contaminée à l'E. coli ne buvez pas l'eau du quartier nord",
        "@Ville L'eau du robinet est contaminée à l'E. coli, ne buvez pas l'eau du quartier nord ???",
    ],
    "ecoli_en": [
        "The tap water is contaminated with E. coli, do not drink the water in the north end",
        "RT @neighbour: The tap water is contaminated with E. coli, do not drink the water in the north end",
        "tap water is contaminated with e coli!! do not drink the water in the north end #boilwater",
        "@City the tap water is contaminated with E. coli, don't drink the water in the north end?",
    ],
    "schools_fr": [
        "Les écoles seront fermées demain à cause de la tempête, c'est officiel",
        "Les écoles seront fermées demain à cause de la tempête c'est officiel ?? @Ville",
        "RT: les ecoles seront fermees demain a cause de la tempete, c'est officiel",
        "Est-ce vrai que les écoles seront fermées demain à cause de la tempête ?",
    ],
    "bridge_link": [
        "Regardez ça https://fakenews.example/pont-champlain-effondre",
        "Incroyable!! https://fakenews.example/pont-champlain-effondre?utm_source=fb",
        "Is this true? https://www.fakenews.example/pont-champlain-effondre/",
    ],
}
DISTRACTORS = [
    "Merci pour le déneigement rapide de ma rue ce matin",
    "À quelle heure ouvre la piscine municipale samedi ?",
    "When is the next garbage pickup on Elm street?",
    "La bibliothèque du centre est-elle ouverte le dimanche ?",
    "Great job on the new bike lanes downtown!",
    "Le stationnement est interdit sur quelle rue cette nuit ?",
    "My recycling bin was not emptied this week",
    "Bravo aux pompiers pour leur intervention hier soir",
    "Where can I get a parking permit for my neighbourhood?",
    "Le parc Lafontaine est-il accessible malgré les travaux ?",
    "Visit our site https://ville.example for the schedule",
    "Horaire de la collecte https://ville.example",
    "L'eau du lac est froide aujourd'hui, pas de baignade pour moi",
    "Do I need a permit to build a fence?",
]


def _labelled() -> tuple[list[Post], list[str]]:
    posts: list[Post] = []
    truth: list[str] = []
    for label, texts in LABELLED.items():
        for text in texts:
            posts.append(_post(len(posts) + 1, text, lang="en" if "_en" in label else "fr"))
            truth.append(label)
    for i, text in enumerate(DISTRACTORS):
        posts.append(_post(len(posts) + 1, text))
        truth.append(f"alone{i}")
    order = list(range(len(posts)))
    random.Random(7).shuffle(order)
    return [posts[i] for i in order], [truth[i] for i in order]


def _post(mid: int, text: str, *, lang: str = "fr", author: str | None = None) -> Post:
    return Post(mid, text, author or f"@u{mid}", lang, T + timedelta(minutes=mid))


def _pairs(labels: list[object]) -> set[tuple[int, int]]:
    return {
        (a, b) for a, b in itertools.combinations(range(len(labels)), 2) if labels[a] == labels[b]
    }


def test_precision_and_recall_on_the_labelled_french_english_set() -> None:
    posts, truth = _labelled()
    found: list[object] = [0] * len(posts)
    for n, members in enumerate(groups(posts)):
        for i in members:
            found[i] = n
    predicted, expected = _pairs(found), _pairs(list(truth))
    precision = len(predicted & expected) / len(predicted)
    recall = len(predicted & expected) / len(expected)
    assert precision >= 0.9, precision
    assert recall >= 0.8, recall


def test_normalised_text_and_links() -> None:
    assert normalise("RT @Ville: Écoles FERMÉES! https://x.example/a") == "ecoles fermees"
    assert links("voir https://www.Fake.example/a/b/?utm=1 et https://ville.example/") == [
        "fake.example/a/b"
    ]


def test_a_cluster_says_size_growth_text_words_links_languages_and_authors() -> None:
    texts = LABELLED["ecoli_fr"] + LABELLED["bridge_link"][:1]
    posts = [_post(10 + i, t, author="@same" if i < 2 else None) for i, t in enumerate(texts)]
    posts.append(_post(40, "Vrai? " + LABELLED["bridge_link"][1], lang="en"))
    now = T + timedelta(minutes=50)
    found = clusters(posts, now=now)
    assert [c.size for c in found] == [6, 2]
    water, bridge = found
    assert water.id == 10
    assert water.mention_ids == tuple(range(10, 16))
    assert water.representative == LABELLED["ecoli_fr"][0]
    assert water.top_words[:2] == (("buvez", 6), ("coli", 6))  # ties: alphabetical
    assert water.authors == 5
    assert water.top_authors[0] == ("@same", 2)
    assert dict(bridge.languages) == {"fr": 1, "en": 1}
    assert bridge.top_links == (("fakenews.example/pont-champlain-effondre", 2),)
    assert (water.last_hour, water.hour_before, water.growth) == (6, 0, 6)
    assert water.to_json()["label"] == water.representative


def test_singletons_are_not_clusters() -> None:
    posts = [_post(i + 1, text) for i, text in enumerate(DISTRACTORS)]
    assert clusters(posts, now=T) == []
