"""Rasa's SQL tracker store, pointed at our database and able to forget a conversation.

Configured in endpoints.yml by module path. The database URL comes from ENGAGE_DATABASE_URL
(same database as everything else by default). When the action has just erased a resident
(slot `erase_requested` set this turn), saving the turn deletes every event for that sender
instead of writing it: doing it here, after Rasa's save, is the only point where Rasa will not
write the old events back.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import config, rasa_tuning
from bot.channels.pseudonyms import forget_pseudonym
from bot.store.db import make_engine

rasa_tuning.apply()

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
        self._loaded: dict[str, int] = {}
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if not fetch_events_from_all_sessions:
            self._loaded[sender_id] = len(tracker.events) if tracker is not None else 0
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Write only the events added since the tracker was loaded, in one insert.

        Rasa's own save counts the stored events again first; remembering the count from the
        load saves that query, and means a staff erasure during the turn cannot make Rasa write
        the erased history back.
        """
        sender = tracker.sender_id
        stored = self._loaded.pop(sender, None)
        if erased_this_turn(tracker):
            with self.session_scope() as session:
                session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender).delete(
                    synchronize_session=False)
                session.commit()
            forget_pseudonym(sender)
            logger.info("Erased a conversation from the tracker store")
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            if stored is None:
                stored = self._event_query(session, sender, False).count()
            rows = [self._row(sender, event)
                    for event in itertools.islice(tracker.events, stored, len(tracker.events))]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    @staticmethod
    def _row(sender: str, event: Any) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
