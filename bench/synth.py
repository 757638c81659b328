#!/usr/bin/env python3
"""Synthetic news articles at any N, deterministic by seed, for the scale benchmark (bench/scale.py).

A word-bigram model trained on the BBC corpus (../shared/corpora/bbc-news, */*.txt, first line the title)
writes the articles, so word frequencies are those of real news text; a bigram walk seldom repeats a long
run, so articles do not share passages by accident (`check` measures it). Each article: a headline,
4-8 paragraphs, 250-500 words, sentences of 12-30 words, now and then a sentence as quoted speech
(`"…," he said.`). Double quotes and unbalanced parentheses of the corpus are dropped from its tokens,
so every quote in the output is one the generator made, and closed.

    python bench/synth.py articles --n 1000000 --out /tmp/syn-1m.ndjson --jobs 2   # NDJSON, or stdout
    python bench/synth.py queries --n 100000 --count 1000 > /tmp/queries.ndjson    # derived query texts
    python bench/synth.py check --sample 5000                                       # accidental sharing

Article k (1-based) is `{"id": "syn/00000000k", "title", "body", "published_at"}`, published at
2020-01-01T00:00:00Z + (k-1) seconds. It depends only on the seed and k (each article has its own
random.Random), so any range can be made alone, in parallel, or again later, and the driver can rebuild
article k without the file. Query texts, for measurement only (never indexed):
- `match`: an indexed article (k drawn uniformly from 1..N) with one paragraph cut and 3-5 words changed;
  its `expect` is that article's id;
- `fresh`: a new article from the same model (ids `syn-fresh/…`), never indexed; `expect` is null.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import re
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "corpora" / "bbc-news"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

SENTENCE_WORDS = (12, 30)
PARAGRAPHS = (4, 8)
ARTICLE_WORDS = (250, 500)
HEADLINE_WORDS = (5, 10)
# From WIND_DOWN words on, a sentence ends at the next word with a growing chance (where the corpus ends a
# sentence after the current word), so that lengths taper off towards 30 instead of piling up there.
WIND_DOWN, WIND_SPAN = 18, 24
QUOTE_SHARE = 0.12  # share of sentences (not the first) written as quoted speech
EDITS = (3, 5)  # words changed in a matching query
SPEAKERS = ("he said", "she said", "they said", "a spokesman said", "a spokeswoman said", "officials said")

# Random streams, so that article k, fresh article k and the query edits of k never share one.
ARTICLE, FRESH, EDIT, SAMPLE = range(4)

_FINAL = re.compile(r"[.!?][)']*$")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")


def article_id(k: int) -> str:
    return f"syn/{k:09d}"


def fresh_id(k: int) -> str:
    return f"syn-fresh/{k:09d}"


def published_at(k: int) -> str:
    return (EPOCH + timedelta(seconds=k - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rng(seed: int, stream: int, k: int) -> Random:
    return Random((seed << 48) | (stream << 44) | k)


def _clean_token(token: str) -> str:
    token = token.replace('"', "").replace("\u201c", "").replace("\u201d", "")
    if token.count("(") != token.count(")"):
        token = token.replace("(", "").replace(")", "")
    return token


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # sport/199.txt has one Latin-1 byte
        return raw.decode("latin-1")


def _urn(counts: dict[int, int]) -> list[int]:
    """Each word as many times as it was counted: `urn[int(r * len(urn))]`, r uniform in [0, 1), draws
    from the counts' distribution exactly, in constant time (the urns together hold about two copies
    of the corpus's tokens, a few MB)."""
    return [word for word, count in counts.items() for _ in range(count)]


def _pick(urn: list[int], r: float) -> int:
    return urn[int(r * len(urn))]


