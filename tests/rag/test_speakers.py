"""Speaker attribution, name folding and question parsing on hand-made sentences."""

from rag.speakers import Intent, Speaker, attribute, parse_question, same_person


def names(sentences, paragraphs=None):
    paragraphs = paragraphs or [0] * len(sentences)
    return [[s.name for s in ss] for ss in attribute(sentences, paragraphs)]


def test_parse_question_variants():
    assert parse_question("What did López Obrador say about fentanyl?") == Intent("López Obrador", "fentanyl")
    assert parse_question("what did lopez obrador say about fentanyl") == Intent("lopez obrador", "fentanyl")
    assert parse_question("What has Garland said on firearms?") == Intent("Garland", "firearms")
    assert parse_question("What did Blinken say?") == Intent("Blinken", None)
    assert parse_question("Did Blinken say anything about trade?") == Intent("Blinken", "trade")
    assert parse_question("What was Blinken's position on migration?") == Intent("Blinken", "migration")
    assert parse_question("How many asylum applications does Mexico process a year?") is None
    assert parse_question("What did the two maps show?") is None
    # Verbs whose object is the topic: "Did he mention X?" once the follow-up names him.
    assert parse_question("Did Ada Quist mention the packaging?") == Intent("Ada Quist", "the packaging")
    assert parse_question("Has Ada Quist denied the claims?") == Intent("Ada Quist", "the claims")
    assert parse_question("Did Ada Quist mention anything about the pier?") == Intent("Ada Quist", "the pier")
    # A clause with a modal after "say" is the person's prediction or claim; one without is another question.
    assert parse_question("What did Ada Quist say could sink the pier?") == Intent("Ada Quist", "could sink the pier")
    assert parse_question("What did Quist say the pier would cost?") == Intent("Quist", "the pier would cost")
    assert parse_question("what did quist say the pier was worth") is None
    # "What did X call Y?" asks what X said of Y; "call for" takes no topic.
    assert parse_question("What did Ada Quist call the new tariffs?") == Intent("Ada Quist", "the new tariffs")
    assert parse_question("What has Ada Quist called for?") is None
    assert parse_question("Did Ada Quist complain about the council?") == Intent("Ada Quist", "the council")


def test_names_fold_accents_case_and_honorifics():
    assert same_person("lopez obrador", "President Andrés Manuel López Obrador")
    assert same_person("Obrador", "Mr. López Obrador")
    assert same_person("LÓPEZ OBRADOR", "Lopez Obrador")
    assert not same_person("López Obrador", "Ovidio Guzmán López")
    assert not same_person("Garland", "Blinken")


def test_reporting_verbs_bind_the_right_name():
    got = names([
        "But despite Blinken's claims that the U.S. and Mexico must work together, Lopez Obrador has often said "
        "that American politicians shouldn't use Mexico as a \"scapegoat\".",
        "“We are working to disrupt the supply,” said US Attorney General Merrick Garland.",
        "According to Secretary of State Antony Blinken, overdoses are the leading cause of death.",
        "Barcena told the United Nations last week that Lopez Obrador wants to meet with Biden.",
        "The talks come as the United States also grapples with a crisis of synthetic opioids.",
    ], [0, 1, 2, 3, 4])
    assert got[0] == ["Lopez Obrador"]  # Blinken's claims are not his words here
    assert got[1][0].endswith("Merrick Garland")
    assert got[2][0].endswith("Antony Blinken")
    assert got[3] == ["Barcena"]  # López Obrador is mentioned, not quoted
    assert got[4] == []  # "United States" is not "X states"


def test_pronoun_and_quote_followups_inherit_within_the_paragraph():
    sentences = [
        "“This is the weapons pandemic,” Ebrard said in Spanish.",
        "“If we reduce this, violence will go down,” he said.",
        "“Fortunately, we do not have excessive addictions,” López Obrador said.",
        "“We regret what is happening in the United States.",
        "We do not have that.”",
        "“We are busy,” said Andrew Rudman.",
        "He added that officials would discuss Mr. López Obrador’s call for a summit.",
    ]
    got = names(sentences, [0, 0, 1, 1, 1, 2, 2])
    assert got[1] == ["Ebrard"]
    assert got[3] == got[4] == ["López Obrador"]
    assert got[6] == ["Andrew Rudman"]  # "he" is Rudman, though López Obrador is named


def test_pronoun_does_not_cross_into_an_unrelated_paragraph():
    got = names(["“Prices rose,” Garland said.", "The weather was fine.", "He added that it rained."], [0, 1, 1])
    assert got[2] == []


def test_he_added_opening_a_paragraph_reaches_the_previous_one():
    got = names(["“Three challenges,” Mr. Garland said.", "“Fentanyl is the deadliest threat,” he added."], [3, 4])
    assert got[1] == ["Mr. Garland"]


def test_what_x_told_an_audience_is_a_speech_question_about_that_audience():
    assert parse_question("What did Alicia Barcena tell the United Nations?") == Intent("Alicia Barcena", "the United Nations")
    assert parse_question("What did Garland tell reporters about fentanyl?") == Intent("Garland", "fentanyl")


def test_an_appeal_with_a_pronoun_subject_inherits_the_speaker_of_the_paragraph_before():
    speakers = attribute(["Barcena told the United Nations that Mexico is overwhelmed.",
                          "She appealed for help, saying Mexico processes 140,000 applications."], [0, 1])
    assert speakers[1] == [Speaker("Barcena", inherited=True)]


def test_a_name_with_an_apposition_before_its_verb_speaks():
    got = names([
        "Ada Quist, who sells lamps online and runs a tool for other sellers, said she was surprised.",
        "Bo Marsh Jr, Principal Chief of the Lakeside Nation, noted to reporters that the basket was not authentic.",
        "“It works,” said Tern’s striker Cal Ruddock.",
        "“We have deepened our cooperation,” said US Secretary of State Dov Amsel.",
    ], [0, 1, 2, 3])
    assert got[:3] == [["Ada Quist"], ["Bo Marsh Jr"], ["Cal Ruddock"]]
    assert got[3][0].endswith("Dov Amsel")
    assert names(["Speaking to the crowd, Will said the tour was over."]) == [["Will"]]  # a name, not "will"


def test_family_members_sharing_a_surname_are_two_people():
    assert not same_person("Rik Valen", "Mara Joy Valen")
    assert same_person("Rik Valen", "Valen") and same_person("Valen", "Mara Joy Valen")
    assert same_person("Bo Marsh Jr", "Marsh") and same_person("Bo Marsh Jr.", "Principal Chief Bo Marsh")
