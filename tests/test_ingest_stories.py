"""Story index: finds exactly what a brute-force scan finds, forgets old stories."""

from __future__ import annotations

import random

import pytest

from bot.dedup import DEFAULT_THRESHOLD, distance, fingerprint
from bot.ingest.stories import StoryIndex
from tests.fixtures.ingest.site import load_articles


def _signed(u: int) -> int:
    return u - (1 << 64) if u >= 1 << 63 else u


def _flip(u: int, bits: int, rng: random.Random) -> int:
    for b in rng.sample(range(64), bits):
        u ^= 1 << b
    return u


@pytest.mark.parametrize(("size", "threshold"), [
    (40, DEFAULT_THRESHOLD), (2000, DEFAULT_THRESHOLD), (2000, 3), (500, 17)])
def test_matches_brute_force_on_random_and_near_fingerprints(size: int, threshold: int) -> None:
    rng = random.Random(size + threshold)
    index = StoryIndex(threshold=threshold)
    founders: dict[int, int] = {}
    for story in range(1, size + 1):
        fp = _signed(rng.getrandbits(64))
        founders[story] = fp
        assert index.add(story, fp, at=1000.0)
    queries = [_signed(rng.getrandbits(64)) for _ in range(300)]
    for story in rng.choices(sorted(founders), k=300):  # near copies around the threshold
        queries.append(_signed(_flip(founders[story] & ((1 << 64) - 1),
                                     rng.randint(0, threshold + 4), rng)))
    hits = 0
    for q in queries:
        near = sorted((distance(q, fp), s) for s, fp in founders.items()
                      if distance(q, fp) <= threshold)
        expected = near[0][1] if near else None
        assert index.find(q) == expected
        hits += expected is not None
    assert hits > 100


def test_fast_fingerprint_equals_the_reference_simhash() -> None:
    from bot.dedup.story import _fingerprint_reference

    rows = load_articles()
    rng = random.Random(1)
    words = [w for r in rows for w in (r["title"] + " " + r["text"][:500]).split()]
    cases = [(r["title"], r["text"][:n]) for r in rows for n in (0, 300, 3000)]
    cases += [(" ".join(rng.choices(words, k=rng.randint(0, 15))),
               " ".join(rng.choices(words, k=rng.randint(0, 80)))) for _ in range(500)]
    for title, lead in cases:
        assert fingerprint(title, lead) == _fingerprint_reference(title, lead), (title, lead)


def test_folded_majority_equals_counting_each_bit_for_any_weights() -> None:
    from bot.dedup.story import _majority, _majority_by_bit

    rng = random.Random(3)
    for _ in range(600):
        # 300 / 1024: 16-bit lanes; 1 << 17: counted bit by bit (beyond 65,534)
        big = rng.choice([4, 300, 1024, 1 << 17])
        features = {f"w{rng.randrange(10**6)}".encode():
                    rng.choice([1, 2, 3, rng.randrange(1, big)])
                    for _ in range(rng.randint(1, 60))}
        assert _majority(features) == _majority_by_bit(features), features


@pytest.mark.parametrize("total", [1, 2, 253, 254, 255, 256, 65533, 65534, 65535, 65536])
def test_folded_majority_at_the_lane_limits(total: int) -> None:
    """At and around the largest weight each lane width holds (a lane at its maximum would
    fold to 0), including every bit voted by all weight and by none."""
    from bot.dedup.story import _majority, _majority_by_bit

    rng = random.Random(total)
    for _ in range(25):
        k = rng.randint(1, min(total, 6))
        weights = [1] * (k - 1) + [total - (k - 1)]
        features = {f"x{i} {rng.random()}".encode(): w for i, w in enumerate(weights)}
        assert _majority(features) == _majority_by_bit(features), features
    # one feature: every bit of its hash wins with all the weight, every other bit loses
    features = {b"\xd8\xa7": total}
    assert _majority(features) == _majority_by_bit(features)


def test_real_wire_copies_join_and_other_stories_do_not() -> None:
    index = StoryIndex()
    a = fingerprint("الأمم المتحدة تدعو إلى وقف فوري لإطلاق النار في غزة",
                    "دعا الأمين العام للأمم المتحدة إلى وقف فوري لإطلاق النار")
    index.add(1, a, at=0.0)
    copy = fingerprint("عاجل: الأمم المتّحدة تدعو الى وقف فوري لإطلاق النار في غزة",
                       "دعا الأمين العام للأمم المتحدة إلى وقف فوري لإطلاق النار")
    other = fingerprint("ارتفاع أسعار النفط مع تراجع المخزونات الأمريكية",
                        "ارتفعت أسعار النفط في التعاملات الآسيوية")
    assert index.find(copy) == 1
    assert index.find(other) is None


def test_packed_distances_equal_popcounts() -> None:
    import struct

    from bot.ingest.stories import _distances

    rng = random.Random(5)
    for n in (1, 2, 7, 900, 20_000):  # 20,000: every founder a candidate, no size limit
        fps = [rng.getrandbits(64) for _ in range(n)] + [0, (1 << 64) - 1]
        for u in (0, (1 << 64) - 1, rng.getrandbits(64)):
            packed = b"".join(struct.pack("<Q", f) for f in fps)
            assert list(_distances(packed, u)) == [(f ^ u).bit_count() for f in fps]


def test_two_stories_with_one_fingerprint_the_oldest_wins_until_removed() -> None:
    index = StoryIndex()
    fp = _signed(random.Random(7).getrandbits(64))
    assert index.add(5, fp, at=1.0) and index.add(3, fp, at=2.0)
    assert index.find(fp) == 3
    index.remove(3)
    assert index.find(fp) == 5
    index.remove(5)
    assert index.find(fp) is None and len(index) == 0


def test_zero_fingerprint_never_matches_and_is_not_indexed() -> None:
    index = StoryIndex()
    assert not index.add(1, 0)
    assert index.find(0) is None and len(index) == 0


def test_prune_forgets_old_stories_and_remove_undoes() -> None:
    index = StoryIndex(window=100.0)
    index.add(1, 12345, at=0.0)
    index.add(2, -987654321, at=150.0)
    assert not index.add(2, 555, at=150.0)  # a story is indexed once (its founder)
    assert index.prune(now=120.0) == 1
    assert index.find(12345) is None and index.find(-987654321) == 2
    index.remove(2)
    index.remove(2)  # idempotent
    assert len(index) == 0 and index.find(-987654321) is None


def test_load_takes_the_first_row_of_each_story_as_founder() -> None:
    index = StoryIndex()
    assert index.load([(5, 111, 1.0), (5, 999999, 2.0), (6, 0, 3.0), (7, 222, 4.0)]) == 2
    assert index.find(111) == 5 and index.find(222) == 7


def test_at_most_limit_stories_stay_open_the_oldest_go_first() -> None:
    index = StoryIndex(limit=3)
    fps = {s: _signed(random.Random(s).getrandbits(64)) for s in range(1, 6)}
    for story, fp in fps.items():
        index.add(story, fp, at=float(story))
    assert len(index) == 3
    assert [index.find(fps[s]) for s in range(1, 6)] == [None, None, 3, 4, 5]
