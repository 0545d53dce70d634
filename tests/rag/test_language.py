"""rag.language: which questions are read as English."""

from rag.assistant import clean_question
from rag.language import NOT_ENGLISH, looks_english


def test_english_questions_with_foreign_names_pass_and_others_do_not():
    assert looks_english("What did López Obrador say about the Sinaloa cartel?")
    assert looks_english("Qué?")  # too short to tell
    assert not looks_english("¿Qué dijo el presidente sobre la migración?")
    assert not looks_english("Qu'est-ce que le président dit sur les migrants?")
    assert not looks_english("Что сказал президент о фентаниле?")  # another script
    assert clean_question("Hat der Präsident über die Grenze gesprochen und ist das neu?") == (
        "Hat der Präsident über die Grenze gesprochen und ist das neu?", NOT_ENGLISH)
