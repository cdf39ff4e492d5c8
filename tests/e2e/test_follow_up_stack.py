"""Closing the loop, end to end: residents take part by SMS and WhatsApp through the running
stack (Rasa, action server, worker on a SQLite queue) and answer the last question; staff
send "you said, we did" with `engage follow-up`; the fake Twilio receives it only for those
who opted in and are still taking part, once each, in their language, and a WhatsApp one
with its template. Who said no, withdrew (STOP) or was erased (DELETE) gets nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from constants import SECRET
from provider_stack import Provider, provider_stack, wait_for

from bot.engine.phrases import phrase
from bot.privacy import pseudonym
from bot.store.db import transaction
from bot.store.models import FollowUpOptIn, FollowUpSend, InboxMessage

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = ROOT / "tests" / "deliberation" / "data" / "deliberation.yml"
SLUG = "delib-test"
TEMPLATE = "HX0123456789abcdef0123456789abcdef"
SAID_DID = {"en": "You said buses. From March there are more on Sundays.",
            "cy": "Dywedoch chi fysiau. O fis Mawrth bydd mwy ar y Sul."}

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def stack(rasa_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    workdir = tmp_path_factory.mktemp("follow-up")
    clock = workdir / "clock"
    clock.write_text(datetime(2026, 11, 24, 12, 0).isoformat())  # midday: no quiet hours
    env = {"ENGAGE_QUEUE_PATH": str(workdir / "queue.db"), "ENGAGE_CLOCK_FILE": str(clock),
           "ENGAGE_QUIET_RECHECK": "0.5", "ENGAGE_INVITE_LEASE": "3",
           "ENGAGE_INVITE_BACKOFF": "0.5", "ENGAGE_RATE_SMS": "50",
           "ENGAGE_RATE_WHATSAPP": "50"}
    with provider_stack(rasa_model, workdir, env, campaigns=[CAMPAIGN], worker=True) as running:
        running.workdir = workdir
        yield running


def engage(stack: Provider, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.stack.config.extra_env,
           "ENGAGE_DATABASE_URL": stack.stack.config.database_url, "ENGAGE_SECRET_KEY": SECRET,
           "ENGAGE_ACTOR": "e2e-officer"}
    return subprocess.run([str(Path(sys.executable).parent / "engage"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def take_part(stack: Provider, phone: str, wants: str, channel: str = "sms",
              language: str = "1") -> str:
    """The whole campaign by SMS or WhatsApp, then `wants` to the last question."""
    send = stack.sms if channel == "sms" else stack.whatsapp
    received = stack.sms_to if channel == "sms" else stack.whatsapp_to
    name = pseudonym(SECRET, "twilio_sms" if channel == "sms" else "twilio_whatsapp", phone)
    code = {"1": "en", "2": "cy"}[language]
    inbound, reply, answered = 0, "DELIB", False
    for _ in range(15):
        assert send(phone, reply) == 200
        inbound += 1
        wait_for(lambda n=inbound: stack.settled(name, n))
        last = received(phone)[-1]
        if answered:
            return name
        if "1 English" in last:
            reply = language
        elif phrase("follow_up_question", code) in last:
            reply, answered = wants, True
        elif phrase("reflect_question", code) in last:
            reply = "2"
        elif last.rstrip().endswith(("3 Help with costs", "3 Help i dalu")):
            reply = "1"
        elif phrase("consent_prompt", code) in last:
            reply = "yes"
        else:
            reply = "The buses are too rare"
    raise AssertionError(f"the conversation never finished: {received(phone)}")


def test_only_opted_in_residents_are_told_what_happened_once(stack):
    people = {"yes": "+447400300001", "no": "+447400300002", "stopped": "+447400300003",
              "erased": "+447400300004", "welsh": "+447400300005"}
    whatsapp = "+447400300006"
    names = {key: take_part(stack, phone, "2" if key == "no" else "1",
                            language="2" if key == "welsh" else "1")
             for key, phone in people.items()}
    names["whatsapp"] = take_part(stack, whatsapp, "1", channel="whatsapp")
    for key, word in (("stopped", "STOP"), ("erased", "DELETE")):
        before = len(stack.rows(InboxMessage, names[key]))
        assert stack.sms(people[key], word) == 200
        wait_for(lambda k=key, b=before: k == "erased" or stack.settled(names[k], b + 1))
    wait_for(lambda: not stack.rows(FollowUpSend, names["erased"]) and
             "deleted" in stack.sms_to(people["erased"])[-1])
    with transaction(stack.factory()) as session:
        assert session.query(FollowUpOptIn).count() == 4  # yes, welsh, whatsapp, stopped

    message = stack.workdir / "said-did.yml"
    message.write_text("".join(f"{code}: {text}\n" for code, text in SAID_DID.items()),
                       encoding="utf-8")
    dry = engage(stack, "follow-up", SLUG, "--message-file", str(message), "--whatsapp",
                 f"en={TEMPLATE}", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Would send \"you said, we did\" to: 3" in dry.stdout, dry.stdout
    assert "withdrew (said STOP after agreeing)" in dry.stdout
    counts = {key: len(stack.sms_to(phone)) for key, phone in people.items()}

    sent = engage(stack, "follow-up", SLUG, "--message-file", str(message), "--whatsapp",
                  f"en={TEMPLATE}")
    assert sent.returncode == 0 and "for 3 resident(s)" in sent.stdout, sent.stdout + sent.stderr
    wait_for(lambda: SAID_DID["en"] in stack.sms_to(people["yes"]), timeout=90)
    wait_for(lambda: SAID_DID["cy"] in stack.sms_to(people["welsh"]), timeout=90)
    wait_for(lambda: any(m.content_sid == TEMPLATE for m in stack.twilio.accepted
                         if m.to == f"whatsapp:{whatsapp}"), timeout=90)

    again = engage(stack, "follow-up", SLUG, "--message-file", str(message), "--whatsapp",
                   f"en={TEMPLATE}")
    assert again.returncode == 0 and "for 0 resident(s)" in again.stdout, again.stdout
    time.sleep(3)  # time for anything wrongly queued to arrive
    got = {key: [m for m in stack.sms_to(phone) if m in SAID_DID.values()]
           for key, phone in people.items()}
    assert got == {"yes": [SAID_DID["en"]], "welsh": [SAID_DID["cy"]], "no": [],
                   "stopped": [], "erased": []}
    assert len(stack.sms_to(people["no"])) == counts["no"]  # nothing at all since
    assert len(stack.sms_to(people["stopped"])) == counts["stopped"]
    assert len([m for m in stack.twilio.accepted if m.to == f"whatsapp:{whatsapp}"
                and m.content_sid == TEMPLATE]) == 1
    wait_for(lambda: "Told what happened                3" in engage(
        stack, "campaign", "status", SLUG).stdout, timeout=30)
