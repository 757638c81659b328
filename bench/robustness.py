#!/usr/bin/env python3
"""Disguised, damaged and OCR-noisy copies of a corpus, scored over HTTP on a fresh service.

    .venv/bin/python bench/robustness.py                          # 200 BBC articles, every kind
    .venv/bin/python bench/robustness.py --suite ../shared/bench/suites/f3.jsonl --n 150
    .venv/bin/python bench/robustness.py --write /tmp/robust.jsonl   # the suite alone (evaluate_suite.py)

A copy is made of each of `--n` articles by every generator below (this file's own; seeded, so a run is
repeatable), articles with a word-for-word twin in the corpus left out (its copy's original is the twin
first published), and a tenth of the articles are left out of the index so that their copies must be
answered with no original. The service runs as users start it (bench/quality.py `on_fresh_service`); the
articles are submitted in order, the copies asked about with POST /v1/provenance. Per kind: found (the
right original, or none for a copy of an article not indexed), the verdict a copy must get
(duplicate or near_duplicate), and signals set (the answer says a disguise was undone, for the kinds that
disguise).

Kinds:
- lookalike: a third of the letters that have a Cyrillic or Greek twin replaced by it (а for a, о for o);
- invisible: zero-width spaces, joiners, word joiners and soft hyphens inside a third of the words;
- mojibake: typographic quotes, dashes and accents, then the text encoded as UTF-8 and read as
  Windows-1252, as a careless scraper does (don’t -> donâ€™t);
- ocr: scanning noise: rn/m, l/1, O/0 and e/c confusions, a dropped or doubled letter, words run together
  or split, hyphenation at line ends, in about 3% of the words;
- mixed: lookalike, invisible and mojibake together, lighter each.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import ROOT, on_fresh_service

SHARED = ROOT.parent / "shared"
TWINS = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "o": "\u043e", "p": "\u0440", "x": "\u0445", "y": "\u0443",
    "i": "\u0456", "j": "\u0458", "s": "\u0455", "A": "\u0410", "B": "\u0412", "C": "\u0421", "E": "\u0415",
    "H": "\u041d", "K": "\u039a", "M": "\u041c", "O": "\u039f", "P": "\u0420", "T": "\u0422", "X": "\u03a7",
}  # fmt: skip
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"]
OCR_SWAPS = [("rn", "m"), ("m", "rn"), ("l", "1"), ("O", "0"), ("e", "c"), ("cl", "d"), ("h", "b")]
DISGUISES = ("lookalike", "invisible", "mojibake", "mixed")
KINDS = (*DISGUISES, "ocr")


def lookalike(text: str, rng: random.Random, share: float = 0.33) -> str:
    return "".join(TWINS[ch] if ch in TWINS and rng.random() < share else ch for ch in text)


def invisible(text: str, rng: random.Random, share: float = 0.33) -> str:
    words = text.split(" ")
    out = []
    for word in words:
        if len(word) > 3 and rng.random() < share:
            at = rng.randrange(1, len(word) - 1)
            word = word[:at] + rng.choice(INVISIBLE) + word[at:]
        out.append(word)
    return " ".join(out)


def typographic(text: str) -> str:
    """Curly quotes and dashes where a typesetter would put them (so that mojibake has bytes to damage)."""
    out, double_open = [], True
    for i, ch in enumerate(text):
        if ch == "'":
            out.append("\u2019" if i and text[i - 1].isalnum() else "\u2018")
        elif ch == '"':
            out.append("\u201c" if double_open else "\u201d")
            double_open = not double_open
        else:
            out.append(ch)
    return "".join(out).replace(" - ", " \u2013 ").replace("--", "\u2014").replace("cafe", "caf\u00e9")


def mojibake(text: str, rng: random.Random) -> str:
    """UTF-8 read as Windows-1252, its five undefined bytes as the C1 controls browsers show (ftfy's
    "sloppy-windows-1252": the damage as it is found in the wild)."""
    return typographic(text).encode("utf-8").decode("sloppy-windows-1252")


def ocr(text: str, rng: random.Random, share: float = 0.03) -> str:
    words = text.split(" ")
    out = []
    for word in words:
        roll = rng.random()
        if len(word) > 3 and roll < share:
            noise = rng.randrange(5)
            if noise == 0:
                old, new = rng.choice(OCR_SWAPS)
                word = word.replace(old, new, 1)
            elif noise == 1:
                at = rng.randrange(len(word))
                word = word[:at] + word[at + 1 :]
            elif noise == 2:
                at = rng.randrange(len(word))
                word = word[:at] + word[at] + word[at:]
            elif noise == 3:
                at = rng.randrange(1, len(word) - 1)
                word = word[:at] + "-\n" + word[at:]
            else:
                at = rng.randrange(1, len(word) - 1)
                word = word[:at] + " " + word[at:]
        elif roll > 1 - share / 2 and out:
            out[-1] += word  # two words run together
            continue
        out.append(word)
    return " ".join(out)


def disguise(kind: str, text: str, rng: random.Random) -> str:
    if kind == "lookalike":
        return lookalike(text, rng)
    if kind == "invisible":
        return invisible(text, rng)
    if kind == "mojibake":
        return mojibake(text, rng)
    if kind == "ocr":
        return ocr(text, rng)
    if kind == "mixed":
        return mojibake(invisible(lookalike(text, rng, 0.15), rng, 0.15), rng)
    raise ValueError(f"unknown kind {kind!r}")


def corpus(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Articles of the BBC corpus (one minute apart from 2005-01-01) or of a suite's JSONL file."""
    if args.suite:
        rows = [json.loads(line) for line in args.suite.read_text().splitlines() if line.strip()]
        return sorted((r for r in rows if r["type"] == "article"), key=lambda r: r["published_at"])
    files = sorted((SHARED / "corpora" / "bbc-news").glob("*/*.txt"))
    out = []
    for i, path in enumerate(files):
        minute = f"2005-01-{1 + i // 1440:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z"
        body = path.read_text(errors="replace")
        out.append({"type": "article", "id": f"bbc/{path.parent.name}/{path.stem}", "title": "",
                    "body": body, "published_at": minute, "source": "BBC"})  # fmt: skip
    return out


