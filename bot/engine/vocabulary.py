"""The words residents use for commands, yes and no, and numbers, in every supported language.

Lists are written as people type them; they are compared after `fold` (case, accents and
punctuation removed), so "Rezygnuję!" and "REZYGNUJE" are the same word. Commands are always
recognised in every supported language, whatever the campaign's languages: a resident may type
the word they know, and opting out must never fail.
"""

from __future__ import annotations

from bot.text import fold

OPT_OUT = (
    # carrier standards
    "stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "opt out", "optout",
    "revoke", "stop please", "please stop", "stop texting me", "stop messaging me",
    # Welsh
    "stopio", "dim mwy", "stopiwch", "dad-danysgrifio", "diddymu",
    # Polish
    "koniec", "rezygnuję", "rezygnuje", "wypisz", "wypisz mnie", "zakończ", "przestań",
    # Arabic
    "توقف", "إيقاف", "ايقاف", "أوقف", "اوقف", "قف", "إلغاء", "الغاء", "إلغاء الاشتراك",
    # Romanian
    "oprire", "dezabonare", "dezabonează", "oprește", "opreste", "renunț", "renunt", "stop mesaje",
)

# Carrier re-subscribe keywords: after STOP, these (and only these) start a conversation again.
RESUBSCRIBE = (
    "start", "unstop", "resubscribe", "subscribe",
    "dechrau", "ailddechrau",
    "wznów", "wznow",
    "ابدأ", "ابدا", "إبدأ", "البدء",
    "pornire", "pornește", "porneste", "abonare", "reabonare",
)

HELP = ("help", "info", "help me", "cymorth", "help plis", "pomoc", "pomocy", "مساعدة",
        "مساعده", "ساعدني", "ajutor")
REPEAT = ("repeat", "again", "say again", "ailadrodd", "eto", "powtórz", "powtorz", "jeszcze raz",
          "كرر", "أعد", "اعد", "إعادة", "اعادة", "repetă", "repeta", "din nou")
SKIP = ("skip", "next", "pass", "skip it", "hepgor", "nesaf", "pomiń", "pomin", "dalej",
        "تخطي", "تخطى", "التالي", "sari", "sări", "treci", "următorul", "urmatorul")
MORE = ("more", "more info", "detail", "details", "tell me more", "mwy", "mwy o wybodaeth",
        "więcej", "wiecej", "المزيد", "مزيد", "أكثر", "اكثر", "mai mult", "detalii")
ERASE = (
    "delete", "erase", "delete my data", "delete my answers", "erase my data", "remove my data",
    "delete me", "forget me", "dileu", "dileu fy nata", "dileu fy atebion", "dilëwch",
    "usuń", "usun", "usuń moje dane", "usuń moje odpowiedzi", "usuń dane",
    "حذف", "احذف", "احذف بياناتي", "حذف بياناتي", "امسح بياناتي", "امسح",
    "șterge", "sterge", "ștergere", "stergere", "șterge datele mele", "șterge răspunsurile mele",
)

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