class Model:
    """The bigram model: for each word, the distribution of the next word, split in two (continuing
    words and sentence-final words) so that sentence lengths can be held to SENTENCE_WORDS.

    A walk that reaches a rare word would follow the corpus word for word (a word seen once has one
    successor), and two articles passing there would share that run; so from a word seen c times the
    walk jumps to a word drawn from the unigram distribution with probability 1/(c+1). Paragraphs that
    are mostly figures (sports line-ups, results tables) are left out of training, and from a figure the
    walk jumps with probability 0.3 at least, for the same reason.
    """

    def __init__(self, corpus: Path = BBC):
        files = sorted(corpus.glob("*/*.txt"))
        if not files:
            raise SystemExit(f"no */*.txt under {corpus}: the corpus lives in ../shared/corpora/bbc-news")
        self.vocab: list[str] = []
        self.final: list[bool] = []
        index: dict[str, int] = {}
        starts: dict[int, int] = {}
        cont: list[dict[int, int]] = []
        fin: list[dict[int, int]] = []
        unigram: dict[int, int] = {}
        self.tokens = 0
        for path in files:
            for paragraph in _read(path).split("\n")[1:]:  # the first line is the title
                tokens = [t for t in map(_clean_token, paragraph.split()) if t]
                if not tokens or sum(not _LETTER.search(t) for t in tokens) > 0.3 * len(tokens):
                    continue
                self.tokens += len(tokens)
                previous = -1
                for token in tokens:
                    word = index.get(token, -1)
                    if word < 0:
                        word = index[token] = len(self.vocab)
                        self.vocab.append(token)
                        self.final.append(bool(_FINAL.search(token)))
                        cont.append({})
                        fin.append({})
                    if previous < 0:
                        if token[0].isupper() and not self.final[word]:
                            starts[word] = starts.get(word, 0) + 1
                    else:
                        table = fin[previous] if self.final[word] else cont[previous]
                        table[word] = table.get(word, 0) + 1
                    if not self.final[word]:
                        unigram[word] = unigram.get(word, 0) + 1
                    previous = -1 if self.final[word] else word
        self.files = len(files)
        self.starts = _urn(starts)
        self.unigram = _urn(unigram)  # continuing words: jumps, dead ends, and the words of edits
        self.cont = [_urn(c) or None for c in cont]
        self.fin = [_urn(f) or None for f in fin]
        self.both = [_urn({**c, **f}) or None for c, f in zip(cont, fin, strict=True)]
        self.jump = [
            max(1 / (1 + sum(c.values()) + sum(f.values())), 0.0 if _LETTER.search(token) else 0.3)
            for token, c, f in zip(self.vocab, cont, fin, strict=True)
        ]

    # ------------------------------------------------------------ writing

    def sentence(self, rng: Random) -> list[str]:
        """A walk of SENTENCE_WORDS words from a sentence start to a sentence-final word."""
        low, high = SENTENCE_WORDS
        random = rng.random
        cont, fin, both, jump, final = self.cont, self.fin, self.both, self.jump, self.final
        unigram = self.unigram
        word = _pick(self.starts, random())
        words = [word]
        n = 2  # the length once the next word is added
        while True:
            if n >= high or (n >= WIND_DOWN and fin[word] and random() < (n - WIND_DOWN + 1) / WIND_SPAN):
                table = fin[word]
                if table is None:  # no sentence ends after this word: end it by force
                    return self._close(words, _pick(unigram, random()))
            else:
                table = cont[word] if n < low else both[word]
                if table is None or random() < jump[word]:
                    table = unigram
            word = table[int(random() * len(table))]
            words.append(word)
            if final[word]:
                return [self.vocab[w] for w in words]
            n += 1

    def _close(self, words: list[int], last: int) -> list[str]:
        text = [self.vocab[w] for w in words]
        text.append(self.vocab[last].rstrip(",;:-") + ".")
        return text

    def headline(self, rng: Random) -> str:
        low, high = HEADLINE_WORDS
        length = rng.randint(low, high)
        words = [_pick(self.starts, rng.random())]
        while len(words) < length:
            words.append(_pick(self.cont[words[-1]] or self.unigram, rng.random()))
        text = " ".join(self.vocab[w] for w in words)
        return text.rstrip(",;:-") or text

    def body(self, rng: Random) -> str:
        """4-8 paragraphs of whole sentences, 250-500 words in all."""
        low, high = ARTICLE_WORDS
        target = rng.randint(low, high - SENTENCE_WORDS[1] - 3)  # the last sentence may overshoot
        sentences: list[str] = []
        words = 0
        while words < target:
            sentence = self.sentence(rng)
            if sentences and rng.random() < QUOTE_SHARE:
                last = sentence[-1]
                sentence[-1] = last[: _FINAL.search(last).start()].rstrip(",;:-") + ',"'  # type: ignore[union-attr]
                sentence[0] = '"' + sentence[0]
                sentence.extend(rng.choice(SPEAKERS).split())
                sentence[-1] += "."
            words += len(sentence)
            sentences.append(" ".join(sentence))
        count = min(rng.randint(*PARAGRAPHS), len(sentences))
        cuts = sorted(rng.sample(range(1, len(sentences)), count - 1))
        bounds = [0, *cuts, len(sentences)]
        return "\n\n".join(" ".join(sentences[a:b]) for a, b in itertools.pairwise(bounds))

    def article(self, seed: int, k: int) -> dict[str, str]:
        """Article k (1-based) of the seed's stream."""
        rng = _rng(seed, ARTICLE, k)
        title = self.headline(rng)
        return {"id": article_id(k), "title": title, "body": self.body(rng), "published_at": published_at(k)}

    def fresh(self, seed: int, k: int, round: int = 0) -> dict[str, str]:
        """A new article from the same model, never among the indexed ones."""
        rng = _rng(seed, FRESH, round << 32 | k)
        title = self.headline(rng)
        return {"id": fresh_id(k), "title": title, "body": self.body(rng)}

    def edited(self, seed: int, article: dict[str, str], k: int, round: int = 0) -> str:
        """The article's body with one paragraph cut and EDITS words replaced by others."""
        rng = _rng(seed, EDIT, round << 32 | k)
        paragraphs = article["body"].split("\n\n")
        del paragraphs[rng.randrange(len(paragraphs))]
        tokens = [p.split(" ") for p in paragraphs]
        places = [(i, j) for i, p in enumerate(tokens) for j, t in enumerate(p) if _WORD.fullmatch(t)]
        for i, j in rng.sample(places, min(len(places), rng.randint(*EDITS))):
            replacement = _WORD.findall(self.vocab[_pick(self.unigram, rng.random())])
            tokens[i][j] = replacement[0] if replacement else "also"
        return "\n\n".join(" ".join(p) for p in tokens)

    def queries(self, seed: int, n: int, count: int, round: int = 0) -> list[dict[str, Any]]:
        """`count` query texts for an index of articles 1..n: half `match` (edited copies of indexed
        articles, uniform over 1..n), half `fresh`, interleaved. Another `round` is another set of the
        same kinds for the same index (other articles, edits and fresh texts); round 0 is the set every
        figure in docs/ was measured on."""
        rng = _rng(seed, SAMPLE, round)
        matches = rng.sample(range(1, n + 1), min(n, (count + 1) // 2))
        out: list[dict[str, Any]] = []
        for i in range(count):
            if i % 2 == 0 and i // 2 < len(matches):
                k = matches[i // 2]
                article = self.article(seed, k)
                body = self.edited(seed, article, k, round)
                out.append(
                    {"kind": "match", "expect": article["id"], "title": article["title"], "body": body}
                )
            else:
                fresh = self.fresh(seed, i + 1, round)
                out.append({"kind": "fresh", "expect": None, "title": fresh["title"], "body": fresh["body"]})
        return out


# ------------------------------------------------------------ many articles, in parallel

_MODEL: Model | None = None


def _init(corpus: Path) -> None:
    global _MODEL
    if _MODEL is None:
        _MODEL = Model(corpus)


def _chunk(job: tuple[int, int, int]) -> str:
    seed, first, last = job
    assert _MODEL is not None
    return "".join(json.dumps(_MODEL.article(seed, k), ensure_ascii=False) + "\n" for k in range(first, last))


def ndjson_chunks(
    n: int, seed: int = 1, start: int = 1, jobs: int = 1, corpus: Path = BBC, chunk: int = 500
) -> Iterator[str]:
    """NDJSON of articles start..start+n-1, in order, in blocks of `chunk` lines; `jobs` processes."""
    plan = [(seed, a, min(a + chunk, start + n)) for a in range(start, start + n, chunk)]
    _init(corpus)  # built before the fork: the workers share it
    if jobs <= 1:
        yield from map(_chunk, plan)
        return
    with multiprocessing.get_context("fork").Pool(jobs, _init, (corpus,)) as pool:
        yield from pool.imap(_chunk, plan, chunksize=1)


def articles(model: Model, n: int, seed: int = 1, start: int = 1) -> Iterator[dict[str, str]]:
    for k in range(start, start + n):
        yield model.article(seed, k)


# ------------------------------------------------------------ accidental sharing


def shared_runs(texts: Iterable[str], run: int = 8) -> tuple[int, int, list[str]]:
    """(texts, texts sharing a run of `run` words with another, a few such runs), on lowercased \\w+ words."""
    owner: dict[int, int] = {}
    sharing: set[int] = set()
    examples: dict[int, str] = {}
    count = 0
    for number, text in enumerate(texts):
        count += 1
        words = _WORD.findall(text.lower())
        seen_here: set[int] = set()
        for i in range(len(words) - run + 1):
            gram = " ".join(words[i : i + run])
            h = hash(gram)
            if h in seen_here:
                continue
            seen_here.add(h)
            first = owner.setdefault(h, number)
            if first != number:
                sharing.update((first, number))
                if len(examples) < 10:
                    examples.setdefault(h, gram)
    return count, len(sharing), list(examples.values())


def check(args: argparse.Namespace) -> int:
    model = Model(args.corpus)
    started = time.perf_counter()
    texts = [model.article(args.seed, k)["body"] for k in range(1, args.sample + 1)]
    elapsed = time.perf_counter() - started
    total, sharing, examples = shared_runs(texts, args.run)
    words = sum(len(_WORD.findall(t)) for t in texts)
    print(f"model: {model.files} files, {model.tokens} tokens, {len(model.vocab)} distinct tokens")
    print(f"{total} articles, {words / total:.0f} words each on average, made in {elapsed:.1f} s")
    print(f"articles sharing a {args.run}-word run with another: {sharing} ({sharing / total:.2%})")
    for gram in examples:
        print(f"  e.g. {gram!r}")
    corpus_runs: set[int] = set()
    for path in sorted(args.corpus.glob("*/*.txt")):
        words_ = _WORD.findall(_read(path).lower())
        corpus_runs.update(
            hash(" ".join(words_[i : i + args.run])) for i in range(len(words_) - args.run + 1)
        )
    copied = sum(
        any(hash(" ".join(w[i : i + args.run])) in corpus_runs for i in range(len(w) - args.run + 1))
        for w in (_WORD.findall(t.lower()) for t in texts)
    )
    print(f"articles with a {args.run}-word run found in the BBC corpus: {copied} ({copied / total:.2%})")
    return 0


# ------------------------------------------------------------ command line


def _output(path: Path | None) -> TextIO:
    return path.open("w", encoding="utf-8") if path else sys.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1, help="the stream of articles (default 1)")
    parser.add_argument("--corpus", type=Path, default=BBC, help=f"training corpus (default {BBC})")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("articles", help="NDJSON articles {id, title, body, published_at}")
    p.add_argument("--n", type=int, required=True, help="how many")
    p.add_argument("--start", type=int, default=1, help="first article number (default 1)")
    p.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    p.add_argument("--out", type=Path, help="file to write (default stdout)")
    p = commands.add_parser(
        "queries", help="NDJSON query texts {kind, expect, title, body} for an index of N"
    )
    p.add_argument("--n", type=int, required=True, help="the indexed articles are 1..N")
    p.add_argument("--count", type=int, default=1000, help="how many queries, half match, half fresh")
    p.add_argument("--out", type=Path, help="file to write (default stdout)")
    p = commands.add_parser("check", help="the share of articles sharing a word run with another")
    p.add_argument("--sample", type=int, default=5000, help="articles 1..SAMPLE (default 5000)")
    p.add_argument("--run", type=int, default=8, help="words in a run (default 8)")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check(args)
    started = time.perf_counter()
    out = _output(args.out)
    try:
        if args.command == "articles":
            for block in ndjson_chunks(args.n, args.seed, args.start, args.jobs, args.corpus):
                out.write(block)
            count = args.n
        else:
            model = Model(args.corpus)
            for query in model.queries(args.seed, args.n, args.count):
                out.write(json.dumps(query, ensure_ascii=False) + "\n")
            count = args.count
    finally:
        if args.out:
            out.close()
    elapsed = time.perf_counter() - started
    print(f"{count} {args.command} in {elapsed:.1f} s ({count / elapsed:.0f}/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
