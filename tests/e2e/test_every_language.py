"""Every shipped language end to end, on SMS, WhatsApp and Telegram: a campaign in that
language (with every step type) taken from the keyword through the language menu, consent in
the language's own words, every step, and STOP and DELETE in the language's own command words,
through signed webhooks into the running stack and the real clients out to the fake providers.

The campaign's own texts are staff's and only marked with the language here; what is checked
is the bot's part in each language: its menu, consent words, re-asks, commands and replies."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from constants import ALL_STEPS, SECRET
from fakes.signing import telegram_text_update
from provider_stack import Provider, provider_stack, wait_for

from bot.engine import phrase
from bot.language_data import load_languages
from bot.privacy import pseudonym
from bot.store.db import transaction
from bot.store.models import Participant, Response

pytestmark = pytest.mark.rasa

LANGUAGES = load_languages()
CHANNELS = ("twilio_sms", "twilio_whatsapp", "telegram")
ROLES = ("finishes", "stops", "deletes")  # rotated over the channels, language by language
_numbers = itertools.count(1)
_update_ids = itertools.count(70_000)


def marked(texts: object, codes: tuple[str, ...]) -> object:
    """The all-steps campaign with its English texts, marked, as each language's."""
    if isinstance(texts, dict) and "en" in texts and all(isinstance(v, str) for v in texts.values()):
        return {code: f"[{code}] {texts['en']}" for code in codes}
    if isinstance(texts, dict):
        return {key: marked(value, codes) for key, value in texts.items()}
    if isinstance(texts, list):
        return [marked(item, codes) for item in texts]
    return texts


def keyword(code: str) -> str:
    return f"LANG{code.upper()}"


def campaign_file(folder: Path, code: str) -> Path:
    """This language first and one other, so the resident meets the language menu."""
    other = "cy" if code == "en" else "en"
    data = marked(yaml.safe_load(ALL_STEPS.read_text(encoding="utf-8")), (code, other))
    data.update(id=f"lang-{code}", languages=[code, other], keywords=[keyword(code)])
    path = folder / f"lang-{code}.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def provider(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    workdir = tmp_path_factory.mktemp("every-language")
    files = [campaign_file(workdir, code) for code in LANGUAGES]
    with provider_stack(rasa_model, workdir, campaigns=files) as running:
        yield running


class Resident:
    """One resident on one provider channel: how they write, what reaches them."""

    def __init__(self, provider: Provider, channel: str) -> None:
        number = next(_numbers)
        self.provider, self.channel, self.sent = provider, channel, 0
        phone = f"+4477009081{number:02d}"
        if channel == "telegram":
            chat = 990000 + number
            self.name = pseudonym(SECRET, channel, str(chat))
            self.post = lambda text: provider.tg(telegram_text_update(
                chat, text, update_id=next(_update_ids)))
            self.received = lambda: [m["text"] for m in provider.telegram_to(chat)]
        elif channel == "twilio_whatsapp":
            self.name = pseudonym(SECRET, channel, phone)
            self.post = lambda text: provider.whatsapp(phone, text)
            self.received = lambda: provider.whatsapp_to(phone)
        else:
            self.name = pseudonym(SECRET, channel, phone)
            self.post = lambda text: provider.sms(phone, text)
            self.received = lambda: provider.sms_to(phone)

    def say(self, text: str) -> list[str]:
        """Send one message; every reply to it, once it has been applied and sent."""
        before = len(self.received())
        assert self.post(text) == 200
        self.sent += 1
        wait_for(lambda: self.provider.settled(self.name, self.sent), timeout=120)
        return self.received()[before:]


def own_name(code: str) -> str:
    return LANGUAGES[code].names_by_language[code][0]


def join(person: Resident, code: str) -> list[str]:
    """Keyword, the language named in its own words, consent in its own yes word."""
    menu = "\n".join(person.say(keyword(code)))
    assert LANGUAGES[code].endonym in menu, menu
    consent = "\n".join(person.say(own_name(code)))
    assert f"[{code}] Test Council asks" in consent, consent
    assert phrase("consent_prompt", code).split("{")[0][:12] in consent, consent
    return person.say(LANGUAGES[code].yes[0])


