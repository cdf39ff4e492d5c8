"""What Contacts shows (bot.contacts_overview), on SQLite and PostgreSQL: each group a launch
can name with its contacts per channel and language and its opt-outs, and who opted out by
masked address only."""

from __future__ import annotations

import pytest
from constants import SECRET

from bot import contacts_overview
from bot.errors import NoSecret
from bot.launch.planning import contact_groups
from bot.store.db import transaction
from bot.store.models import Contact, ContactGroupMember
from bot.store.vault import ContactVault

CONTACTS = [  # (channel, address, language, opted out, groups)
    ("twilio_sms", "+447700900101", "cy", False, ["library", "festival"]),
    ("twilio_sms", "+447700900102", None, True, ["library"]),
    ("twilio_whatsapp", "whatsapp:+447700900103", "pl", False, ["library"]),
    ("telegram", "123456789", "pl", True, ["festival"]),
]


def fill(factory) -> None:
    with transaction(factory) as session:
        vault = ContactVault(session, SECRET)
        for channel, address, language, opted_out, groups in CONTACTS:
            name = vault.remember(channel, address)
            session.query(Contact).filter_by(pseudonym=name).update({"language": language})
            if opted_out:
                vault.mark_opted_out(name)
            for group in groups:
                session.add(ContactGroupMember(group_name=group, pseudonym=name))
        session.add(ContactGroupMember(group_name="festival", pseudonym="p_erased_since"))


def test_groups_are_the_launches_groups_with_their_counts(any_factory):
    fill(any_factory)
    with transaction(any_factory) as session:
        found = contacts_overview.groups(session)
        assert [(g.name, g.contacts) for g in found] == contact_groups(session)
    festival, library = found
    assert library.channels == {"SMS": 2, "WhatsApp": 1}
    assert library.languages == {"cy (Cymraeg)": 1, "not known: gets the language menu": 1,
                                 "pl (Polski)": 1}
    assert library.opted_out == 1
    assert festival.contacts == 3
    assert festival.channels == {"SMS": 1, "Telegram": 1, contacts_overview.NOT_HELD: 1}
    assert festival.languages == {"cy (Cymraeg)": 1, "pl (Polski)": 1}
    assert festival.opted_out == 1


def test_who_opted_out_is_counted_and_listed_masked(any_factory):
    fill(any_factory)
    with transaction(any_factory) as session:
        assert contacts_overview.opted_out_count(session) == 2
        listed = contacts_overview.opted_out(session, SECRET)
        assert sorted((r.masked, r.channel, r.language) for r in listed) == [
            ("+44 77•• •••102", "SMS", "not known: gets the language menu"),
            ("••••••789", "Telegram", "pl (Polski)")]
        assert len(contacts_overview.opted_out(session, SECRET, limit=1)) == 1
        with pytest.raises(NoSecret):
            contacts_overview.opted_out(session, None)
