"""Is a question in English? The assistant's word lists, stemmers and speaker patterns are English only.

    >>> looks_english("What did López Obrador say about fentanyl?"), looks_english("¿Qué dijo el presidente sobre la migración?")
    (True, False)
"""

from __future__ import annotations

import re
import unicodedata

from rag.text import STOPWORDS

NOT_ENGLISH = "Please ask in English: the assistant only understands English questions."
# Function words of Spanish, French and German that are not English words.
FOREIGN_STOPWORDS = frozenset(
    "que qué el los las del sobre dijo por para una est les des une sur dit der die das und ist nicht ein eine mit".split()
)
ENGLISH_HINTS = STOPWORDS | {"say", "said", "about", "what", "who", "how"}
# Share of a question's letters that must be Latin. Not measured: a question in another script has almost none,
# an English one with a foreign name almost all.
LATIN_SHARE = 0.6


def looks_english(text: str) -> bool:
    """False for a question mostly in another script, or with two or more Spanish/French/German function words
    and no English one (among three or more words)."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in letters) < LATIN_SHARE * len(letters):
        return False
    words = re.findall(r"\w+", text.lower())
    return not (len(words) >= 3 and sum(w in FOREIGN_STOPWORDS for w in words) >= 2
                and not any(w in ENGLISH_HINTS for w in words))
