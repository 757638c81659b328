"""Texts and articles the tests need, written for these tests (nothing is copied from ../shared)."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)

HARBOUR = """The city council voted on Tuesday to close the old harbour bridge to cars from next spring, ending a decade of argument over the crumbling structure.

Engineers told councillors that the bridge, built in 1921, could no longer carry heavy traffic safely and that repairs would cost at least 14 million pounds.

Council leader Margaret Osei said the decision had not been taken lightly. "We have spent ten years patching this bridge, and the engineers are clear that patching is no longer enough," she said.

Local traders warned that the closure would cut footfall in the old town. The chamber of commerce said a survey of its members found that seven in ten expected to lose business.

Cyclists and pedestrians will still be able to use the bridge, and the council plans a free shuttle bus between the harbour and the railway station while a new crossing is designed.

A public consultation on the design of the replacement bridge will open in March and run for twelve weeks."""

ORCHESTRA = """The national youth orchestra will tour five countries this summer after a record year for donations, its director announced on Friday.

The tour opens in Lisbon in July and ends in Helsinki in late August, with concerts in Madrid, Vienna and Warsaw along the way.

Director Tomas Lindqvist said private donors had given more than two million euros in the past year, twice the amount raised the year before.

The orchestra's hundred and twenty players are aged between fourteen and twenty-two, and most have never performed abroad.

Tickets for the Lisbon concert went on sale this morning and sold out within an hour, according to the box office."""


def make_article(**overrides: Any) -> dict[str, Any]:
    """A valid submission; override any field."""
    n = next(_ids)
    article = {
        "id": f"test/{n:05d}",
        "title": "Harbour bridge to close to cars",
        "body": HARBOUR,
        "source": "Test Gazette",
        "url": f"https://gazette.example/news/{n}",
        "published_at": "2025-03-01T09:00:00Z",
    }
    article.update(overrides)
    return article


def with_boilerplate(body: str) -> str:
    """A republisher's copy: a byline, an ad slot, a "read more" line and a copyright line added."""
    paras = body.split("\n\n")
    paras.insert(2, "Advertisement")
    lines = [
        "By Staff Reporter | Metro Wire",
        *paras,
        "Read more at Metro Wire.",
        "(c) 2025 all rights reserved",
    ]
    return "\n\n".join(lines)