def make_suite(args: argparse.Namespace) -> list[dict[str, Any]]:
    rng = random.Random(args.seed)
    articles = corpus(args)
    seen = Counter(" ".join(a["body"].split()) for a in articles)
    unique = [i for i, a in enumerate(articles) if seen[" ".join(a["body"].split())] == 1]
    chosen = sorted(rng.sample(unique, min(args.n, len(unique))))
    held_out = set(rng.sample(chosen, max(1, len(chosen) // 10)))
    lines: list[dict[str, Any]] = [a for i, a in enumerate(articles) if i not in held_out]
    for i in chosen:
        a = articles[i]
        for kind in KINDS:
            body = disguise(kind, a["body"], rng)
            if body == a["body"]:
                continue  # nothing to disguise (a text without the characters this kind damages)
            out = i in held_out
            lines.append({"type": "query", "name": f"{kind}/{a['id']}", "kind": kind, "title": "",
                          "body": body, "published_at": "2099-01-01T00:00:00Z",
                          "expect": None if out else a["id"],
                          "verdicts": ["none"] if out else ["duplicate", "near_duplicate"],
                          **({"original": a["body"]} if out else {})})  # fmt: skip
    return lines


def post(url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, json.dumps(payload).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def corpus_articles(suite: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in suite if line["type"] == "article"] + [
        {"id": line["name"].split("/", 1)[1], "body": line["original"]}
        for line in suite
        if "original" in line
    ]


def score(url: str, suite: list[dict[str, Any]]) -> int:
    """Each copy must get the answer its article gets undisguised (asked the same way): the same original
    (none for an article left out of the index, unless the corpus has a twin of it), and a copy's verdict
    (duplicate or near_duplicate) where that answer is one."""
    fields = ("id", "title", "body", "published_at", "source")
    started = time.perf_counter()
    articles = [line for line in suite if line["type"] == "article"]
    for line in articles:
        post(url + "/v1/articles", {k: line[k] for k in fields if line.get(k)})
    print(f"indexed {len(articles)} articles in {time.perf_counter() - started:.0f} s")
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[str] = []
    reference: dict[str, tuple[str | None, str]] = {}  # an article's own answer, undisguised
    bodies = {a["id"]: a["body"] for a in corpus_articles(suite)}
    for line in suite:
        if line["type"] != "query":
            continue
        source = line["name"].split("/", 1)[1]
        if source not in reference:
            _, clean = post(
                url + "/v1/provenance", {"body": bodies[source], "published_at": line["published_at"]}
            )
            reference[source] = ((clean.get("original") or {}).get("id"), clean["verdict"])
        expect, clean_verdict = reference[source]
        asked = {"body": line["body"], "published_at": line["published_at"]}
        status, answer = post(url + "/v1/provenance", asked)
        t = tally[line["kind"] + ("/held-out" if line["expect"] is None else "")]
        t["n"] += 1
        if status != 200:
            t["errors"] += 1
            continue
        got = (answer.get("original") or {}).get("id")
        wanted = (
            ("duplicate", "near_duplicate")
            if clean_verdict in ("duplicate", "near_duplicate")
            else (clean_verdict,)
        )
        t["found"] += got == expect
        t["verdict"] += got == expect and answer["verdict"] in wanted
        t["signals"] += bool(answer.get("signals", {}).get("disguised"))
        if got != expect or answer["verdict"] not in wanted:
            misses.append(
                f"  {line['name']}: {answer['verdict']} {got} (undisguised: {clean_verdict} {expect})"
            )
    print(f"{'kind':22s} {'n':>4s} {'found':>6s} {'verdict':>8s} {'signals':>8s} {'errors':>6s}")
    for kind in sorted(tally):
        t = tally[kind]
        print(f"{kind:22s} {t['n']:4d} {t['found'] / t['n']:6.2f} {t['verdict'] / t['n']:8.2f} "
              f"{t['signals'] / t['n']:8.2f} {t['errors']:6d}")  # fmt: skip
    print(f"missed: {len(misses)}", *misses[:20], sep="\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--suite", type=Path, help="a suite's JSONL file (its articles) instead of the BBC corpus"
    )
    parser.add_argument("--n", type=int, default=200, help="articles to copy (default 200)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--write", type=Path, help="only write the suite here (evaluate_suite.py's format)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    args = parser.parse_args()
    if not (SHARED / "corpora").is_dir() and not args.suite:
        raise SystemExit(f"{SHARED / 'corpora'} is absent: the corpora live in ../shared")
    suite = make_suite(args)
    if args.write:
        args.write.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in suite))
        return 0
    args.limit, args.json, args.clough = 0, None, False
    return on_fresh_service(args, lambda url: score(url, suite))


if __name__ == "__main__":
    sys.exit(main())
