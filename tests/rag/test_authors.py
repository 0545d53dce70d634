"""The author filter on the real seeds index: `rag ask --author`, `restrict_to_authors`, and no article left."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import Filters, query
from rag.cli import main
from rag.store import Library, restrict_to_authors

pytestmark = pytest.mark.e2e

AUTHORS = "Eileen Sullivan and Zolan Kanno-Youngs"  # the byline of seed 003 (The Boston Globe)


def test_an_author_filter_keeps_only_their_articles(seeds_index, capsys):
    library = Library(seeds_index.index_dir)
    paths = {r[0]: Path(r[1]).name[:3] for r in library.connect().execute("SELECT id, path FROM articles")}
    filters = restrict_to_authors(library, None, [AUTHORS])
    assert [paths[i] for i in filters.article_ids] == ["003"]
    answer = query("What did López Obrador say about fentanyl?", filters=filters, index=seeds_index)
    assert answer.citations and {paths[c.article_id] for c in answer.citations} == {"003"}

    assert main(["ask", "What did López Obrador say about fentanyl?", "--author", AUTHORS,
                 "--index", str(seeds_index.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "[1] " in out and "The Boston Globe" in out


def test_no_article_left_is_a_one_line_error(seeds_index, capsys):
    library = Library(seeds_index.index_dir)
    with pytest.raises(ValueError, match="no article by Nobody Atall in the library"):
        restrict_to_authors(library, Filters(sources=("The Boston Globe",)), ["Nobody Atall"])
    other = next(r[0] for r in library.connect().execute("SELECT id FROM articles WHERE author IS NULL"))
    with pytest.raises(ValueError, match="among the chosen articles"):
        restrict_to_authors(library, Filters(article_ids=(other,)), [AUTHORS])
    assert main(["ask", "fentanyl", "--author", "Nobody Atall", "--index", str(seeds_index.index_dir)]) == 1
    assert capsys.readouterr().err.strip() == "error: no article by Nobody Atall in the library"
