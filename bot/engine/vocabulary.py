"""The words residents use for commands, yes and no, and numbers, in every supported language.

Lists are written as people type them; they are compared after `fold` (case, accents and
punctuation removed), so "Rezygnuję!" and "REZYGNUJE" are the same word. Commands are always
recognised in every supported language, whatever the campaign's languages: a resident may type
the word they know, and opting out must never fail.
"""

from __future__ import annotations

from bot.text import fold

Words = tuple[str, ...]


def _every(by_language: dict[str, Words]) -> Words:
    return tuple(word for words in by_language.values() for word in words)


# The words a stranger may use first are kept by language, so the answer can be in theirs.
OPT_OUT_BY_LANGUAGE: dict[str, Words] = {
    # carrier standards
    "en": ("stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "opt out",
           "optout", "revoke", "stop please", "please stop", "stop texting me",
           "stop messaging me"),
    "cy": ("stopio", "dim mwy", "stopiwch", "dad-danysgrifio", "diddymu"),
    "pl": ("koniec", "rezygnuję", "rezygnuje", "wypisz", "wypisz mnie", "zakończ", "przestań"),
    "ar": ("توقف", "إيقاف", "ايقاف", "أوقف", "اوقف", "قف", "إلغاء", "الغاء", "إلغاء الاشتراك"),
    "ro": ("oprire", "dezabonare", "dezabonează", "oprește", "opreste", "renunț", "renunt",
           "stop mesaje"),
}
OPT_OUT = _every(OPT_OUT_BY_LANGUAGE)

# Carrier re-subscribe keywords: after STOP, these (and only these) start a conversation again.
RESUBSCRIBE_BY_LANGUAGE: dict[str, Words] = {
    "en": ("start", "unstop", "resubscribe", "subscribe"),
    "cy": ("dechrau", "ailddechrau"),
    "pl": ("wznów", "wznow"),
    "ar": ("ابدأ", "ابدا", "إبدأ", "البدء"),
    "ro": ("pornire", "pornește", "porneste", "abonare", "reabonare"),
}
RESUBSCRIBE = _every(RESUBSCRIBE_BY_LANGUAGE)

# The first word of each language is the one shown to residents. "what?" and its equivalents
# are a request for help, not an answer to re-ask.
HELP_BY_LANGUAGE: dict[str, Words] = {
    "en": ("help", "info", "help me", "what", "wot", "wat", "eh", "huh", "pardon", "sorry what",
           "what do you mean", "what is this", "what is this about", "whats this",
           "what's this", "i dont understand", "i don't understand", "dont understand",
           "don't understand", "i dont get it", "i don't get it"),
    "cy": ("cymorth", "help plis", "beth", "sori beth", "beth yw hwn", "beth ydy hwn", "pardwn",
           "dwi ddim yn deall", "ddim yn deall"),
    "pl": ("pomoc", "pomocy", "co", "że co", "słucham", "nie rozumiem", "o co chodzi",
           "co to jest"),
    "ar": ("مساعدة", "مساعده", "ساعدني", "ماذا", "شو", "ايش", "إيش", "ماذا تقصد", "لم أفهم",
           "ما فهمت", "مش فاهم"),
    "ro": ("ajutor", "ce", "poftim", "cum adică", "nu înțeleg", "ce e asta",
           "ce înseamnă asta"),
}
HELP = _every(HELP_BY_LANGUAGE)
REPEAT = ("repeat", "again", "say again", "ailadrodd", "eto", "powtórz", "powtorz", "jeszcze raz",
          "كرر", "أعد", "اعد", "إعادة", "اعادة", "repetă", "repeta", "din nou")
SKIP = ("skip", "next", "pass", "skip it", "hepgor", "nesaf", "pomiń", "pomin", "dalej",
        "تخطي", "تخطى", "التالي", "sari", "sări", "treci", "următorul", "urmatorul")
MORE = ("more", "more info", "detail", "details", "tell me more", "mwy", "mwy o wybodaeth",
        "więcej", "wiecej", "المزيد", "مزيد", "أكثر", "اكثر", "mai mult", "detalii")
