"""The messages a resident sees for each phase and step, before SMS normalisation.

Also used by `engage campaign check`, so the segment count staff see is the real one.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.campaigns.model import Campaign, Step
from bot.engine.flow import answer_type
from bot.engine.outcome import Context
from bot.engine.phrases import phrase
from bot.engine.state import Phase
from bot.language import endonym
from bot.text import fold, normalise_for_sms, render_options, sms_segments

RANK_EXAMPLES = {2: "21", 3: "312"}


def lines(*parts: str | None) -> str:
    """Join the non-empty parts of a message, one per line."""
    return "\n".join(part for part in parts if part)


MENU_ALL_UP_TO = 9  # up to nine languages, every one is listed (one digit each)
MENU_AT_LEAST = 2  # a shortened menu still lists this many, even if it takes two SMS


def menu_languages(campaign: Campaign) -> tuple[str, ...]:
    """The languages the menu numbers. Up to nine: all of them. More: the first ones in the
    campaign's order (staff list the most likely first), as many as keep the menu in one
    SMS; everyone else names their language in their own words ("Soomaali", "اردو")."""
    codes = campaign.languages
    if len(codes) <= MENU_ALL_UP_TO:
        return codes
    shown = codes[:MENU_AT_LEAST]
    for code in codes[MENU_AT_LEAST:MENU_ALL_UP_TO]:
        if sms_segments(normalise_for_sms(_menu_text(campaign, (*shown, code)))).segments > 1:
            break
        shown = (*shown, code)
    return shown


def _menu_text(campaign: Campaign, shown: tuple[str, ...]) -> str:
    header = phrase("choose_language", campaign.default_language)
    options = render_options([endonym(code) for code in shown])
    if len(shown) == len(campaign.languages):
        return lines(header, options)
    return lines(header, options, phrase("menu_own_words", campaign.default_language))


def language_menu(campaign: Campaign) -> str:
    """A short header in the default language, then each language in its own name (a long
    list is cut short, with "or reply with your language": see menu_languages)."""
    return _menu_text(campaign, menu_languages(campaign))


def invitation_intro(campaign: Campaign, language: str, menu: bool) -> str | None:
    """The line that tells someone the bot wrote to first who is asking and about what.
    The language menu says neither; a consent text that names the organisation already
    says it, so nothing is added there (a shorter, cheaper SMS)."""
    organisation = campaign.organisation[language]
    if not menu and organisation.casefold() in campaign.consent_text[language].casefold():
        return None
    return phrase("invitation_intro", language, organisation=organisation,
                  title=campaign.title[language])


def consent_message(campaign: Campaign, language: str) -> str:
    return lines(campaign.consent_text[language], phrase("consent_prompt", language))


def options_list(step: Step, language: str) -> str:
    return render_options([option.text[language] for option in step.options])


def scale_instruction(step: Step, language: str) -> str:
    low, high = step.min if step.min is not None else 1, step.max if step.max is not None else 5
    if low in step.labels and high in step.labels:
        return phrase("scale_labelled", language, min=low, max=high,
                      min_label=step.labels[low][language], max_label=step.labels[high][language])
    return phrase("scale_plain", language, min=low, max=high)


def rank_instruction(step: Step, language: str) -> str:
    example = RANK_EXAMPLES.get(len(step.options), "312")
    return phrase("rank", language, example=example)


def yes_no_options(language: str) -> str:
    return render_options([phrase("yes", language), phrase("no", language)])


def follow_up_question(language: str) -> str:
    """The one question at the end of a campaign with `follow_up`, apart from consent."""
    return lines(phrase("follow_up_question", language), yes_no_options(language))


def switch_options(keyword: str, language: str) -> list[str]:
    """The two answers to "another survey?": start it, or carry on with this one."""
    return [phrase("switch_start", language, keyword=keyword), phrase("switch_stay", language)]


def switch_question(keyword: str, language: str) -> str:
    """Another campaign's keyword, part-way through: start that one, or carry on here?"""
    return lines(phrase("switch_question", language, keyword=keyword),
                 render_options(switch_options(keyword, language)))


def question(step: Step, language: str) -> str:
    """A choice, scale or rank question with what to reply."""
    text = step.text[language]
    if step.type == "choice":
        return lines(text, options_list(step, language))
    if step.type == "scale":
        return lines(text, scale_instruction(step, language))
    if step.type == "rank":
        return lines(text, options_list(step, language), rank_instruction(step, language))
    return text


def percentages(counts: Mapping[str, int], total: int) -> dict[str, int]:
    """Whole percentages that add up to 100 (largest remainders get the spare points)."""
    exact = {key: count * 100 / total for key, count in counts.items()}
    result = {key: int(value) for key, value in exact.items()}
    spare = 100 - sum(result.values())
    for key in sorted(exact, key=lambda k: exact[k] - result[k], reverse=True)[:spare]:
        result[key] += 1
    return result


def _known_counts(of: Step, counts: Mapping[str, int]) -> dict[str, int]:
    return {option.id: max(0, int(counts.get(option.id, 0))) for option in of.options}


def has_results(campaign: Campaign, step: Step, context: Context) -> bool:
    """Whether a reflect step has anything to show: enough answers to its question so far."""
    if step.type != "reflect" or step.of is None:
        return False
    of = campaign.step(step.of)
    total = sum(_known_counts(of, context.tallies.get(of.id, {})).values())
    return total > 0 and total >= context.min_count_to_show


