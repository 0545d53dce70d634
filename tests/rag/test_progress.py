"""rag.progress.CountProgress in a log: counted lines with rate and time left, a new count per total."""

import io
import re

from rag.progress import CountProgress, _clock


def test_lines_count_items_against_their_total_with_rate_and_time_left():
    out = io.StringIO()
    progress = CountProgress("document", stream=out, every=2, seconds=3600)
    for done in range(1, 6):
        progress(done, 5, f"corpus.json #{done}")
    progress(0, 0, "waiting for another ingest to finish")
    lines = out.getvalue().splitlines()
    assert [re.sub(r"\(.*\) ", "", line) for line in lines] == [
        "indexing: 1 of 5 documents corpus.json #1",  # the first report always shows
        "indexing: 2 of 5 documents corpus.json #2",
        "indexing: 4 of 5 documents corpus.json #4",
        "indexing: 5 of 5 documents corpus.json #5",  # the last item always shows
        "indexing: waiting for another ingest to finish",  # no total: the label alone
    ]
    assert "/s" not in lines[0]  # no rate before a second report
    assert re.search(r"\(\d+\.\d/s, \d+:\d\d left\)", lines[1]), lines[1]
    assert "left" not in lines[3]  # nothing is left at the end


def test_a_new_total_starts_a_new_count():
    out = io.StringIO()
    progress = CountProgress("document", stream=out, every=1, seconds=3600)
    progress(1, 2, "https://example.org/a (fetching)")
    progress(1, 1, "a.html")
    assert out.getvalue().splitlines()[-1].startswith("indexing: 1 of 1 document ")


def test_clock():
    assert [_clock(s) for s in (7, 159, 3723)] == ["0:07", "2:39", "1:02:03"]
