"""Extractive summaries: 2-3 whole sentences of the article, in their original order.

Sentences are scored on normalized, stopword-free, light-stemmed terms:

* centrality: how similar the sentence is to the others (mean cosine of TF-IDF vectors,
  inverse document frequency over the sentences of the article; "degree centrality");
* position: news puts the point first (a decaying bonus, largest for the first sentence);
* title overlap: share of the headline's terms that the sentence has.

Selection is greedy by score within the sentence and character budgets, skipping
sentences that repeat the headline or a sentence already taken, page noise and fragments.
When not even one sentence fits the budget, the best one is cut on a word boundary and
ends with "…". The text's last sentence, when it has no closing punctuation, is where the
*text* stops rather than where the sentence does (feeds cut teasers short, "[...]" tails
are cleaned away): chosen, it ends with "…" too, so the reader sees that the article goes
on instead of a sentence that breaks off ("... كانت زرعتها الميليشيات قبل…"). For the same
reason a chosen sentence ending with a colon that announces what follows ("عبر خطوات
بسيطة:") ends with "…" unless the sentence after it is chosen too.

A sentence that goes on from the one before it with a reporting verb and no subject
("وأضاف أن ...", "وأشارت إلى ...") is chosen only right after that sentence: alone, the
reader cannot tell who is speaking.

List items ("- ...", "• ...", "1) ...", "2- ...") and short headings ending with a colon are
only a last resort, like fragments:
in news a list is a schedule, steps or a table whose rows mean little out of it, and a
summary reading "1) افتح التطبيق. 4) انقر على تصدير" skips what the reader needs. Pure
and deterministic (ties break by position).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from bot.arabic.normalize import normalize
from bot.arabic.sentences import split_sentences, unwrap_lines
from bot.arabic.stem import light_stem
from bot.arabic.stopwords import is_stopword
from bot.arabic.tokens import tokenize_normalized
from bot.extract.noise import attribution_of, noise_kind, normalized, normalized_tokens

ELLIPSIS = "…"
# Fewer word tokens than this and a sentence is a fragment (a label, a kicker, "نعم.").
MIN_TOKENS = 5
# Fewer than this and a sentence ending with a colon is a heading of what follows
# ("الساعة الثانية والنصف بعد الظهر:"), a fragment too.
HEADING_TOKENS = 8
# Two sentences sharing this much of their terms (Jaccard) say the same thing.
DUPLICATE_JACCARD = 0.7
# A sentence this similar (cosine) to one already chosen adds nothing.
REDUNDANT_COSINE = 0.6

# A sentence that is the headline followed by at most this many words repeats it ("وفاة
# فلان، زعيم المعارضة" / "وفاة فلان، زعيم المعارضة بعد صراع مع المرض."): the reader has
# just read the headline in bold.
HEADLINE_TAIL_TOKENS = 5

# A sentence that ends: closing punctuation (۔ is Urdu's full stop), then closing quotes or
# brackets if any.
_ENDED = re.compile(r"[.!?؟…۔][\"'»”’)\]]*$")
# Left before an ellipsis, these would dangle: separators, dashes, opening brackets.
_DANGLING = " ،,؛;:-–—(«"
# A sentence announcing what follows ("... الخطوات التالية:").
_ANNOUNCES = re.compile(r"\s*[:：]\s*$")
# A list item: a bullet or a dash, or a number followed right away by ")", "-" or ".", then
# a space ("1) ", "2- ", "3. "; not "15 - 20 قتيلا").
_LIST_ITEM = re.compile(r"(?:[-*•●▪◦·–—]|\(?\d{1,3}[).\-–])\s")

# A sentence that goes on from the one before it, where its subject is: "وأضاف أن ...",
# "وأشارت إلى ...", "وتابع قائلا: ..." (normalized: the first token a reporting verb, with
# و/ف and the feminine ت or not; the next one "that", "to", "saying", or a colon or quote
# right after the verb). Without that sentence a reader cannot tell who "added".
_REPORTING = frozenset(
    p + verb + t
    for p in ("", "و", "ف")
    for verb in ("اضاف", "تابع", "اشار", "اوضح", "اكد", "قال", "لفت", "شدد", "بين", "اردف",
                 "ختم", "اعتبر", "كشف", "اعلن", "اعرب", "استطرد", "زاد", "نوه", "لاحظ")
    for t in ("", "ت"))
_GOES_ON = frozenset(
    {p + "ان" + s for p in ("", "ب") for s in ("", "ه", "ها", "هم", "هما", "هن", "نا", "ني")}
    | {"الي", "عن", "قائلا", "قائله", "مضيفا", "مضيفه"})
# The verb, then a colon, or a quotation (its text; what follows it, None if unclosed).
_QUOTE_AFTER_VERB = re.compile(r"\S+?\s*(:|[«\"“]([^»\"”]*)(?:[»\"”]\s*(.*))?)", re.S)

# Only the first sentences compete (pairwise similarity is quadratic; news is front-loaded).
MAX_SCORED = 80

# Weights chosen on EASC (a coarse grid: position weight 0.5/1/2, decay 0.1/0.3/1,
# centroid vs degree vs TextRank centrality; see bench/summarize.py for the figures).
WEIGHT_CENTRALITY = 1.0
WEIGHT_POSITION = 2.0
WEIGHT_TITLE = 0.5
POSITION_DECAY = 0.3  # position score = 1 / (1 + POSITION_DECAY * index)


@dataclass(slots=True)
class _Sentence:
    text: str
    normalized: str
    terms: Counter[str]
    n_tokens: int
    tokens: tuple[str, ...] = ()
    keys: frozenset[str] = frozenset()  # the terms, as a set (overlaps are set operations)
    index: int = 0  # position among the text's sentences
    continues: bool = False  # goes on from the sentence before it (_REPORTING)


def _continues(raw: str, normalized: str, tokens: tuple[str, ...]) -> bool:
    """Whether a sentence opens with a reporting verb and no subject: "وأضاف أن ...",
    "وأشارت إلى ...", "وتابع: ...", "وأضاف «... (a quotation of 4 words or more)»". A short
    quotation is a name ("وأوضح «حساب المواطن» أن"), and so is "آن" (Anne), which
    normalizes like "أن"."""
    if len(tokens) < 2 or tokens[0] not in _REPORTING:
        return False
    if tokens[1] in _GOES_ON:
        words = raw.split(maxsplit=2)
        return len(words) < 2 or not words[1].startswith("آ")
    quote = _QUOTE_AFTER_VERB.match(normalized)
    if quote is None:
        return False
    if quote.group(1) == ":":
        return True
    said, after = quote.group(2), quote.group(3) or ""
    if after and after.split(maxsplit=1)[0] in _GOES_ON:
        return False  # «...» أن: the quotation is who said it
    return len(said.split()) >= 4 or quote.group(3) is None


# token -> its term (light stem), "" for a stopword. Pure, and news vocabulary repeats:
# looked up with map(dict.get) the terms of a sentence cost one C call.
_TERM_OF: dict[str, str] = {}
_TERM_CACHE_MAX = 1 << 16  # ~10 MiB when full (tracemalloc); then cleared


def _term(token: str) -> str:
    term = "" if is_stopword(token) else light_stem(token)
    if len(_TERM_OF) >= _TERM_CACHE_MAX:
        _TERM_OF.clear()
    _TERM_OF[token] = term
    return term


def _terms(normalized: str, tokens: tuple[str, ...] | None = None) -> tuple[Counter[str], int]:
    if tokens is None:
        tokens = tuple(tokenize_normalized(normalized))
    terms = list(map(_TERM_OF.get, tokens))
    if None in terms:
        terms = [_term(t) if term is None else term for t, term in zip(tokens, terms, strict=True)]
    return Counter(filter(None, terms)), len(tokens)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit vectors: their dot product."""
    if len(a) > len(b):
        a, b = b, a
    # terms missing from b would add w * 0.0: skipping them gives the same sum
    return sum(w * b[t] for t, w in a.items() if t in b)


