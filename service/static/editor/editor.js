// The editor page: traces a pasted text with POST /v1/provenance (nothing is stored), then shows the
// verdict, the original, the reused passages side by side, the shared quotes and the original's lineage
// (GET /v1/articles/{id}?include=text and GET /v1/articles/{id}/provenance). When the original was reached
// through another stored article (`original.via`), the passages are those the text shares with that
// article: they are the only evidence the answer carries. No framework, no build step; loaded as a
// file so that the page runs under `Content-Security-Policy: default-src 'self'`.
"use strict";

(function () {
  const API = document.body.dataset.api || "/v1";
  const KEY_STORE = "provenance.apiKey";
  const MATCH_LIMIT = 10; // matches asked for: the table's rows, and where the evidence is looked up
  const VERDICTS = {
    duplicate: ["Duplicate", "The text is the original, apart from formatting, markup, boilerplate and headline."],
    near_duplicate: ["Near duplicate", "The text is the original with light edits or cuts."],
    rewrite: ["Rewrite", "The text re-expresses the original, sentence by sentence, in other words."],
    partial: ["Partial reuse", "Only part of the text comes from the original; the rest is new."],
    none: ["No original found", "No indexed article shows evidence that this text derives from it."],
  };
  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ talking to the JSON API

  class Problem extends Error {
    constructor(status, title, detail, errors, retryAfter) {
      super(detail || title);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.errors = errors || null;
      this.retryAfter = retryAfter === undefined ? null : retryAfter; // seconds, from Retry-After
    }
  }

  // Retry-After (RFC 9110): a number of seconds, or an HTTP date; null when absent or unreadable.
  function retryAfterSeconds(value) {
    if (!value) return null;
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const when = Date.parse(text);
    return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json, application/problem+json" };
    const key = sessionStorage.getItem(KEY_STORE);
    if (key) headers.Authorization = "Bearer " + key;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (err) {
      throw new Problem(0, "The service could not be reached", String(err && err.message ? err.message : err));
    }
    let payload = null;
    if ((response.headers.get("Content-Type") || "").includes("json")) {
      try {
        payload = await response.json();
      } catch (err) {
        payload = null;
      }
    }
    if (!response.ok) {
      const retryAfter = retryAfterSeconds(response.headers.get("Retry-After"));
      if (payload && typeof payload === "object") {
        throw new Problem(
          response.status, payload.title || response.statusText, payload.detail || "", payload.errors, retryAfter
        );
      }
      throw new Problem(
        response.status, response.statusText || "Error", "The service answered HTTP " + response.status + ".", null,
        retryAfter
      );
    }
    return payload;
  }

  function articlePath(id) {
    return "/articles/" + id.split("/").map(encodeURIComponent).join("/");
  }

  // ------------------------------------------------------------------ the text as the service sees it

  // The service's service/detect/text.py normalise() and drop_boilerplate() for plain text, so that passage
  // offsets (code points of the cleaned text) fall on the same characters here. The service keeps every
  // character as sent apart from NFC and white space (its comparison form undoes look-alikes and invisible
  // characters for detection only), so this does too.
  const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  // The white space the service tidies: ASCII only (other spaces are kept as sent, service/detect/text.py).
  const SPACE = /[\t\v\f ]+/u;
  const BOILERPLATE_LINE = new RegExp(
    "^(?:advertisement|advertising|sponsored(?: content)?|anzeige|publicit[eé]|publicidad" +
      "|(?:by|par|por|von) [^.!?]{0,80}\\|[^.!?]*" +
      "|(?:read|see) (?:more|also)\\b.*" +
      "|(?:lire|voir) aussi\\b.*|lea tambi[eé]n\\b.*|mehr zum thema\\b.*" +
      "|(?:\\(c\\)|©|copyright) .*|.*\\ball rights reserved\\.?" +
      "|share (?:this|on)\\b.*|click here\\b.*|sign up\\b.*newsletter.*" +
      "|related(?: (?:articles|stories))?:?)$",
    "iu"
  );
  const BOILERPLATE_MAX_CHARS = 160; // a longer line that starts like boilerplate is a one-paragraph article
  const HAS_TEXT = /[\p{L}\p{N}]/u;

  // Python's str.strip() of a text whose lines are already tidy: only line breaks can be left at its ends
  // (JavaScript's trim() would also take a byte-order mark, which the service keeps).
  const stripBreaks = (text) => text.replace(/^\n+|\n+$/g, "");

  function isBoilerplate(line) {
    return Array.from(line).length <= BOILERPLATE_MAX_CHARS && BOILERPLATE_LINE.test(line);
  }

  function cleanText(body) {
    const text = body.replace(LONE_SURROGATE, "?").normalize("NFC").replace(/\r\n?/g, "\n");
    const lines = text.split("\n").map((line) => line.split(SPACE).filter(Boolean).join(" "));
    const tidy = stripBreaks(lines.join("\n"));
    const kept = tidy.split("\n").filter((line) => !isBoilerplate(line));
    const article = stripBreaks(kept.join("\n").replace(/\n{3,}/g, "\n\n"));
    return HAS_TEXT.test(article) ? article : tidy; // removing boilerplate never leaves nothing of the article
  }

  // ------------------------------------------------------------------ rendering helpers

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "className") node.className = value;
      else if (name === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function formatDate(iso) {
    if (!iso) return "unknown";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
  }

  function timeEl(iso) {
    return el("time", { datetime: iso }, formatDate(iso));
  }

  function formatScore(score) {
    return typeof score === "number" ? score.toFixed(2) : "–";
  }

  function label(verdict) {
    return (VERDICTS[verdict] || [verdict])[0];
  }

  function articleName(article) {
    return article.title || article.id;
  }

  // ------------------------------------------------------------------ the two panes

  // Spans of one side ([start, end) in code points), sorted, overlaps clipped: a pane shows each character once.
  function spansOf(passages, side) {
    const spans = passages
      .map((p, i) => ({
        start: p[side + "_start"],
        end: p[side + "_end"],
        kind: p.kind === "verbatim" ? "verbatim" : "reworded",
        pair: i + 1,
        passage: p,
      }))
      .sort((a, b) => a.start - b.start || a.end - b.end);
    let reached = 0;
    const kept = [];
    for (const span of spans) {
      const start = Math.max(span.start, reached);
      if (span.end > start) {
        kept.push({ ...span, start });
        reached = span.end;
      }
    }
    return kept;
  }

  // `other`: how the other text is named ("your text", "the original", or the article a chain went through).
  function describe(span, side, other) {
    const p = span.passage;
    const at = side === "query" ? [p.match_start, p.match_end] : [p.query_start, p.query_end];
    return (
      "Passage " + span.pair + ", " + span.kind + " (similarity " + formatScore(p.similarity) + "); in " +
      other + " at characters " + at[0] + "–" + at[1]
    );
  }

  function passageEl(span, side, content, other) {
    return el(
      "mark",
      {
        className: "passage " + span.kind,
        tabindex: "0",
        title: describe(span, side, other),
        dataset: { pair: String(span.pair), kind: span.kind },
      },
      // Read out before the passage: its kind and number (the number alone is what the eye sees).
      el("sup", { className: "pair-no" }, el("span", { className: "visually-hidden" }, span.kind + " passage "), String(span.pair)),
      content
    );
  }

  // The pane with the text and its passages highlighted in place.
  function renderText(pane, text, spans, side, other) {
    const chars = Array.from(text); // offsets are code points, as in Python
    let at = 0;
    pane.classList.remove("outline");
    pane.replaceChildren();
    for (const span of spans) {
      if (span.start > at) pane.append(chars.slice(at, span.start).join(""));
      pane.append(passageEl(span, side, chars.slice(span.start, span.end).join(""), other));
      at = span.end;
    }
    if (at < chars.length) pane.append(chars.slice(at).join(""));
  }

  // Without the text: where each passage sits, and what lies between them.
  function renderOutline(pane, length, spans, side, other) {
    let at = 0;
    pane.classList.add("outline");
    pane.replaceChildren();
    const gap = (from, to) => el("span", { className: "gap" }, "characters " + from + "–" + to + ": not reused");
    for (const span of spans) {
      if (span.start - at > 2) pane.append(gap(at, span.start)); // not the breaks between sentences
      pane.append(passageEl(span, side, "characters " + span.start + "–" + span.end + " · " + span.kind, other));
      at = span.end;
    }
    if (length && length - at > 2) pane.append(gap(at, length));
  }

  function showNote(id, text) {
    const note = $(id);
    note.textContent = text || "";
    note.hidden = !text;
  }

  function renderQueryPane(request, spans, counterpart) {
    const pane = $("query-pane");
    if (request.format === "text") {
      const text = cleanText(request.body);
      const length = Array.from(text).length;
      if (spans.every((s) => s.end <= length)) {
        renderText(pane, text, spans, "query", counterpart);
        showNote("query-note", "");
        return;
      }
    }
    renderOutline(pane, null, spans, "query", counterpart);
    showNote(
      "query-note",
      request.format === "html"
        ? "The service compared the text it extracted from your HTML; the API does not return that text, " +
            "so passages are shown by their position in it."
        : "Passages are shown by their position in the text as the service cleaned it."
    );
  }

  // The pane of the article the passages were found in: the original, or the article a chain went through.
  function renderOriginalPane(article, spans, length, name) {
    const pane = $("original-pane");
    if (article && typeof article.text === "string") {
      renderText(pane, article.text, spans, "match", "your text");
      showNote("original-note", "");
      return;
    }
    renderOutline(pane, length, spans, "match", "your text");
    showNote(
      "original-note",
      "The text of " + name + " could not be read" +
        (length ? " (" + length + " characters)" : "") +
        ", so its passages are shown by their position in it."
    );
  }

  // Pointing at or focusing a passage lights up its counterpart and scrolls it into view.
  function linkPanes() {
    const panes = [$("query-pane"), $("original-pane")];
    const activate = (event, on) => {
      const mark = event.target.closest && event.target.closest("mark.passage");
      if (!mark) return;
      for (const node of document.querySelectorAll('mark.passage[data-pair="' + mark.dataset.pair + '"]')) {
        node.classList.toggle("active", on);
        if (on && node !== mark) {
          const pane = node.closest(".pane-text");
          pane.scrollTop = node.offsetTop - pane.offsetTop - pane.clientHeight / 3;
        }
      }
    };
    for (const pane of panes) {
      pane.addEventListener("mouseover", (e) => activate(e, true));
      pane.addEventListener("mouseout", (e) => activate(e, false));
      pane.addEventListener("focusin", (e) => activate(e, true));
      pane.addEventListener("focusout", (e) => activate(e, false));
    }
  }

  // ------------------------------------------------------------------ the result

  // How the text relates to the article a chain went through, and that article to the original, in words.
  const TEXT_REUSES = {
    duplicate: "is a copy of",
    near_duplicate: "is a lightly edited copy of",
    rewrite: "is a rewrite of",
    partial: "reuses part of",
  };
  const WHICH = {
    duplicate: "which copies",
    near_duplicate: "which lightly edits",
    rewrite: "which rewrites",
    partial: "which reuses part of",
  };

  // An article named in a sentence: its headline in quotes and its id, or the id alone.
  function named(article) {
    const id = el("code", {}, article.id);
    return article.title ? ["\u201c" + article.title + "\u201d (", id, ")"] : [id];
  }

  // Each check starts from an empty result: nothing an earlier answer showed (its original, passages,
  // quotes, lineage) can stay on the page under the next verdict.
  function resetResult() {
    $("result").hidden = true;
    const verdict = $("verdict");
    verdict.textContent = "";
    delete verdict.dataset.verdict;
    for (const id of ["score", "verdict-help", "original-id", "original-source", "coverage"]) $(id).textContent = "";
    for (const id of [
      "original-title", "original-via", "chain", "query-pane", "original-pane", "quotes", "lineage", "matches",
    ]) {
      $(id).replaceChildren();
    }
    const date = $("original-date");
    date.removeAttribute("datetime");
    date.textContent = "";
    for (const id of ["evidence-note", "query-note", "original-note"]) showNote(id, "");
    for (const id of [
      "original", "original-via-label", "original-via", "chain", "evidence", "passages", "quotes-section",
      "lineage-section", "matches-section",
    ]) {
      $(id).hidden = true;
    }
    $("original-pane-heading").textContent = "The original";
  }

  // `through`: the match of the article a chain went through (original.via), when the answer lists it.
  function renderSummary(answer, through) {
    const [name, help] = VERDICTS[answer.verdict] || [answer.verdict, ""];
    const verdict = $("verdict");
    verdict.textContent = name;
    verdict.dataset.verdict = answer.verdict;
    $("score").textContent = answer.original ? "score " + formatScore(answer.score) : "";
    $("verdict-help").textContent = help;
    const original = answer.original;
    if (!original) return;
    $("original").hidden = false;
    $("original-title").replaceChildren(
      original.url ? el("a", { href: original.url, rel: "noopener noreferrer" }, articleName(original)) : articleName(original)
    );
    $("original-id").textContent = original.id;
    $("original-source").textContent = original.source || "unknown";
    const date = $("original-date");
    date.setAttribute("datetime", original.published_at);
    date.textContent = formatDate(original.published_at);
    if (original.via) {
      $("original-via-label").hidden = $("original-via").hidden = false;
      $("original-via").replaceChildren(...named(through || { id: original.via }));
    }
  }

  // "Your text is a copy of B, which rewrites A": the text's relation to the article it went through
  // (that match's relation) and that article's to the original (its stored lineage, when it names the
  // same original; else only what the API promises: it derives from the original).
  function renderChain(original, through, article) {
    const lineage = article && article.lineage;
    const theirs = lineage && lineage.original === original.id ? lineage.verdict : null;
    $("chain").replaceChildren(
      "Your text ",
      (through && TEXT_REUSES[through.relation]) || "reuses",
      " ",
      ...named(through || article || { id: original.via }),
      ", ",
      WHICH[theirs] || "which derives from",
      " ",
      ...named(original),
      "."
    );
    $("chain").hidden = false;
  }

  function renderQuotes(quotes) {
    const list = $("quotes");
    list.replaceChildren(...quotes.map((quote) => el("li", {}, el("q", {}, quote.replace(/^["“”«»']+|["“”«»']+$/gu, "")))));
    if (!quotes.length) list.append(el("li", { className: "empty" }, "None: the texts share no quoted speech word for word."));
    $("quotes-section").hidden = false;
  }

  function renderMatches(matches) {
    $("matches").replaceChildren(
      ...matches.map((m) =>
        el(
          "tr",
          {},
          el("td", {}, articleName(m), " ", el("code", {}, m.id)),
          el("td", {}, m.source || "–"),
          el("td", {}, timeEl(m.published_at)),
          el("td", {}, label(m.relation)),
          el("td", { className: "num" }, formatScore(m.score))
        )
      )
    );
    $("matches-section").hidden = matches.length === 0;
  }

  function lineageNode(article, relation, score, extra) {
    const parts = [el("span", { className: "node-title" }, articleName(article))];
    parts.push(" · ", article.source || "unknown source", " · ", timeEl(article.published_at));
    if (relation) parts.push(" · ", el("span", { className: "relation" }, label(relation) + " " + formatScore(score)));
    parts.push(" ", el("code", {}, article.id));
    if (extra) parts.push(" ", extra);
    return parts;
  }

  async function renderLineage(answer) {
    const section = $("lineage-section");
    const list = $("lineage");
    const original = answer.original;
    section.hidden = !original;
    if (!original) return;
    list.replaceChildren(el("li", { className: "pending" }, "Loading the lineage…"));
    let stored;
    try {
      stored = await api("GET", articlePath(original.id) + "/provenance");
    } catch (err) {
      list.replaceChildren(el("li", { className: "error" }, "The lineage could not be read: " + (err.detail || err.message)));
      return;
    }
    const children = (stored.derivatives || []).map((d) =>
      el("li", { className: "derivative" }, ...lineageNode(d, d.relation, d.score))
    );
    const you = el(
      "li",
      { className: "you" },
      el("span", { className: "node-title" }, "Your text"),
      " (checked, not stored) · ",
      el("span", { className: "relation" }, label(answer.verdict) + " " + formatScore(answer.score)),
      original.via ? " · via " : "",
      original.via ? el("code", {}, original.via) : ""
    );
    children.push(you);
    list.replaceChildren(
      el(
        "li",
        { className: "root" },
        el("span", { className: "badge" }, "original"),
        " ",
        ...lineageNode(original, null, null),
        el("ol", {}, ...children)
      )
    );
  }

  // How much of a text the passages cover, as a share of its length (overlaps counted once).
  function coverage(spans, length) {
    if (!length) return null;
    const covered = spans.reduce((sum, s) => sum + (Math.min(s.end, length) - s.start), 0);
    return Math.round((100 * covered) / length);
  }

  function renderCoverage(passages, queryLength, originalLength, counterpart) {
    const kinds = { verbatim: 0, reworded: 0 };
    for (const p of passages) kinds[p.kind === "verbatim" ? "verbatim" : "reworded"] += 1;
    const parts = [
      passages.length + (passages.length === 1 ? " passage" : " passages") + " (" + kinds.verbatim + " verbatim, " +
        kinds.reworded + " reworded)",
    ];
    const ofQuery = coverage(spansOf(passages, "query"), queryLength);
    const ofOriginal = coverage(spansOf(passages, "match"), originalLength);
    if (ofQuery !== null) parts.push(ofQuery + "% of your text");
    if (ofOriginal !== null) parts.push(ofOriginal + "% of " + counterpart);
    $("coverage").textContent = parts.join(" · ");
  }

  // The match whose passages the page shows: the original's own or, when a chain reached the original
  // through another stored article (original.via), that article's. A chain's original carries no
  // passages in the answer, and is often not among the matches at all.
  function evidenceMatch(answer) {
    const original = answer.original;
    if (!original) return null;
    const id = original.via || original.id;
    return answer.matches.find((m) => m.id === id) || null;
  }

  // Why the passages shown are another article's, or why there are none to show.
  function renderEvidenceNote(original, match) {
    const note = $("evidence-note");
    const missing = (id) => [
      "The answer lists no passages for ", el("code", {}, id), ": it is not among the ",
      "matches returned (the page asks for the first " + MATCH_LIMIT + ").",
    ];
    if (original.via && match) {
      note.replaceChildren(
        "These are the passages your text shares with ", ...named(match),
        ", the stored article through which the original, ", ...named(original),
        ", was reached. The answer carries no passages between your text and the original itself."
      );
    } else if (!match) {
      note.replaceChildren(...missing(original.via || original.id));
    } else {
      note.replaceChildren();
    }
    note.hidden = !note.childNodes.length;
  }

  async function readArticle(id) {
    try {
      return [await api("GET", articlePath(id) + "?include=text"), null];
    } catch (err) {
      return [null, err.detail || err.message];
    }
  }

  async function render(request, answer) {
    const original = answer.original;
    const match = evidenceMatch(answer);
    const via = Boolean(original && original.via);
    renderSummary(answer, via ? match : null);
    renderMatches(answer.matches);
    $("result").hidden = false;
    const lineage = renderLineage(answer);
    if (!original) return lineage;
    $("evidence").hidden = false;
    renderEvidenceNote(original, match);
    // The article the passages point into, read once: its text for the pane, its lineage for the chain.
    const [article, failure] = match || via ? await readArticle(original.via || original.id) : [null, null];
    if (via) renderChain(original, match, article);
    if (match) {
      const passages = match.evidence.passages;
      const name = via ? "\u201c" + articleName(match) + "\u201d" : "the original";
      $("original-pane-heading").textContent = via ? "The article your text reuses: " + articleName(match) : "The original";
      $("passages").hidden = false;
      renderQueryPane(request, spansOf(passages, "query"), name);
      const length = article ? article.text_length : null;
      renderOriginalPane(article, spansOf(passages, "match"), length, name);
      if (failure) showNote("original-note", "The text of " + name + " could not be read: " + failure);
      const queryLength = request.format === "text" ? Array.from(cleanText(request.body)).length : null;
      renderCoverage(passages, queryLength, length, via ? "the article your text reuses" : "the original");
      renderQuotes(match.evidence.quotes || []);
    }
    await lineage;
  }

  // ------------------------------------------------------------------ errors and the form

  function showProblem(err) {
    const box = $("problem");
    const heading = err.status ? err.title + " (HTTP " + err.status + ")" : err.title;
    const parts = [el("p", { className: "problem-title" }, el("strong", {}, heading))];
    if (err.detail) parts.push(el("p", {}, err.detail));
    if (err.errors) {
      parts.push(
        el("ul", {}, ...Object.entries(err.errors).map(([field, messages]) =>
          el("li", {}, el("code", {}, field), ": ", [].concat(messages).join("; "))))
      );
    }
    if (err.status === 401 || err.status === 403) {
      parts.push(el("p", {}, "The service asks for an API key: enter it in the API key field and check again."));
    }
    if (err.retryAfter !== null) {
      // The number the service gave (Retry-After), not "the given number": the reader never sees headers.
      const seconds = err.retryAfter === 1 ? "1 second" : err.retryAfter + " seconds";
      parts.push(el("p", { className: "retry" }, el("strong", {}, "Try again in " + seconds + ".")));
    }
    box.replaceChildren(...parts);
    box.hidden = false;
    // Under the Check button, and scrolled into view: a message below the fold looks like no answer.
    box.scrollIntoView({ block: "nearest" });
  }

  function readRequest(form) {
    const data = new FormData(form);
    const request = { body: String(data.get("body") || ""), format: String(data.get("format") || "text"), limit: MATCH_LIMIT };
    const title = String(data.get("title") || "").trim();
    if (title) request.title = title;
    const published = String(data.get("published_at") || "");
    if (published) {
      const date = new Date(published);
      if (Number.isNaN(date.getTime())) throw new Problem(0, "Invalid date", "The publication time is not a valid date.");
      request.published_at = date.toISOString();
    }
    return request;
  }

  async function check(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const button = $("check");
    const status = $("status");
    $("problem").hidden = true;
    $("problem").replaceChildren();
    status.textContent = "";
    resetResult();
    let request;
    try {
      request = readRequest(form);
    } catch (err) {
      showProblem(err);
      return;
    }
    if (!request.body.trim()) {
      $("text").focus({ preventScroll: true }); // the message, not the top of the field, must be in view
      showProblem(new Problem(0, "Nothing to check", "Paste a text (or the HTML of a page) first."));
      return;
    }
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    status.textContent = "Checking…";
    try {
      const answer = await api("POST", "/provenance", request);
      await render(request, answer);
      status.textContent = "Done: " + label(answer.verdict) + ".";
      $("result-heading").focus();
    } catch (err) {
      resetResult();
      status.textContent = "";
      showProblem(err instanceof Problem ? err : new Problem(0, "Something went wrong", String(err)));
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  function init() {
    const key = $("api-key");
    key.value = sessionStorage.getItem(KEY_STORE) || "";
    key.addEventListener("input", () => {
      if (key.value) sessionStorage.setItem(KEY_STORE, key.value);
      else sessionStorage.removeItem(KEY_STORE);
    });
    $("result-heading").setAttribute("tabindex", "-1");
    $("check-form").addEventListener("submit", check);
    linkPanes();
  }

  init();
})();
