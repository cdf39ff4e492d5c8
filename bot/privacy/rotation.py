"""Rotating the secret key (`engage keys rotate`): move every resident to the pseudonym the
new key gives them, and the contact vault to the new key's encryption, in one transaction.

With the old key (the running ENGAGE_SECRET_KEY) every vault entry is opened, its pseudonym
derived again with the new key and its address encrypted again with it; the new pseudonym
then replaces the old one in every table that holds one (every `pseudonym` column of
bot/store/models.py, and the sender of Rasa's tracker events, inside their JSON too). The
keyed hashes of Telegram usernames cannot be carried over (the name itself is never kept), so
they are cleared: each is hashed again with the new key when that resident next writes.

Anything goes wrong, nothing has changed: the same key twice, a key too short, an old key that
does not open every vault entry, a process still answering or still connected to the
database, a row the database refuses. A dry run does all of it and rolls it back, so its
counts are the real ones. What the rotation cannot reach: exports and backups made before it
keep the old pseudonyms, and a pseudonym held without a vault entry (its address is gone, so
there is nothing to derive the new one from) stays as it is.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session, sessionmaker

from bot import audit, config, settings
from bot.errors import KeyRefused, NoSecret
from bot.store.db import transaction
from bot.store.erase import RASA_EVENTS_TABLE
from bot.store.models import Base, Contact
from bot.store.vault import ContactVault
from bot.test_senders import TEST_PSEUDONYM_PREFIX

NOTHING = "Nothing was changed."
MAP_TABLE = "key_rotation_map"
PROBE_SECONDS = 1.0
LOCK_TIMEOUT = "10s"  # PostgreSQL: how long to wait for the tables before giving up
# What changes with the key besides the pseudonyms and the vault, for the output and the docs.
ALSO_CHANGES = (
    "`engage inbox replay`'s token (derived from the key): nothing to do, it derives the new one",
    "an erasure the console was about to confirm: check it again",
)


@dataclass
class Rotation:
    """What a rotation changed (or, dry, would change): rows per table, and what it could not."""

    dry_run: bool
    contacts: int = 0  # vault entries re-encrypted with the new key
    renamed: int = 0  # residents given a new pseudonym (test senders keep theirs)
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows whose pseudonym changed
    usernames_cleared: int = 0  # Telegram username hashes cleared (re-made on the next message)
    unlinked: int = 0  # pseudonyms held without a vault entry: kept as they are

    def as_details(self) -> dict[str, object]:
        """For the audit log: counts only, never a key, a pseudonym or an address."""
        return {"contacts": self.contacts, "renamed": self.renamed, "rows": dict(self.rows),
                "usernames_cleared": self.usernames_cleared, "unlinked": self.unlinked}


def check_new_key(old: str | None, new: str | None) -> str:
    """The new key, if a rotation may use it; KeyRefused (or NoSecret) saying why not."""
    if not old:
        raise NoSecret(f"rotating needs the running key in ENGAGE_SECRET_KEY (or the local key "
                       f"file). {NOTHING}")
    if not new:
        raise KeyRefused("give the new key in ENGAGE_NEW_SECRET_KEY or with --new-key-file, "
                         f"never on the command line. {NOTHING}")
    if new != new.strip():
        raise KeyRefused("the new key starts or ends with a space or a line break; a key file "
                         f"is read without them, so the two would differ. {NOTHING}")
    if len(new) < config.MIN_SECRET_LENGTH:
        raise KeyRefused(f"the new key is too short: at least {config.MIN_SECRET_LENGTH} random "
                         f"characters, as for ENGAGE_SECRET_KEY (e.g. `openssl rand -base64 "
                         f"48`). {NOTHING}")
    if new == old:
        raise KeyRefused(f"the new key is the running key: there is nothing to rotate. {NOTHING}")
    return new


def stack_addresses(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Where this set-up's processes answer `/health` when they run: Rasa (ENGAGE_RASA_URL or
    its port), the action server and the console, as settings say."""
    action = settings.value("ENGAGE_ACTION_URL", env)
    action_base = (f"{urlsplit(action).scheme}://{urlsplit(action).netloc}" if action else
                   f"http://127.0.0.1:{settings.value('ENGAGE_ACTION_PORT', env)}")
    rasa = settings.value("ENGAGE_RASA_URL", env) or \
        f"http://127.0.0.1:{settings.value('ENGAGE_RASA_PORT', env)}"
    return {"Rasa": f"{rasa.rstrip('/')}/health", "the action server": f"{action_base}/health",
            "the console": f"http://127.0.0.1:{settings.value('ENGAGE_CONSOLE_PORT', env)}/health"}


def answering(addresses: Mapping[str, str], timeout: float = PROBE_SECONDS) -> list[str]:
    """The processes among `addresses` that answer their health check (2xx) now. A load
    balancer with nothing behind it (503) or nothing listening counts as stopped."""
    found = []
    for name, url in addresses.items():
        try:
            with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - our URLs
                if 200 <= reply.status < 300:
                    found.append(name)
        except (urllib.error.URLError, OSError, ValueError):
            continue
    return found