def tally_summary(of: Step, counts: Mapping[str, int], language: str, min_count: int) -> str:
    """"So far: Bus 45%, Walk 30%, Car 25%", or a plain note that too few have answered."""
    known = _known_counts(of, counts)
    total = sum(known.values())
    if total == 0 or total < min_count:
        return phrase("too_few", language)
    shares = percentages(known, total)
    order = sorted(of.options, key=lambda o: (-known[o.id], of.options.index(o)))
    summary = ", ".join(f"{option.text[language]} {shares[option.id]}%" for option in order)
    return phrase("so_far", language, summary=summary)


MAX_REFLECT_SEGMENTS = 2  # others' reasons are shown only while the message fits two SMS


def pick_reasons(step: Step, of: Step, context: Context) -> list[str]:
    """Up to `step.quotes` reasons, from different choices where there are any, starting with
    a choice other than the most common one (the tallies already show the majority), the
    same ones for the same resident (`context.seed`)."""
    candidates = list(context.reasons.get(step.id, ()))
    if not step.quotes or not candidates:
        return []
    counts = _known_counts(of, context.tallies.get(of.id, {}))
    by_option: dict[str, list[str]] = {}
    for option_id, words in candidates:
        by_option.setdefault(option_id, []).append(words)
    order = sorted(by_option, key=lambda o: (-counts.get(o, 0), o))
    if len(order) > 1:
        order = order[1:] + order[:1]  # a minority view first, the majority's after
    picked: list[str] = []
    rounds = 0
    while len(picked) < step.quotes and rounds < step.quotes:
        for option_id in order:
            pool = by_option[option_id]
            choice = pool[(context.seed + rounds) % len(pool)]
            if choice not in picked:
                picked.append(choice)
            if len(picked) >= step.quotes:
                break
        rounds += 1
    return picked[:step.quotes]


def with_reasons(head: str, step: Step, of: Step, context: Context, language: str,
                 ending: str) -> str:
    """The reflect message with others' reasons ("Some people said: ..."), as many as fit in
    two SMS; none when none fits."""

    reasons = pick_reasons(step, of, context)
    while reasons:
        said = lines(phrase("others_said", language),
                     *[f"\"{words}\"" for words in reasons])
        message = lines(head, said, ending)
        if sms_segments(normalise_for_sms(message)).segments <= MAX_REFLECT_SEGMENTS:
            return message
        reasons = reasons[:-1]
    return lines(head, ending)


def step_prompt(campaign: Campaign, step: Step, language: str, context: Context) -> str:
    """The whole message that asks a step."""
    text = step.text[language]
    if step.type == "info":
        return lines(text, phrase("info_more" if step.more else "info_ok", language))
    if step.type == "reflect" and step.of is not None:
        of = campaign.step(step.of)
        summary = tally_summary(of, context.tallies.get(of.id, {}), language,
                                context.min_count_to_show)
        if not has_results(campaign, step, context):  # no question about nothing: go on
            return lines(text, summary, phrase("info_ok", language))
        ending = lines(phrase("reflect_question", language), yes_no_options(language))
        return with_reasons(lines(text, summary), step, of, context, language, ending)
    if step.type == "revisit" and step.of is not None:
        return lines(text, question(campaign.step(step.of), language))
    return question(step, language)


def more_message(step: Step, language: str) -> str:
    return lines((step.more or {}).get(language), phrase("info_ok", language))


def why_message(step: Step, language: str) -> str:
    return (step.why or {}).get(language, "")


def _words(campaign: Campaign, language: str) -> set[str]:
    """Every word the campaign says in one language (folded), to tell its keywords apart."""
    texts = [campaign.title, campaign.organisation, campaign.consent_text, campaign.thanks]
    for step in campaign.steps:
        texts += [step.text, step.more or {}, step.why or {}, *step.labels.values(),
                  *(option.text for option in step.options)]
    return {word for text in texts for word in fold(text.get(language, "")).split()}


def keyword(campaign: Campaign, language: str | None = None) -> str:
    """The keyword to offer a resident who reads `language`: one that is a word of the
    campaign's own text in that language and not in its first language (TEITHIO, "teithio" in
    the Welsh options, for a Welsh resident), else the first keyword. A campaign lists its
    keywords without languages, so this is the one way to tell."""
    if not campaign.keywords:
        return ""
    if language and language != campaign.default_language and language in campaign.languages:
        theirs, first = _words(campaign, language), _words(campaign, campaign.default_language)
        for word in campaign.keywords:
            if fold(word) in theirs and fold(word) not in first:
                return word
    return campaign.keywords[0]


def status_message(campaign: Campaign, phase: Phase, language: str) -> str:
    """What someone who has finished, declined or erased hears when they write again: short
    (the thanks was said once, at the end)."""
    if phase is Phase.COMPLETED:
        return phrase("finished", language)
    if phase is Phase.DECLINED:
        return phrase("declined_again", language, keyword=keyword(campaign, language))
    if phase is Phase.ERASED:
        return lines(phrase("erased", language),
                     phrase("start_again", language, keyword=keyword(campaign, language)))
    return ""


def reask(campaign: Campaign, step: Step, language: str) -> str:
    """A short, kind re-ask for a step that lists exactly what can be replied."""
    sorry = phrase("sorry", language)
    kind = answer_type(campaign, step)
    asked = campaign.step(step.of) if step.type == "revisit" and step.of else step
    if kind == "choice":
        return lines(sorry, phrase("reply_number", language), options_list(asked, language))
    if kind == "scale":
        return lines(sorry, scale_instruction(asked, language))
    if kind == "rank":
        return lines(sorry, rank_instruction(asked, language), options_list(asked, language))
    if kind == "reflect":
        return lines(sorry, phrase("reflect_question", language), yes_no_options(language))
    return phrase("reply_words", language)