def _same_as_title(sentence: _Sentence, title_norm: str, title_keys: frozenset[str],
                   title_tokens: tuple[str, ...] = ()) -> bool:
    if not title_norm:
        return False
    tokens = sentence.tokens or tuple(tokenize_normalized(sentence.normalized))
    title_tokens = title_tokens or tuple(tokenize_normalized(title_norm))
    bare = "".join(tokens)
    if bare and bare == "".join(title_tokens):
        return True
    if (title_tokens and tokens[: len(title_tokens)] == title_tokens
            and len(tokens) - len(title_tokens) <= HEADLINE_TAIL_TOKENS):
        return True
    if not sentence.keys or not title_keys:
        return False
    # the headline, give or take a word or two (a site suffix, a trailing clause)
    return len(sentence.keys & title_keys) / len(sentence.keys | title_keys) >= 0.75


def cut_on_word(text: str, max_chars: int) -> str:
    """``text`` if it fits, else its longest word-boundary prefix that fits with "…"."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    if max_chars < 2:
        return ""
    head = text[: max_chars - len(ELLIPSIS) + 1]
    cut = head.rfind(" ")
    if cut <= 0:
        return ""  # one "word" longer than the budget: nothing readable to show
    return head[:cut].rstrip(" ،,؛;:-–—(«\"'") + ELLIPSIS


def _candidates(
    text: str, title_norm: str, title_keys: frozenset[str]
) -> tuple[list[_Sentence], list[_Sentence]]:
    """(sentences worth summarizing, fragments kept as a last resort), in text order."""
    title_tokens = tuple(tokenize_normalized(title_norm)) if title_norm else ()
    good: list[_Sentence] = []
    fragments: list[_Sentence] = []
    raws = split_sentences(unwrap_lines(text))
    for index, raw in enumerate(raws):
        if noise_kind(raw) is not None or attribution_of(raw) is not None:
            continue
        norm = normalized(raw)
        tokens = normalized_tokens(raw)
        terms, n_tokens = _terms(norm, tokens)
        if n_tokens == 0:
            continue
        keys = frozenset(terms)
        sentence = _Sentence(raw, norm, terms, n_tokens, tokens, keys, index,
                             index > 0 and _continues(raw, norm, tokens))
        if _same_as_title(sentence, title_norm, title_keys, title_tokens):
            continue
        if any(
            norm == kept.normalized or _jaccard(keys, kept.keys) >= DUPLICATE_JACCARD
            for kept in good
        ):
            continue
        if (n_tokens >= MIN_TOKENS and terms and not _LIST_ITEM.match(raw)
                and not (n_tokens < HEADING_TOKENS and _ANNOUNCES.search(raw))):
            good.append(sentence)
            if len(good) == MAX_SCORED:
                break
        else:
            fragments.append(sentence)
    last = good[-1] if good and good[-1].text is raws[-1] else None
    if last is None and fragments and fragments[-1].text is raws[-1]:
        last = fragments[-1]
    if last is not None and not _ENDED.search(last.text):
        # the text stops here, the sentence does not (module doc); a dangling comma, colon
        # or opener goes, as when a sentence is cut on a word (cut_on_word)
        last.text = last.text.rstrip(_DANGLING) + ELLIPSIS
    return good, fragments


def _scores(
    sentences: list[_Sentence], title_keys: frozenset[str]
) -> tuple[list[float], list[dict[str, float]]]:
    n = len(sentences)
    df: Counter[str] = Counter()
    for s in sentences:
        df.update(s.terms.keys())
    idf = {t: math.log(1.0 + n / d) for t, d in df.items()}
    vectors = [_unit({t: c * idf[t] for t, c in s.terms.items()}) for s in sentences]
    # degree centrality: mean similarity to the other sentences, scaled to [0, 1]
    similarity = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            similarity[i][j] = similarity[j][i] = _cosine(vectors[i], vectors[j])
    centrality = [sum(row) for row in similarity]
    top = max(centrality, default=0.0) or 1.0
    scores = []
    for position, s in enumerate(sentences):
        score = WEIGHT_CENTRALITY * centrality[position] / top
        score += WEIGHT_POSITION / (1.0 + POSITION_DECAY * position)
        if title_keys:
            score += WEIGHT_TITLE * len(title_keys & s.keys) / len(title_keys)
        scores.append(score)
    return scores, vectors


def summarize(text: str, title: str = "", *, max_sentences: int = 3, max_chars: int = 600) -> str:
    """An extractive summary of ``text``: at most ``max_sentences`` whole sentences and
    ``max_chars`` characters, in original order, without the headline ``title``.

    Returns "" when the text has nothing but noise, or only the headline.
    """
    if max_sentences < 1 or max_chars < 1 or not text or not text.strip():
        return ""
    title_norm = normalize(title) if title else ""
    title_keys = frozenset(_terms(title_norm)[0]) if title_norm else frozenset()
    good, fragments = _candidates(text, title_norm, title_keys)
    pool = (good or fragments)[:MAX_SCORED]
    if not pool:
        return ""
    scores, vectors = _scores(pool, title_keys)
    order = sorted(range(len(pool)), key=lambda i: (-scores[i], i))
    chosen: list[int] = []
    used = 0
    for i in order:
        if len(chosen) >= max_sentences:
            break
        length = len(pool[i].text) + (1 if chosen else 0)
        if used + length > max_chars:
            continue
        if any(_cosine(vectors[i], vectors[j]) >= REDUNDANT_COSINE for j in chosen):
            continue
        if pool[i].continues and not (i > 0 and i - 1 in chosen
                                      and pool[i - 1].index == pool[i].index - 1):
            continue  # "وأضاف أن ..." without the sentence saying who
        chosen.append(i)
        used += length
    if not chosen:
        return cut_on_word(pool[order[0]].text, max_chars)
    return _joined([pool[i] for i in sorted(chosen)])


def _joined(chosen: list[_Sentence]) -> str:
    """The chosen sentences, in text order; a colon left announcing a sentence that is not
    there becomes "…" (the same length: the budget holds)."""
    texts = [s.text for s in chosen]
    for k, s in enumerate(chosen):
        follows = k + 1 < len(chosen) and chosen[k + 1].index == s.index + 1
        if not follows and _ANNOUNCES.search(s.text):
            texts[k] = _ANNOUNCES.sub("", s.text).rstrip(_DANGLING) + ELLIPSIS
    return " ".join(texts)


__all__ = ["ELLIPSIS", "cut_on_word", "summarize"]