ERASE_BY_LANGUAGE: dict[str, Words] = {
    "en": ("delete", "erase", "delete my data", "delete my answers", "erase my data",
           "remove my data", "delete me", "forget me"),
    "cy": ("dileu", "dileu fy nata", "dileu fy atebion", "dilëwch"),
    "pl": ("usuń", "usun", "usuń moje dane", "usuń moje odpowiedzi", "usuń dane"),
    "ar": ("حذف", "احذف", "احذف بياناتي", "حذف بياناتي", "امسح بياناتي", "امسح"),
    "ro": ("șterge", "sterge", "ștergere", "stergere", "șterge datele mele",
           "șterge răspunsurile mele"),
}
ERASE = _every(ERASE_BY_LANGUAGE)

YES = (
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "yes please", "ok", "okay", "k", "okey", "sure",
    "agree", "i agree", "aye", "fine", "go on", "go ahead",
    "ie", "iawn", "ydw", "ydy", "do", "oes", "cytuno", "ydw plis", "ie plis", "iawn diolch",
    "tak", "dobrze", "zgoda", "zgadzam się", "jasne", "pewnie", "tak proszę",
    "نعم", "ايوه", "أيوه", "ايوا", "اي", "أجل", "موافق", "موافقة", "اكيد", "أكيد", "تمام", "حسنا",
    "da", "sigur", "de acord", "bine", "accept", "desigur", "da vă rog",
)
NO = (
    "no", "n", "nope", "nah", "no thanks", "no thank you", "not really", "don't", "i don't agree",
    "na", "nac ydw", "nac ydy", "naddo", "nag oes", "dim diolch", "na diolch",
    "nie", "nie dziękuję", "nie dziekuje", "nie chcę",
    "لا", "لا شكرا", "لا أريد", "كلا",
    "nu", "nu mulțumesc", "nu multumesc", "nu vreau",
)
# Yes-words that only one language uses: a "tak" at the language menu means Polish.
YES_LANGUAGE = {
    **dict.fromkeys(("ie", "iawn", "ydw", "ydy", "oes", "cytuno", "ydw plis", "ie plis",
                     "iawn diolch"), "cy"),
    **dict.fromkeys(("tak", "dobrze", "zgoda", "zgadzam się", "jasne", "pewnie", "tak proszę"),
                    "pl"),
    **dict.fromkeys(("نعم", "ايوه", "أيوه", "ايوا", "أجل", "موافق", "موافقة", "اكيد", "أكيد", "تمام",
                     "حسنا"), "ar"),
    **dict.fromkeys(("da", "sigur", "de acord", "bine", "desigur", "da vă rog"), "ro"),
}
YES_EMOJI = ("👍", "✅", "✔", "👌", "🆗", "🙆")
NO_EMOJI = ("👎", "❌", "✖", "🚫", "🙅", "⛔")

NUMBER_WORDS: dict[int, tuple[str, ...]] = {
    0: ("zero", "sero", "صفر"),
    1: ("one", "first", "un", "cyntaf", "jeden", "jedna", "jedno", "pierwszy", "واحد", "unu",
        "una", "primul", "prima"),
    2: ("two", "second", "dau", "dwy", "ail", "dwa", "dwie", "drugi", "اثنان", "اثنين", "إثنين",
        "إثنان", "doi", "două", "al doilea"),
    3: ("three", "third", "tri", "tair", "trydydd", "trzy", "trzeci", "ثلاثة", "ثلاث", "trei",
        "al treilea"),
    4: ("four", "fourth", "pedwar", "pedair", "cztery", "czwarty", "أربعة", "اربعة", "أربع",
        "اربع", "patru"),
    5: ("five", "fifth", "pump", "pięć", "piąty", "خمسة", "خمس", "cinci"),
    6: ("six", "sixth", "chwech", "sześć", "szósty", "ستة", "ست", "șase"),
    7: ("seven", "seventh", "saith", "siedem", "siódmy", "سبعة", "سبع", "șapte"),
    8: ("eight", "eighth", "wyth", "osiem", "ósmy", "ثمانية", "ثمان", "ثماني", "opt"),
    9: ("nine", "ninth", "naw", "dziewięć", "dziewiąty", "تسعة", "تسع", "nouă"),
    10: ("ten", "tenth", "deg", "dziesięć", "dziesiąty", "عشرة", "عشر", "zece"),
}
# Words put before a number: "option 2", "no. 2", "#2", "rhif 2", "nr 2", "رقم ٢", "varianta 2".
NUMBER_PREFIXES = (
    "option", "options", "number", "no", "num", "nr", "choice", "answer", "i choose", "i pick",
    "opsiwn", "rhif", "dewis", "opcja", "numer", "odpowiedź", "wybieram", "رقم", "الخيار",
    "خيار", "الرقم", "opțiunea", "optiunea", "opțiune", "varianta", "numărul", "numarul",
    "aleg", "it's", "its", "it is", "is",
)
NEGATIONS = ("not", "no", "never", "don't", "dont", "nid", "ddim", "dim", "nie", "لا", "ليس",
             "nu", "niciodată")

