"""The contact vault: encrypted addresses, looked up by pseudonym.

Only the channel connectors (to reply) and staff erasure by phone number need it; the action
server and the exports work on pseudonyms alone.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.privacy import handle_digest, pseudonym, vault_cipher
from bot.privacy.masking import mask
from bot.store.models import Contact, utcnow
from bot.test_senders import is_test_sender, pseudonym_of_sender


class ContactVault:
    def __init__(self, session: Session, secret: str) -> None:
        self.session = session
        self.secret = secret
        self.cipher = vault_cipher(secret)

    def pseudonym_for(self, channel: str, address: str) -> str:
        """The keyed hash of channel and address; a console test sender's own test
        pseudonym (bot/test_senders.py: its "address" is a random tag, not a person's)."""
        if is_test_sender(channel, address):
            return pseudonym_of_sender(address)
        return pseudonym(self.secret, channel, address)

    def remember(self, channel: str, address: str) -> str:
        """Store the address (once) and return the pseudonym Rasa will see."""
        name = self.pseudonym_for(channel, address)
        if self.session.query(Contact.id).filter_by(pseudonym=name).first() is None:
            token = self.cipher.encrypt(address.encode())
            self.session.add(Contact(pseudonym=name, channel=channel, address_encrypted=token))
            self.session.flush()
        return name

    def remember_handle(self, name: str, username: str) -> None:
        """Keep the digest of the contact's Telegram @username ("" when they have none now),
        so `engage erase --telegram-username` finds them. A username can pass to someone else,
        so no other contact keeps the same digest."""
        digest = handle_digest(self.secret, username) if username.strip("@ ") else None
        contact = self.session.query(Contact).filter_by(pseudonym=name).one_or_none()
        if contact is None or contact.handle_digest == digest:
            return
        if digest is not None:
            self.session.query(Contact).filter(Contact.handle_digest == digest,
                                               Contact.id != contact.id).update(
                {"handle_digest": None}, synchronize_session=False)
        contact.handle_digest = digest
        self.session.flush()

    def with_handle(self, username: str) -> list[str]:
        """The pseudonyms of the contacts whose Telegram @username this is (normally one)."""
        digest = handle_digest(self.secret, username)
        return [name for (name,) in self.session.query(Contact.pseudonym)
                .filter_by(handle_digest=digest).all()]

    def address_of(self, name: str) -> str | None:
        contact = self.session.query(Contact).filter_by(pseudonym=name).one_or_none()
        return self.cipher.decrypt(contact.address_encrypted).decode() if contact else None

    def masked_address(self, name: str) -> str | None:
        """The contact's address as staff may see it (`+44 77•• •••123`), never the address."""
        contact = self.session.query(Contact).filter_by(pseudonym=name).one_or_none()
        return self.masked(contact) if contact is not None else None

    def masked(self, contact: Contact) -> str:
        """`masked_address` for a contact row already read."""
        return mask(contact.channel, self.cipher.decrypt(contact.address_encrypted).decode())

    def mark_opted_out(self, name: str) -> None:
        self.session.query(Contact).filter_by(pseudonym=name).update({"opted_out_at": utcnow()})
