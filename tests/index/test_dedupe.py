from pathlib import Path

from index.dedupe import ARTICLE_THRESHOLD, best_match, signature, similarity
from rag.text import fold

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def read(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_fold_removes_case_and_accents():
    assert fold("López OBRADOR Bárcena") == "lopez obrador barcena"


def test_syndicated_copy_is_detected_and_other_stories_are_not():
    globe, nyt = signature(read("003")), signature(read("004"))
    others = [signature(read(n)) for n in ("000", "001", "002")]
    assert similarity(globe, nyt) >= ARTICLE_THRESHOLD
    assert all(similarity(globe, o) < ARTICLE_THRESHOLD for o in others)
    assert all(similarity(nyt, o) < ARTICLE_THRESHOLD for o in others)
    match, _ = best_match(globe, {"nyt": nyt, "afp": others[1]})
    assert match == "nyt"
    assert best_match(others[0], {"nyt": nyt})[0] is None


def test_the_reprint_is_tagged_not_the_original():
    from index.dedupe import reprints
    from index.pipeline import ArticleSummary

    def article(id, group, chunks, date=None):
        return ArticleSummary(id=id, title=id, source=None, date=date, author=None, path=None, group=group,
                              chunks=chunks)

    # The seeds: the Boston Globe reprint was indexed first, so the group bears its id; it is the shorter one.
    seeds = [article("globe", "globe", 5), article("nyt", "globe", 7), article("afp", None, 3)]
    assert reprints(seeds) == {"globe"}
    # An earlier date wins over length; equal length and date leave the group's first as the original.
    dated = [article("a", "a", 9, "2023-10-06"), article("b", "a", 4, "2023-10-05"), article("c", "a", 4, "2023-10-05")]
    assert reprints(dated) == {"a", "c"}
    assert reprints([article("x", "x", 3), article("y", "x", 3)]) == {"y"}
