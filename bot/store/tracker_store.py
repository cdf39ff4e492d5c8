"""Rasa's SQL tracker store, pointed at our database and able to forget a conversation.

Configured in endpoints.yml by module path. The database URL comes from ENGAGE_DATABASE_URL
(same database as everything else by default). When the action has just erased a resident
(slot `erase_requested` set this turn), saving the turn deletes every event for that sender
instead of writing it: doing it here, after Rasa's save, is the only point where Rasa will not
write the old events back.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import config
from bot.store.db import make_engine

logger = logging.getLogger(__name__)
ERASE_SLOT = "erase_requested"


def erased_this_turn(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value:
            return True
        if isinstance(event, UserUttered):
            return False
    return False


class PrivateSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: Any = None,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.engine = make_engine(url or config.database_url())
        try:
            self.Base.metadata.create_all(self.engine)
        except sa.exc.OperationalError as error:  # another process created it first
            logger.info("Tracker tables already being created: %s", error)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erased_this_turn(tracker):
            with self.session_scope() as session:
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id == tracker.sender_id
                ).delete(synchronize_session=False)
                session.commit()
            logger.info("Erased a conversation from the tracker store")
            return
        await super().save(tracker)