def every_step(person: Resident, code: str) -> list[str]:
    """Info, choice with its why, the scale it leads to, rank, text, revisit: the replies to
    the last one."""
    assert any(f"[{code}] Buses to the hospital" in m for m in join(person, code))
    assert any(f"[{code}] How do you usually" in m for m in person.say("OK"))
    assert any(f"[{code}] Why is that" in m for m in person.say("1"))
    assert any(f"[{code}] Bus fares" in m for m in person.say("near home"))
    assert any(f"[{code}] Put these in order" in m for m in person.say("4"))
    assert any(f"[{code}] What one change" in m for m in person.say("3 1 2"))
    assert any(f"[{code}] Now we ask once more" in m for m in person.say("more buses"))
    return person.say("2")


def answers(provider: Provider, name: str) -> dict[str, object]:
    with transaction(provider.factory()) as session:
        rows = (session.query(Response).join(Participant)
                .filter(Participant.pseudonym == name).all())
        return {row.step_id: row.value for row in rows}


def participant(provider: Provider, name: str) -> Participant | None:
    with transaction(provider.factory()) as session:
        return session.query(Participant).filter_by(pseudonym=name).one_or_none()


def held(provider: Provider, name: str) -> int:
    """Rows anywhere that still name this resident, Rasa's events included."""
    engine = sa.create_engine(provider.stack.config.database_url)
    with engine.connect() as connection:
        found = sum(connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE pseudonym"
                                               " = :p"), {"p": name}).scalar()
                    for table in ("participants", "contacts", "inbox", "outbox"))
        found += connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :p"),
                                    {"p": name}).scalar()
    engine.dispose()
    return found


FULL = {"travel_mode": "bus", "travel_mode.why": "near home", "fare_cost": 4,
        "priorities": ["safety", "cost", "time"], "ideas": "more buses",
        "travel_mode_again": "walk"}


def run(provider: Provider, code: str, channel: str, role: str) -> None:
    person = Resident(provider, channel)
    language = LANGUAGES[code]
    if role == "stops":
        join(person, code)
        person.say("OK")
        person.say("1")
        assert person.say(language.command("stop")[0])[-1] == phrase("opted_out", code)
        row = participant(provider, person.name)
        assert (row.language, row.status) == (code, "opted_out")
        assert answers(provider, person.name) == {"travel_mode": "bus"}
        return
    assert any(f"[{code}] Thank you" in m for m in every_step(person, code))
    assert answers(provider, person.name) == FULL
    row = participant(provider, person.name)
    assert (row.language, row.status, row.consent) == (code, "completed", "given")
    if role == "deletes":  # its inbox row goes with the rest: wait for the confirmation
        assert person.post(language.command("delete")[0]) == 200
        erased = phrase("erased", code)
        wait_for(lambda: person.received()[-1].startswith(erased), timeout=120)
        wait_for(lambda: held(provider, person.name) == 0)


CASES = [(code, channel, ROLES[(number + shift) % 3])
         for shift, code in enumerate(LANGUAGES) for number, channel in enumerate(CHANNELS)]


def test_every_shipped_language_is_covered():
    assert len(LANGUAGES) >= 12
    for code in LANGUAGES:  # every language meets every role, and every channel each role
        assert {role for c, _, role in CASES if c == code} == set(ROLES)
    for channel in CHANNELS:
        assert {role for _, ch, role in CASES if ch == channel} == set(ROLES)


def test_a_campaign_in_every_language_runs_end_to_end_on_every_channel(provider):
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = {case: pool.submit(run, provider, *case) for case in CASES}
    failures = {case: future.exception() for case, future in done.items() if future.exception()}
    assert not failures, "\n".join(f"{c}: {e!r}" for c, e in failures.items())
