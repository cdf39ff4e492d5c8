"""The tracker store's own queries read exactly what Rasa's would (they are built once, for
speed: docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

ROOT = Path(__file__).resolve().parents[2]


def test_events_load_as_rasas_query_loads_them(db_url):
    from bot.store.tracker_store import PrivateSQLTrackerStore

    store = PrivateSQLTrackerStore(domain=Domain.load(str(ROOT / "domain.yml")), url=db_url)
    rows = []
    for sender in ("p_talks", "p_other"):
        for session in range(3):
            start = 1000.0 * session
            events = [ActionExecuted("action_session_start", timestamp=start),
                      SessionStarted(timestamp=start + 1),
                      ActionExecuted("action_listen", timestamp=start + 2)]
            for turn in range(4):
                events += [UserUttered(f"{sender} {session} {turn}", timestamp=start + 3 + turn),
                           ActionExecuted("action_engage", timestamp=start + 3 + turn),
                           BotUttered(f"reply {turn}", timestamp=start + 3 + turn)]
            rows += [store._row(sender, event) for event in events]
    rows.append(store._row("p_no_session", UserUttered("hi", timestamp=5.0)))
    rows.append(store._row("p_no_session", BotUttered("hello", timestamp=4.0)))
    with store.session_scope() as session:
        session.execute(store.SQLEvent.__table__.insert(), rows)
        session.commit()
    try:
        for sender in ("p_talks", "p_other", "p_no_session", "p_nobody"):
            for all_sessions in (False, True):
                with store.session_scope() as session:
                    rasas = [json.loads(row.data) for row in
                             store._event_query(session, sender, all_sessions).all()]
                assert store._load(sender, all_sessions) == rasas
        latest, every = store._load("p_talks", False), store._load("p_talks", True)
        assert 0 < len(latest) < len(every) == 3 * 15  # the latest session only, or all
        tracker = asyncio.run(store.retrieve("p_talks"))
        assert tracker.latest_message.text == "p_talks 2 3"
    finally:
        store.engine.dispose()
