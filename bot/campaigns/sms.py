"""What a campaign costs over SMS in each of its languages, and what exactly is sent.

One definition for `engage campaign check`, the launch dry run and the console preview: every
message a resident can receive (advice.messages), counted as carriers count it, per language,
with the campaign's `sms_plain` option applied the way the sender applies it (SMS only: WhatsApp
and Telegram always get the full spelling; non-Latin scripts are never transliterated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.campaigns.model import Campaign
from bot.language import LANGUAGES, plain_for_sms
from bot.text import normalise_for_sms, sms_segments

SMS_CHANNEL = "twilio_sms"


def for_channel(campaign: Campaign, language: str, channel: str,
                messages: Sequence[str]) -> list[str]:
    """The messages as they are sent on `channel`: over SMS, in a language the campaign
    sends plainly, without the letters that force the 70-character SMS."""
    if channel != SMS_CHANNEL or language not in campaign.sms_plain:
        return list(messages)
    return [plain_for_sms(message, language) for message in messages]


@dataclass(frozen=True)
class LanguageCost:
    """One language's messages over SMS: how many, how many fit one SMS, and the SMS a
    resident costs going through the whole campaign once (as written, and plainly)."""

    code: str
    messages: int
    one_sms: int
    sms_per_resident: int
    encoding: str  # "GSM-7", "UCS-2", or "mixed"
    plain_possible: bool  # a Latin-script language: sms_plain could be turned on
    plain_on: bool  # the campaign turns sms_plain on for it
    plain_one_sms: int
    plain_sms_per_resident: int

    @property
    def share_in_one_sms(self) -> float:
        return self.one_sms / self.messages if self.messages else 1.0

    @property
    def plain_share_in_one_sms(self) -> float:
        return self.plain_one_sms / self.messages if self.messages else 1.0


def _count(texts: list[str]) -> tuple[int, int, str]:
    counts = [sms_segments(normalise_for_sms(text)) for text in texts]
    encodings = {count.encoding for count in counts}
    encoding = encodings.pop() if len(encodings) == 1 else "mixed"
    return (sum(count.segments <= 1 for count in counts),
            sum(count.segments for count in counts), encoding)


def language_costs(campaign: Campaign) -> list[LanguageCost]:
    """Per campaign language, in the campaign's order (the language menu, which the first
    language's readers see, counts for everyone who gets it: it is left out here)."""
    from bot.campaigns.advice import messages

    texts: dict[str, list[str]] = {code: [] for code in campaign.languages}
    for where, language, message in messages(campaign):
        if where != "languages":
            texts[language].append(message)
    costs = []
    for code in campaign.languages:
        one, total, encoding = _count(texts[code])
        possible = LANGUAGES[code].script == "Latin"
        plain = [plain_for_sms(text, code) for text in texts[code]] if possible else texts[code]
        plain_one, plain_total, _ = _count(plain)
        costs.append(LanguageCost(code, len(texts[code]), one, total, encoding, possible,
                                  code in campaign.sms_plain, plain_one, plain_total))
    return costs


def summary_lines(campaign: Campaign) -> list[str]:
    """Plain lines for staff: cost per resident by language, plain spelling, and whether a
    native speaker has reviewed the bot's own words in it."""
    lines = ["SMS per resident, going through the whole campaign once (WhatsApp and Telegram "
             "are one message each):"]
    for cost in language_costs(campaign):
        language = LANGUAGES[cost.code]
        line = (f"  {language.english_name} ({cost.code}): {cost.messages} messages, "
                f"{cost.one_sms} in one SMS, {cost.sms_per_resident} SMS in all ({cost.encoding})")
        if cost.plain_on:
            line += (f"; sent without {language.english_name} letters (sms_plain): "
                     f"{cost.plain_one_sms} in one SMS, {cost.plain_sms_per_resident} SMS in all")
        elif cost.plain_possible and cost.plain_sms_per_resident < cost.sms_per_resident:
            line += (f"; with sms_plain: [{cost.code}] it would be {cost.plain_sms_per_resident} "
                     "SMS in all")
        if not language.reviewed:
            line += "; its bot texts are not yet reviewed by a native speaker (reviewed: false)"
        lines.append(line)
    return lines