@dataclass(frozen=True)
class KeyCheck:
    """Whether a key opens the contact vault: entries it opens, of how many, and how many
    of those it gives the stored pseudonym (a key that opens the vault gives them all)."""

    opened: int
    total: int
    matching: int

    @property
    def fits(self) -> bool:
        return self.opened == self.total == self.matching


def check_key(sessions: sessionmaker, secret: str | None) -> KeyCheck:
    """`engage keys check`: does this key open every vault entry, with the pseudonyms it
    makes? Run after swapping the key, before starting the bot. Changes nothing."""
    if not secret:
        raise NoSecret("checking the key needs it in ENGAGE_SECRET_KEY (or the local key file).")
    with transaction(sessions) as session:
        vault, opened, matching = ContactVault(session, secret), 0, 0
        rows = session.execute(sa.select(Contact.pseudonym, Contact.channel,
                                         Contact.address_encrypted)).all()
        for row in rows:
            try:
                address = vault.cipher.decrypt(row.address_encrypted).decode()
            except InvalidToken:
                continue
            opened += 1
            matching += vault.pseudonym_for(row.channel, address) == row.pseudonym
    return KeyCheck(opened, len(rows), matching)


KEY_SAMPLE = 5  # newest vault entries tried before a process starts


def wrong_key(sessions: sessionmaker, secret: str, sample: int = KEY_SAMPLE) -> str | None:
    """Why a process must not start with this key: the vault's newest entries do not open with
    it (a key swapped in before `engage keys rotate` ran, or the old one after it). Started,
    every resident who writes would get a second identity, and staff could no longer erase
    them by number. None when the key opens them, the vault is empty or not there yet."""
    try:
        with transaction(sessions) as session:
            cipher = ContactVault(session, secret).cipher
            newest = session.execute(sa.select(Contact.address_encrypted)
                                     .order_by(Contact.id.desc()).limit(sample)).scalars().all()
    except sa.exc.SQLAlchemyError:  # no tables yet (`engage db upgrade` comes first)
        return None
    opened = 0
    for token in newest:
        try:
            cipher.decrypt(token)
            opened += 1
        except InvalidToken:
            pass
    if not newest or opened:
        return None
    return ("ENGAGE_SECRET_KEY does not open the contact vault (none of its newest entries): "
            "started with it, every resident who writes would get a second identity. Start "
            "with the key the vault was made with (`engage keys check` tells), or, after "
            "`engage keys rotate`, with the new one; see docs/deploy.md.")


def pseudonym_tables() -> list[sa.Table]:
    """Every table of ours with a `pseudonym` column, the vault apart (it is rewritten row by
    row). Found from the models, so a table added later is rotated too."""
    return [table for table in Base.metadata.sorted_tables
            if "pseudonym" in table.c and table.name != Contact.__tablename__]


def rotate_key(sessions: sessionmaker, old: str | None, new: str | None, *,
               dry_run: bool = False, running: Iterable[str] = (),
               who: str | None = None) -> Rotation:
    """Rotate from `old` to `new` in one transaction (see the module's docstring), recorded
    in the audit log as `who` did it. `running` names the processes found answering (see
    `answering`): any refuses. A dry run changes nothing and records nothing."""
    new = check_new_key(old, new)
    running = list(running)
    if running:
        raise KeyRefused(f"{', '.join(running)} still answer{'s' if len(running) == 1 else ''}: "
                         f"stop every process of the bot first (docs/deploy.md). {NOTHING}")
    session: Session = sessions()
    try:
        rotation = _rotate(session, old, new, dry_run)
        if dry_run:
            session.rollback()
        else:
            audit.record(session, "key-rotate", None, rotation.as_details(), who=who)
            session.commit()
        return rotation
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rotate(session: Session, old: str, new: str, dry_run: bool) -> Rotation:
    has_events = _hold_everything(session)
    tables = pseudonym_tables()
    rotation = Rotation(dry_run)
    before, after = ContactVault(session, old), ContactVault(session, new)
    contacts = session.execute(sa.select(Contact.id, Contact.pseudonym, Contact.channel,
                                         Contact.address_encrypted, Contact.handle_digest)
                               .order_by(Contact.id)).all()
    changes, unreadable = [], 0
    for row in contacts:
        try:
            address = before.cipher.decrypt(row.address_encrypted).decode()
        except InvalidToken:
            unreadable += 1
            continue
        changes.append({"row_id": row.id, "old_name": row.pseudonym,
                        "new_name": after.pseudonym_for(row.channel, address),
                        "sealed": after.cipher.encrypt(address.encode()),
                        "had_handle": row.handle_digest is not None})
    if unreadable:
        raise KeyRefused(f"the running key (ENGAGE_SECRET_KEY) does not open {unreadable} of "
                         f"{len(contacts)} contact vault entries: is it the key this database "
                         f"was made with? {NOTHING}")
    renamed = [c for c in changes if c["new_name"] != c["old_name"]]
    _fill_map(session, renamed)
    rotation.unlinked = _unlinked(session, tables, has_events)
    for table in tables:
        rotation.rows[table.name] = _rename(session, table.name, "pseudonym")
    if has_events:
        rotation.rows[RASA_EVENTS_TABLE] = _rename(session, RASA_EVENTS_TABLE, "sender_id",
                                                   also_in="data")
    if changes:
        session.execute(sa.update(Contact.__table__)
                        .where(Contact.__table__.c.id == sa.bindparam("row_id"))
                        .values(pseudonym=sa.bindparam("new_name"),
                                address_encrypted=sa.bindparam("sealed"), handle_digest=None),
                        [{key: c[key] for key in ("row_id", "new_name", "sealed")}
                         for c in changes])
    session.execute(sa.text(f"DROP TABLE {MAP_TABLE}"))
    rotation.contacts, rotation.renamed = len(changes), len(renamed)
    rotation.rows[Contact.__tablename__] = len(renamed)
    rotation.usernames_cleared = sum(c["had_handle"] for c in changes)
    return rotation


