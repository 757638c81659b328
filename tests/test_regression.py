"""Regression suite: hand-written originals and texts derived from them (tests/regression_texts.py).

Every original is indexed in each test, so the originals of the other topics act as distractors; each derived
text is then traced and must name the right original with the right verdict (API.md, "Provenance")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import with_boilerplate
from tests.regression_texts import DERIVED, ORIGINALS, PARTIAL_REUSES

PUBLISHED = {
    "hospital": "2025-05-01T09:00:00Z",
    "satellite": "2025-05-01T10:00:00Z",
    "transfer": "2025-05-01T11:00:00Z",
    "tempete": "2025-05-01T12:00:00Z",
    "sequia": "2025-05-01T13:00:00Z",
    "bruecke": "2025-05-01T14:00:00Z",
}
REPUBLISHED_AT = "2025-05-02T09:00:00Z"
ASKED_AT = "2025-05-03T09:00:00Z"
WHOLE = ("duplicate", "near_duplicate", "rewrite")

# What each kind of derived text must be traced to: (names the original?, accepted verdicts).
EXPECTED: dict[str, tuple[bool, tuple[str, ...]]] = {
    "light": (True, ("near_duplicate",)),
    "rewrite": (True, ("rewrite",)),
    "summary": (True, ("rewrite", "partial")),
    "partial": (True, ("partial",)),
    "independent": (False, ("none",)),
}

ENGLISH = ("hospital", "satellite", "transfer")


# ------------------------------------------------------------------------------------------------ helpers


def article_id(topic: str) -> str:
    return f"reg/{topic}"


def index(client: Any, id_: str, title: str, body: str, published_at: str) -> dict[str, Any]:
    response = client.post(
        "/v1/articles",
        json={
            "id": id_,
            "title": title,
            "body": body,
            "source": "Regression Wire",
            "published_at": published_at,
        },
    )
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


def index_originals(client: Any) -> None:
    for topic, (title, body) in ORIGINALS.items():
        index(client, article_id(topic), title, body, PUBLISHED[topic])


def trace(client: Any, body: str, title: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"body": body, "published_at": ASKED_AT}
    if title:
        payload["title"] = title
    response = client.post("/v1/provenance", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def named(answer: dict[str, Any]) -> str | None:
    return answer["original"]["id"] if answer["original"] else None


def summary_of(answer: dict[str, Any]) -> str:
    matches = ", ".join(f"{m['id']}:{m['relation']}:{m['score']:.3f}" for m in answer["matches"])
    return f"verdict={answer['verdict']} original={named(answer)} score={answer['score']:.3f} [{matches}]"


QUOTE = re.compile(r'"([^"]+)"|“([^”]+)”|«\s*([^»]+?)\s*»|„([^“]+)“')


def quotes(text: str) -> set[str]:
    """The quoted passages of a text, without the punctuation that closes them."""
    return {next(g for g in m.groups() if g).strip().rstrip(",.;:!?").strip() for m in QUOTE.finditer(text)}


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


# ------------------------------------------------------------------------------------ the texts themselves


@pytest.mark.parametrize("topic", ENGLISH)
def test_each_partial_text_reuses_exactly_two_consecutive_paragraphs_word_for_word(topic: str) -> None:
    original = paragraphs(ORIGINALS[topic][1])
    partial = paragraphs(DERIVED[(topic, "partial")][1])
    reused = [i for i, p in enumerate(original) if p in partial]
    assert tuple(reused) == PARTIAL_REUSES[topic]
    at = partial.index(original[reused[0]])
    assert partial[at + 1] == original[reused[1]]


@pytest.mark.parametrize("topic", [*ENGLISH, "tempete"])
def test_each_rewrite_keeps_every_quote_of_its_original(topic: str) -> None:
    assert quotes(ORIGINALS[topic][1]) <= quotes(DERIVED[(topic, "rewrite")][1])


@pytest.mark.parametrize("topic", [*ENGLISH, "tempete"])
def test_each_independent_report_shares_at_most_one_quote_and_no_sentence(topic: str) -> None:
    original, independent = ORIGINALS[topic][1], DERIVED[(topic, "independent")][1]
    assert len(quotes(original) & quotes(independent)) <= 1
    sentences = {s.strip() for s in re.split(r"(?<=[.!?])\s+", original) if len(s.split()) > 8}
    assert not [s for s in sentences if s in independent]


# ---------------------------------------------------------------------------------- tracing derived texts


@pytest.mark.parametrize(("topic", "kind"), sorted(DERIVED), ids=[f"{t}-{k}" for t, k in sorted(DERIVED)])
def test_a_derived_text_is_traced_to_its_original_with_the_verdict_of_its_kind(
    client: Any, topic: str, kind: str
) -> None:
    index_originals(client)
    title, body = DERIVED[(topic, kind)]
    answer = trace(client, body, title)
    print(f"{topic}/{kind}: {summary_of(answer)}")
    names_original, verdicts = EXPECTED[kind]
    assert named(answer) == (article_id(topic) if names_original else None), summary_of(answer)
    assert answer["verdict"] in verdicts, summary_of(answer)


@pytest.mark.parametrize("topic", ENGLISH)
def test_a_copy_of_an_indexed_rewrite_names_the_root_original(client: Any, topic: str) -> None:
    index_originals(client)
    rewrite = DERIVED[(topic, "rewrite")][1]
    ingest = index(client, f"reg/{topic}-rewrite", "A rewritten version", rewrite, REPUBLISHED_AT)
    print(f"{topic}/rewrite ingested: {summary_of(ingest['provenance'])}")
    answer = trace(client, with_boilerplate(rewrite), "Republished by Metro Wire")
    print(f"{topic}/copy-of-rewrite: {summary_of(answer)}")
    assert named(answer) == article_id(topic), summary_of(answer)
    assert answer["verdict"] in WHOLE, summary_of(answer)
