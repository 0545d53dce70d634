"""clean_article on the five seeds (story kept verbatim, junk gone, metadata found), markdown, records, MultiHop."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.paths import MULTIHOP_DIR
from index.clean import CleanArticle, clean_article, iso_date
from index.load import RawDocument, load_paths

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
_SHARED = MULTIHOP_DIR


def _seed(prefix: str) -> CleanArticle:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    (doc,) = load_paths([path])
    article = clean_article(doc)
    assert article is not None
    return article


# For each seed: story sentences (first, middle, last, key quotations) that must survive verbatim,
# junk that must be gone, and the expected title / source / author.
SEED_CASES = {
    "000": dict(
        keep=[
            "Top US and Mexican diplomats and other officials met in Washington for security talks that focused "
            "on drugs, crime and irregular migration.",
            "A major focus was the production and distribution of fentanyl.",
            "“This is the weapons pandemic that we have in Mexico,” Ebrard said in Spanish.",
            "Blinken admits that fighting the cartels in Mexico is an uphill battle.",
            "“And that’s exactly what we recognized and talked about today. How do we intensify these efforts?”",
        ],
        junk=["Published:", "Enable Read mode", "Font Size", "Google News channel", "Read more", "dreamers",
              "Martha’s Vineyard", "Top Content Trending"],
        title="US, Mexico diplomats meet to discuss drugs, crime, migration", source=None, author=None,
    ),
    "001": dict(
        keep=[
            "The United States and Mexico starting Friday will hold two top-level meetings in less than a week as "
            "the neighbors face growing pressure over migration and drug smuggling.",
            "She appealed for help, saying that Mexico was processing 140,000 asylum applications a year and "
            "supporting migrants as they await decisions on entering the United States.",
            "No meeting was immediately announced between Blinken and Mexican President Andres Manuel Lopez Obrador.",
            "The Biden administration has imposed sanctions on cartels but a number of politicians from Trump’s "
            "Republican Party have called for tougher steps, including even US military action inside Mexico.",
        ],
        junk=["intensely focused", "Gaza", "Video Screenshot", "About the author", "Agence France-Presse",
              "oldest news agency", "Daily Newsletter"],
        title="US, Mexico in flurry of talks amid migration, drug rows", source="Agence France-Presse", author=None,
    ),
    "002": dict(
        keep=[
            "Drug trafficking and immigration crisis are issues that must be handled through cooperation between "
            "the U.S. and Mexico, according to Secretary of State Antony Blinken.",
            "During an Oct. 3 event at the Baker Institute at Rice University in Houston, Texas, Blinken said the "
            "relationship between the U.S. and Mexico is \"arguably the most important we have in terms of the "
            "practical impact.\"",
            "Blinken said that close ties have a positive impact in \"many good ways,\" but he also said that it comes "
            "with some challenges, particularly about the importation of illicit drugs and mass illegal immigration "
            "to the United States.",
            "The National Institute on Drug Abuse reports that 70,601 people die yearly from fentanyl-related "
            "overdoses.",
            "On Oct. 4, Blinken was joined by Homeland Security Secretary Alejandro Mayorkas",
            "But despite Blinken's claims that the U.S. and Mexico must work together, Lopez Obrador has often said "
            "that American politicians shouldn't use Mexico as a \"scapegoat for the record number of overdoses\" in "
            "America.",
            "Lopez Obrador has also commented that it is the job of American lawmakers to address the \"problem of "
            "social decay\" in the United States.",
            "On Oct. 2, Lopez Obrador said America could soon see more than 10,000 illegal immigrants per day arrive "
            "at its border with Mexico.",
            "According to Blinken, the U.S. is cooperating with Mexico now more than ever, and both countries want to "
            "address the mass illegal immigration crisis.",
        ],
        junk=["Related:", "Blinken meets with Xi", "Opioids.news", "Watch the video", "negatively impacted",
              "Brighteon", "More related stories", "DRUG CITY", "Newsom deploys", "NATIONAL CRISIS",
              "Sources include", "TheEpochTimes.com", "NIDA.NIH.gov", "NYTimes.com"],
        title="Secretary of State Antony Blinken: Drug trafficking, immigration are crisis MUTUAL RESPONSIBILITIES "
              "of the U.S. and Mexico",
        source=None, author=None,
    ),
    "003": dict(
        keep=[
            "MEXICO CITY — President Biden’s top Cabinet officials and their Mexican counterparts met Thursday as both "
            "countries sought a united front on drug and gun trafficking and managing record levels of migration.",
            "President Andrés Manuel López Obrador of Mexico opposes the construction of a wall, and the new plans risk "
            "splintering the two nation’s strategies on migration.",
            "“His extradition is a powerful symbol of what we can accomplish when we work together,” Garland said "
            "after the meeting.",
            "But López Obrador has denied fentanyl is made in Mexico and has said his nation should not be blamed for "
            "the record number of overdoses in the United States.",
            "“Fortunately, we do not have excessive addictions, drug consumption, like other countries, and that is "
            "very good,” López Obrador said during his regularly scheduled news briefing Thursday before meeting with "
            "the US officials.",
            "“We regret what is happening in the United States, which are our brothers but have a consumption of "
            "fentanyl that causes 100,000 deaths a year of young people. We do not have that.”",
            "The two nations will also aim to improve their strategy for deterring illegal migration in the Western "
            "Hemisphere — one of Biden’s primary political vulnerabilities as the 2024 presidential campaign ramps up.",
        ],
        junk=["The Boston Globe", "US, Mexico leaders seek unity", "Discuss major challenges", "By Eileen",
              "NEW YORK TIMES", "??", "MARCO UGARTE", "ASSOCIATED PRESS", "walked with Mexican Secretary",
              "Newspapers in English", "Newspapers from United States"],
        title="US, Mexico leaders seek unity on migration, fentanyl", source="The Boston Globe",
        author="Eileen Sullivan and Zolan Kanno-Youngs",
    ),
    "004": dict(
        keep=[
            "President Biden’s top cabinet officials will seek to forge a united front with Mexico during a series of "
            "meetings in Mexico City on Thursday that will focus on drug and gun trafficking, as well as illegal "
            "migration.",
            "During their visit, Mr. Garland, Mr. Mayorkas and Mr. Blinken will meet with a range of Mexican "
            "officials, including President Andrés Manuel López Obrador; his foreign minister, Alicia Bárcena Ibarra; "
            "and his security secretary, Rosa Icela Rodríguez.",
            "But Mr. López Obrador has denied fentanyl is made in Mexico.",
            "He added that the officials would also most likely discuss Mr. López Obrador’s recent call for a summit "
            "to address migration, specifically for Latin American nations.",
            "Mexico has also been pressing the Biden administration to do more to stop the smuggling of firearms and "
            "other weapons from the United States to Mexico. U.S. officials said, however, that American laws make it "
            "easy to buy and resell firearms.",
        ],
        junk=["Source link", "Leave a Reply", "Your email address", "Required fields"],
        title=None, source=None, author=None,
    ),
}


@pytest.mark.parametrize("seed", sorted(SEED_CASES))
def test_seed_story_kept_junk_gone_metadata_found(seed):
    case = SEED_CASES[seed]
    article = _seed(seed)
    for sentence in case["keep"]:
        assert sentence in article.text, sentence
    for junk in case["junk"]:
        assert junk not in article.text, junk
    if case["title"] is not None:
        assert article.title == case["title"]
    assert article.source == case["source"]
    assert article.author == case["author"]
    assert article.date is None and article.url is None


def test_seed_paragraph_format():
    for seed in SEED_CASES:
        text = _seed(seed).text
        assert "\n\n\n" not in text and text == text.strip()
        assert all(p and p == p.strip() and "\n" not in p for p in text.split("\n\n"))


def test_headline_only_title_falls_back_to_first_sentence():
    article = _seed("004")
    assert article.title.startswith("President Biden’s top cabinet officials will seek to forge a united front")
    assert len(article.title) <= 121 and "\n" not in article.title


def test_wrapped_lines_are_rejoined_but_subheadings_stay_apart():
    text = _seed("002").text
    paragraphs = text.split("\n\n")
    assert "Many Americans are dying from fentanyl overdose" in paragraphs
    assert "U.S. still struggling with border crisis" in paragraphs
    assert "handled through cooperation" in paragraphs[0] and paragraphs[0].startswith("Drug trafficking")


def test_markdown_is_stripped_lightly(tmp_path):
    f = tmp_path / "story.md"
    f.write_text(
        "# Port strike *ends* after talks\n\n"
        "By Ana Lima\n\n"
        "Dock workers in **Santos** returned to work on Monday after a [court ruling](https://x.test/r) ended\n"
        "the three-week strike.\n\n"
        "![crane](https://x.test/c.jpg)\n\n"
        "> \"We got what we asked for,\" said union leader `Paulo Reis`.\n"
    )
    (doc,) = load_paths([f])
    article = clean_article(doc)
    assert article.title == "Port strike ends after talks"
    assert article.author == "Ana Lima"
    assert article.text == (
        "Dock workers in Santos returned to work on Monday after a court ruling ended the three-week strike.\n\n"
        "\"We got what we asked for,\" said union leader Paulo Reis."
    )


def test_markdown_heading_with_a_link_keeps_the_link_text_only():
    doc = RawDocument("k", "/x/a.md", "# Glimmerford council [x](javascript:alert(1)) approves budget\n\n"
                      "The council approved the [budget](https://en.test/wiki/Budget_(2024)) on Monday.", "md")
    article = clean_article(doc)
    assert article.title == "Glimmerford council x approves budget"
    assert article.text == "The council approved the budget on Monday."


def test_short_lead_without_full_stop_after_the_headline_is_story_text():
    lead = "The harbour will reopen in May after two years of repairs, mayor Tindra Oakhollow said"
    doc = RawDocument("k", "/x/harbour.txt", f"Glimmerford harbour to reopen\n\n{lead}\n\n"
                      "Work began in March. Crews replaced the old pier.", "txt")
    article = clean_article(doc)
    assert article.title == "Glimmerford harbour to reopen"
    assert article.text.split("\n\n")[0] == lead


def test_record_metadata_is_kept_and_date_normalised():
    doc = RawDocument("k#1", "/data/feed.jsonl", "Title Here\n\nAdvertisement\n\nThe actual story sentence.",
                      "jsonl", title="Title Here", source="Wire", author="Jo Doe",
                      date="2023-09-26T17:30:00+00:00", url="https://x.test/a")
    article = clean_article(doc)
    assert article == CleanArticle(title="Title Here", text="The actual story sentence.", source="Wire",
                                   author="Jo Doe", date="2023-09-26", url="https://x.test/a")


@pytest.mark.parametrize("raw,iso", [
    ("2023-09-26T17:30:00+00:00", "2023-09-26"), ("2023-10-05", "2023-10-05"), ("September 26, 2023", "2023-09-26"),
    ("Tue, 26 Sep 2023 17:30:00 GMT", "2023-09-26"), ("26 Sep 2023", "2023-09-26"), ("last Tuesday", None),
    ("2023-13-45", None), (None, None),
])
def test_iso_date(raw, iso):
    assert iso_date(raw) == iso


def test_nothing_left_gives_none():
    doc = RawDocument("k", "/x/junk.txt", "Advertisement\n\nSource link\n\nLeave a Reply\n\nComment text", "txt")
    assert clean_article(doc) is None


@pytest.mark.skipif(not (_SHARED / "corpus.json").exists(), reason="MultiHop-RAG corpus not present")
def test_multihop_cleaning_keeps_every_gold_fact():
    """(Its speed is bench/clean.py's.)"""
    docs = list(load_paths([_SHARED / "corpus.json"]))
    cleaned = {d.url: clean_article(d) for d in docs}
    assert all(a is not None and a.date and a.title for a in cleaned.values())
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - the paper's whitespace-free matching
    texts = {url: squash(a.text) for url, a in cleaned.items()}
    queries = json.loads((_SHARED / "queries-dev.json").read_text())
    facts = [(e["url"], squash(e["fact"])) for q in queries for e in q["evidence_list"]]
    lost = [f for url, f in facts if f not in texts[url]]
    assert not lost, lost[:3]
    joined = "\n".join(a.text for a in cleaned.values())
    for junk in ("\nAdvertisement\n", "CLICK HERE TO GET THE FOX NEWS APP", "Facebook Twitter Whatsapp Reddit"):
        assert junk not in joined