# Little words that never name an option by themselves: a reply of only these ("the", "yn",
# "i") is not matched against part of an option's words, and they are dropped from either end
# of a reply ("the parking", "parcio plis"). Negations are not here: "not parking" is no answer.
STOP_WORDS = (
    # English
    "a", "an", "the", "i", "im", "me", "my", "mine", "we", "us", "our", "you", "your", "it", "its",
    "is", "are", "was", "be", "been", "am", "to", "of", "in", "on", "at", "by", "for", "from",
    "with", "or", "and", "but", "as", "so", "that", "this", "these", "those", "there", "then",
    "some", "any", "all", "very", "just", "mostly", "usually", "mainly", "please", "pls", "plz",
    "thanks", "thank", "ta", "cheers", "would", "say", "think", "like", "d", "ll", "m", "re", "s",
    "t", "ve",
    # Welsh
    "a", "ac", "ag", "am", "ar", "at", "dan", "drwy", "trwy", "fy", "dy", "ei", "ein", "eich",
    "eu", "gan", "gyda", "efo", "i", "o", "y", "yr", "r", "n", "yn", "yw", "ydi", "mae", "neu",
    "ond", "wrth", "hefyd", "fe", "mi", "ni", "chi", "nhw", "hi", "e", "fo", "hwn", "hon", "hyn",
    "plis", "diolch", "fel", "arfer", "iawn",
    # Polish
    "i", "w", "we", "z", "ze", "na", "o", "od", "po", "przy", "przez", "dla", "lub", "albo",
    "czy", "a", "ale", "to", "jest", "się", "mnie", "mi", "ja", "ty", "ten", "ta", "te", "u",
    "za", "bez", "pod", "nad", "jak", "co", "mój", "moje", "bardzo", "proszę", "prosze",
    "dziękuję", "dziekuje", "zwykle",
    # Arabic
    "في", "من", "إلى", "الى", "على", "عن", "مع", "أو", "او", "و", "ب", "ل", "هذا", "هذه", "ذلك",
    "التي", "الذي", "أنا", "انا", "لي", "يا", "ما", "كل", "بعض", "جدا", "جدًا", "عادة", "شكرا",
    "فضلك",
    # Romanian
    "și", "si", "sau", "în", "in", "la", "de", "din", "cu", "pe", "pentru", "un", "o", "a", "al",
    "ale", "ai", "cel", "cea", "este", "e", "sunt", "eu", "mă", "ma", "mi", "prin", "spre",
    "foarte", "mai", "ca", "că", "ce", "vă", "va", "rog", "mulțumesc", "multumesc", "obicei",
)


def folded(words: tuple[str, ...]) -> frozenset[str]:
    """The set of matching keys for a word list."""
    return frozenset(key for key in (fold(word) for word in words) if key)


def command_words() -> frozenset[str]:
    """Every folded word that means something by itself: commands, yes and no."""
    return folded(OPT_OUT + RESUBSCRIBE + HELP + REPEAT + SKIP + MORE + ERASE + YES + NO)


def _languages_of() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for by_language in (OPT_OUT_BY_LANGUAGE, RESUBSCRIBE_BY_LANGUAGE, HELP_BY_LANGUAGE,
                        ERASE_BY_LANGUAGE):
        for language, words in by_language.items():
            for key in folded(words):
                found.setdefault(key, set()).add(language)
    return {key: frozenset(languages) for key, languages in found.items()}


_LANGUAGES_OF = _languages_of()


def language_of(text: str) -> str | None:
    """The language of a whole message that is a stop, start, help or delete word, when only
    one language uses it ("POMOC" is Polish; "STOP" is English); None otherwise."""
    languages = _LANGUAGES_OF.get(fold(text), frozenset())
    return next(iter(languages)) if len(languages) == 1 else None


def help_word(language: str) -> str:
    """The word for HELP shown to a resident who reads `language`."""
    return HELP_BY_LANGUAGE.get(language, HELP_BY_LANGUAGE["en"])[0].upper()
