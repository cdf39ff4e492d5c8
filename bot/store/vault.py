"""The contact vault: encrypted addresses, looked up by pseudonym.

Only the channel connectors (to reply) and staff erasure by phone number need it; the action
server and the exports work on pseudonyms alone.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.privacy import pseudonym, vault_cipher
from bot.store.models import Contact, utcnow


class ContactVault:
    def __init__(self, session: Session, secret: str) -> None:
        self.session = session
        self.secret = secret
        self.cipher = vault_cipher(secret)

    def pseudonym_for(self, channel: str, address: str) -> str:
        return pseudonym(self.secret, channel, address)

    def remember(self, channel: str, address: str) -> str:
        """Store the address (once) and return the pseudonym Rasa will see."""
        name = self.pseudonym_for(channel, address)
        if self.session.query(Contact.id).filter_by(pseudonym=name).first() is None:
            token = self.cipher.encrypt(address.encode())
            self.session.add(Contact(pseudonym=name, channel=channel, address_encrypted=token))
            self.session.flush()
        return name

    def address_of(self, name: str) -> str | None:
        contact = self.session.query(Contact).filter_by(pseudonym=name).one_or_none()
        return self.cipher.decrypt(contact.address_encrypted).decode() if contact else None

    def mark_opted_out(self, name: str) -> None:
        self.session.query(Contact).filter_by(pseudonym=name).update({"opted_out_at": utcnow()})
