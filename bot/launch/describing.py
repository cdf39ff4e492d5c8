"""What a launch would do, in staff's words (`--dry-run`): counts, exclusions, messages,
SMS segments, an estimated cost, channels not set up, and quiet hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot import clock as bot_clock
from bot import quiet, settings
from bot.errors import LaunchError
from bot.launch.planning import (
    ALREADY_INVITED,
    AT_FORMAT,
    INVITED_EARLIER,
    MENU,
    Plan,
    invitation_text,
    language_words,
    quiet_now,
    quiet_words,
    target_notes,
    unsendable_lines,
)
from bot.outbound.providers import CHANNEL_WORDS
from bot.text import sms_segments

PRICES = (("ENGAGE_PRICE_SMS", 0.04), ("ENGAGE_PRICE_WHATSAPP", 0.03))


def prices(env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(price per SMS segment, price per WhatsApp message, currency), from the environment."""
    env = settings.environ() if env is None else env
    values = []
    for name, default in PRICES:
        raw = env.get(name)
        try:
            values.append(float(raw) if raw not in (None, "") else default)
        except ValueError:
            raise LaunchError(f"{name}='{raw}' is not a number (a price like 0.04).") from None
    return values[0], values[1], (env.get("ENGAGE_PRICE_CURRENCY") or "GBP").strip()


@dataclass(frozen=True)
class FirstMessage:
    """The invitation in one language, as SMS counts it."""

    language: str
    words: str  # the language in staff words
    text: str
    segments: int
    characters: int
    encoding: str


@dataclass(frozen=True)
class Estimate:
    """The first messages and what sending them would cost (the CLI's and the console's)."""

    messages: list[FirstMessage]
    cost: float
    currency: str
    sms: int
    whatsapp: int
    sms_price: float
    whatsapp_price: float

    @property
    def words(self) -> str:
        return (f"about {self.currency} {self.cost:,.2f} (an estimate: {self.sms} SMS "
                f"invitations at {self.sms_price} per SMS segment, a long one being several "
                f"segments; {self.whatsapp} WhatsApp at "
                f"{self.whatsapp_price} each, Telegram free; replies and later questions cost "
                "more; providers' prices vary)")


def estimate(plan: Plan, env: Mapping[str, str] | None = None) -> Estimate:
    """The invitation per language of the plan's targets, with its SMS segments, and the cost."""
    sms_price, whatsapp_price, currency = prices(env)
    counts = plan.by_channel_and_language()
    messages, cost = [], 0.0
    for language in sorted({target.language for target in plan.targets},
                           key=lambda code: (code == MENU, code)):
        text = invitation_text(plan.campaign, language)
        segments = sms_segments(text)
        messages.append(FirstMessage(language, language_words(language), text,
                                     segments.segments, segments.characters, segments.encoding))
        cost += counts.get(("twilio_sms", language), 0) * segments.segments * sms_price
    whatsapp = sum(n for (channel, _), n in counts.items() if channel == "twilio_whatsapp")
    sms = sum(n for (channel, _), n in counts.items() if channel == "twilio_sms")
    return Estimate(messages, cost + whatsapp * whatsapp_price, currency, sms, whatsapp,
                    sms_price, whatsapp_price)


# -- the dry run ------------------------------------------------------------------------------

def describe(plan: Plan, at: datetime | None = None, rate: float | None = None,
             env: Mapping[str, str] | None = None, now: datetime | None = None) -> str:
    """What a launch would do, for `--dry-run`: counts, exclusions, channels not set up,
    messages, cost, and when sending would start (quiet hours by `now`, default bot.clock)."""
    campaign, out = plan.campaign, []
    out.append(f"Dry run: nothing has been queued or changed.\n\n"
               f"Campaign: {plan.slug}, version {plan.version} "
               f"({campaign.title[campaign.default_language]})\n"
               f"Audience: {plan.audience.label}, {len(plan.audience.pseudonyms)} contact(s)")
    out += ["", f"Would invite: {len(plan.targets)}" + target_notes(plan)]
    counts = plan.by_channel_and_language()
    for channel, language in sorted(counts, key=lambda key: (key[0], key[1] == MENU, key[1])):
        out.append(f"  {CHANNEL_WORDS[channel]:<9} {language_words(language):<40} "
                   f"{counts[(channel, language)]:>6}")
    blocked = unsendable_lines(plan, env)
    if blocked:
        out += ["", *blocked, "  (These are the settings this command sees; the bot sends with "
                "its own, so start it with the same. A real launch refuses such a channel "
                "unless you add --queue-anyway.)"]
    out += ["", f"Not invited: {sum(plan.excluded.values())}"]
    for reason, count in plan.excluded.most_common():
        out.append(f"  {count:>6}  {reason}")
    if not plan.reinvite and (plan.excluded[INVITED_EARLIER] or plan.excluded[ALREADY_INVITED]):
        out.append("  (Each resident is invited to a campaign once. To invite them again, add "
                   "--reinvite.)")
    out += ["", "The invitation (the first message each contact gets)"]
    found = estimate(plan, env)
    for message in found.messages:
        out.append(f"  {message.words}: {message.segments} SMS segment(s), "
                   f"{message.characters} characters, {message.encoding}")
        out += [f"    | {line}" for line in message.text.split("\n")]
    out += ["", f"Estimated cost: {found.words}."]
    out.append(when_words(plan, at, rate, now))
    return "\n".join(out)


def when_words(plan: Plan, at: datetime | None, rate: float | None,
               now: datetime | None = None) -> str:
    """When sending would start, in the campaign's time zone, quiet hours included."""
    tz, campaign = plan.campaign.timezone, plan.campaign
    now = now or bot_clock.now()
    pace = "at each channel's own rate" if rate is None else f"at most {rate_words(rate)}"
    window = f"quiet hours {'-'.join(campaign.quiet_hours)} {tz}"
    if at is None:
        until = quiet_now(campaign, now)
        if until is None:
            return (f"Sending would start now ({quiet.local_time(now, tz)} in {tz}), {pace}; "
                    f"nothing is sent during quiet hours ({'-'.join(campaign.quiet_hours)} "
                    f"{tz}).")
        return (f"{quiet_words(campaign, now)} Sending would start then "
                f"({quiet.local_time(until, tz, AT_FORMAT)} {tz}), {pace}.")
    start = quiet.local_time(at, tz, AT_FORMAT)
    held = quiet_now(campaign, at)
    if held is not None:
        return (f"Sending would start {start} ({tz}), but that is in quiet hours ({window}): "
                f"it would start at {quiet.local_time(held, tz, AT_FORMAT)}, {pace}.")
    return f"Sending would start {start} ({tz}), {pace}; nothing is sent during {window}."


def rate_words(rate: float) -> str:
    for unit, seconds in (("second", 1.0), ("minute", 60.0), ("hour", 3600.0)):
        if rate * seconds >= 1:
            return f"{rate * seconds:g} per {unit}"
    return f"{rate * 3600:g} per hour"