def _hold_everything(session: Session) -> bool:
    """Take the database for this transaction, refusing if another process is connected;
    returns whether Rasa's events table is here. PostgreSQL: other sessions on this database
    refuse, then the tables are locked against writes. SQLite: the write lock is taken now
    (BEGIN IMMEDIATE), so the reads below are part of the same transaction."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        _or_busy(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    has_events = sa.inspect(connection).has_table(RASA_EVENTS_TABLE)
    if dialect == "postgresql":
        others = connection.execute(sa.text(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalar_one()
        if others:
            raise KeyRefused(f"{others} other connection{'s are' if others > 1 else ' is'} open "
                             "to this database: stop every process of the bot (and anything "
                             f"else using the database) first. {NOTHING}")
        names = [Contact.__tablename__, *(t.name for t in pseudonym_tables()),
                 *([RASA_EVENTS_TABLE] if has_events else [])]
        connection.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        _or_busy(lambda: connection.execute(sa.text(
            f"LOCK TABLE {', '.join(names)} IN EXCLUSIVE MODE")))
    return has_events


def _or_busy(take: Callable[[], object]) -> None:
    """Take the database's lock, or refuse in staff's words when another process holds it."""
    try:
        take()
    except sa.exc.OperationalError:
        raise KeyRefused("another process is writing to the database (it stayed locked): "
                         f"stop every process of the bot first. {NOTHING}") from None


def _fill_map(session: Session, renamed: list[dict]) -> None:
    """old pseudonym -> new, in a temporary table, so each table is renamed in one statement."""
    temporary = "ON COMMIT DROP" if session.get_bind().dialect.name == "postgresql" else ""
    session.execute(sa.text(f"CREATE TEMPORARY TABLE {MAP_TABLE} (old_name VARCHAR(64) "
                            f"PRIMARY KEY, new_name VARCHAR(64) NOT NULL) {temporary}"))
    if renamed:
        session.execute(sa.text(f"INSERT INTO {MAP_TABLE} (old_name, new_name) "
                                "VALUES (:old_name, :new_name)"),
                        [{"old_name": c["old_name"], "new_name": c["new_name"]} for c in renamed])


def _rename(session: Session, table: str, column: str, also_in: str | None = None) -> int:
    """Give every row of `table` held under an old pseudonym the new one (and replace it
    inside `also_in`, Rasa's event JSON, where it may be repeated)."""
    new = f"(SELECT new_name FROM {MAP_TABLE} WHERE old_name = {table}.{column})"
    extra = f", {also_in} = REPLACE({also_in}, {column}, {new})" if also_in else ""
    try:
        result = session.execute(sa.text(
            f"UPDATE {table} SET {column} = {new}{extra} "
            f"WHERE {column} IN (SELECT old_name FROM {MAP_TABLE})"))
    except sa.exc.DBAPIError as error:  # e.g. a row already held under a new pseudonym
        raise KeyRefused(f"the database refused the new pseudonyms in {table} "
                         f"({type(error.orig).__name__}); everything is rolled back. "
                         f"{NOTHING}") from None
    return result.rowcount or 0


def _unlinked(session: Session, tables: list[sa.Table], has_events: bool) -> int:
    """How many pseudonyms are held without a vault entry (a contact purged or erased while
    answers stay): there is no address to derive their new pseudonym from."""
    names = [f"SELECT pseudonym AS name FROM {table.name}" for table in tables]
    if has_events:
        names.append(f"SELECT sender_id AS name FROM {RASA_EVENTS_TABLE}")
    return session.execute(sa.text(
        f"SELECT COUNT(*) FROM ({' UNION '.join(names)}) AS held "
        f"WHERE name NOT IN (SELECT pseudonym FROM {Contact.__tablename__}) "
        "AND name NOT LIKE :test"), {"test": f"{TEST_PSEUDONYM_PREFIX}%"}).scalar_one()
