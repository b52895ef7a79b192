"""Near-duplicate story fingerprints: 64-bit SimHash over normalized Arabic words.

Two wire copies of one story (the same headline re-punctuated, with or without tashkeel,
with a different hamza spelling, behind a marker such as ``عاجل:``) get fingerprints a
few bits apart; unrelated stories land about 32 bits apart. :func:`same_story` compares
the Hamming distance with a threshold tuned on the five 2018 Arabic feeds (see
``DEFAULT_THRESHOLD``).

Features: the title and the lead are normalized (:func:`bot.arabic.normalize`), split
into words, stopwords and story markers dropped, a light prefix stem applied
(``وال``/``بال``/``ال``...), and then word unigrams and bigrams are hashed. Title
features weigh more than lead features, so a long lead cannot drown the headline.

Fingerprints are returned as *signed* 64-bit integers so SQLite INTEGER can store them.
A text with no content words gets fingerprint 0, which never matches anything.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache
from hashlib import blake2b
from itertools import pairwise

from bot.arabic.normalize import normalize

__all__ = [
    "DEFAULT_THRESHOLD",
    "STOPWORDS",
    "content_words",
    "distance",
    "fingerprint",
    "same_story",
]

#: Hamming distance at or below which two fingerprints are one story. Tuned with
#: bench/dedup.py on the five 2018 feeds (510 distinct items, 129,795 pairs): the closest
#: two different stories are 12 bits apart (0 pairs <= 10); on articles.jsonl + EASC
#: (219,453 pairs) the closest are 13 apart. Punctuation, tashkeel, hamza and "عاجل:"
#: variants are 0 bits apart; a cut last title word is <= 10 for 99.8%, a " - source"
#: suffix for 85%. Same-event stories rewritten by another site are 17+ bits apart:
#: SimHash does not (and at this threshold must not) join those.
DEFAULT_THRESHOLD = 10

_MASK = (1 << 64) - 1
_TITLE_WEIGHT = 2
_LEAD_WEIGHT = 1
_LEAD_WORDS = 40  # only the first words of a lead: wire copies share the opening

# A small built-in list (normalized at import). The full list lives in
# bot/arabic/stopwords.py once it exists; this one only has to keep function words and
# story markers out of the fingerprint.
_RAW_STOPWORDS = """
في من على إلى الى عن مع أن إن ان أنه انه إنه أنها انها كان كانت يكون تكون قد لقد لم لن
ما ماذا لا لا لما هذا هذه ذلك تلك هؤلاء الذي التي الذين اللذين اللتين اللواتي هو هي هم هن
نحن أنا انت أنت وهو وهي كما كل بعد قبل بين حتى عند عندما حيث منذ خلال ضد نحو أي أو او
ثم بل لكن لكنه غير سوى إلا الا أمام امام فوق تحت دون لدى لدي لها له لهم بها به بهم فيها فيه
منها منه عليها عليه إليها اليها إليه اليه عنها عنه وفي ومن وعلى والى وإلى وعن ومع وأن وان
فقد وقد ولم ولا وما وكان وكانت وهذا وهذه وذلك التي الذي أيضا ايضا يوم اليوم أمس امس غدا
قال قالت يقول تقول وقال وقالت أكد اكد أكدت اكدت أعلن اعلن أعلنت اعلنت أضاف اضاف وأضاف
حول عبر وفق إثر اثر جراء بسبب بشأن عقب لدى ليس ليست هناك هنا كيف متى أين لماذا
عاجل خاص حصري فيديو بالفيديو صور بالصور شاهد مباشر تقرير إنفوغراف انفوجرافيك بالفيديوجراف
"""
STOPWORDS: frozenset[str] = frozenset(normalize(w) for w in _RAW_STOPWORDS.split())

_WORD = re.compile(r"[^\W_]+")
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """Strip one definite-article-like prefix when enough of the word is left."""
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def content_words(text: str) -> list[str]:
    """Normalized, stemmed content words of ``text`` (stopwords and 1-letter words dropped)."""
    words: list[str] = []
    for word in _WORD.findall(normalize(text)):
        if len(word) < 2 or word in STOPWORDS:
            continue
        words.append(_stem(word))
    return words


def _hash(feature: str) -> int:
    return int.from_bytes(blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")


# blake2b(digest_size=8) with nothing hashed yet: copying it costs ~0.5 µs against ~0.9 µs
# for a new one (the keyword arguments are parsed each time).
_BLAKE2B_8 = blake2b(digest_size=8)


def _features(words: list[str], weight: int, into: dict[bytes, int]) -> None:
    """Add the words and word pairs of ``words``, UTF-8 encoded ("a b" for a pair)."""
    encoded = [word.encode("utf-8") for word in words]
    for word in encoded:
        into[word] = into.get(word, 0) + weight
    for a, b in pairwise(encoded):
        key = a + b" " + b
        into[key] = into.get(key, 0) + weight


def fingerprint(title: str, lead: str = "") -> int:
    """The 64-bit SimHash of a story, as a signed int64 (SQLite INTEGER range)."""
    features: dict[bytes, int] = {}
    _features(content_words(title), _TITLE_WEIGHT, features)
    if lead:
        _features(content_words(lead)[:_LEAD_WORDS], _LEAD_WEIGHT, features)
    if not features:
        return 0
    value = _majority(features)
    return value - (1 << 64) if value >= 1 << 63 else value


# The vote of all features at once. Each feature's 8-byte hash is repeated ``weight`` times
# and all are read as one big integer of 64-bit blocks. ``(big >> r) & ones`` keeps bit r
# of every byte (or of every 16-bit lane); the sum of all blocks then holds, in the lane of
# bit b, the weight voting for bit b. That sum is ``big % (2**64 - 1)`` (2**64 = 1 modulo
# 2**64 - 1, like casting out nines) as long as no lane overflows and the sum is not
# 2**64 - 1 itself, i.e. every lane stays below its maximum: a total weight of at most
# 254 (bytes, 8 rounds) or 65,534 (16-bit lanes, 16 rounds); beyond that, bit by bit.
_FOLD = (1 << 64) - 1
_BYTE_MAX = 254
_BYTE_ONES = int.from_bytes(b"\x01" * 8 * _BYTE_MAX, "big")
_LANE_MAX = 65534
_LANES16 = struct.Struct("<4H")


def _majority(features: dict[bytes, int]) -> int:
    """Bit ``b`` of the result is set when the features whose hash has bit ``b`` set weigh
    more than half of all the weight (the SimHash vote: sum of +w / -w > 0)."""
    total = sum(features.values())
    if total > _LANE_MAX:
        return _majority_by_bit(features)
    seed = _BLAKE2B_8
    parts = []
    for feature, weight in features.items():
        h = seed.copy()
        h.update(feature)
        parts.append(h.digest() * weight)
    big = int.from_bytes(b"".join(parts), "big")  # each block = int.from_bytes(hash, "big")
    threshold = total // 2  # set when votes > total / 2, i.e. votes > floor(total / 2)
    value = 0
    if total <= _BYTE_MAX:
        above = bytes(threshold + 1) + b"\x01" * (255 - threshold)  # votes -> 1 if set
        for r in range(8):
            votes = ((big >> r) & _BYTE_ONES) % _FOLD  # byte i: the votes for bit 8i + r
            value |= int.from_bytes(votes.to_bytes(8, "little").translate(above),
                                    "little") << r
        return value
    ones = int.from_bytes(b"\x00\x01" * 4 * total, "big")
    for r in range(16):
        votes = ((big >> r) & ones) % _FOLD  # lane i: the votes for bit 16i + r
        for i, count in enumerate(_LANES16.unpack(votes.to_bytes(8, "little"))):
            if count > threshold:
                value |= 1 << (16 * i + r)
    return value


def _majority_by_bit(features: dict[bytes, int]) -> int:
    counts = [0] * 64
    for feature, weight in features.items():
        h = int.from_bytes(blake2b(feature, digest_size=8).digest(), "big")
        for bit in range(64):
            counts[bit] += weight if h >> bit & 1 else -weight
    return sum(1 << bit for bit, count in enumerate(counts) if count > 0)


def _fingerprint_reference(title: str, lead: str = "") -> int:
    """The straightforward SimHash (one counter per bit); :func:`fingerprint` must equal it."""
    features: dict[str, int] = {}
    for words, weight in ((content_words(title), _TITLE_WEIGHT),
                          (content_words(lead)[:_LEAD_WORDS] if lead else [], _LEAD_WEIGHT)):
        for word in words:
            features[word] = features.get(word, 0) + weight
        for a, b in pairwise(words):
            features[f"{a} {b}"] = features.get(f"{a} {b}", 0) + weight
    if not features:
        return 0
    counts = [0] * 64
    for feature, weight in features.items():
        h = _hash(feature)
        for bit in range(64):
            if h >> bit & 1:
                counts[bit] += weight
            else:
                counts[bit] -= weight
    value = 0
    for bit, count in enumerate(counts):
        if count > 0:
            value |= 1 << bit
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    """Hamming distance between two fingerprints (signed or unsigned form)."""
    return ((a ^ b) & _MASK).bit_count()


def same_story(a: int, b: int, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when the fingerprints are at most ``threshold`` bits apart. A zero fingerprint
    (no content words) never matches."""
    if a == 0 or b == 0:
        return False
    return distance(a, b) <= threshold
