"""The deliberation engine: a pure state machine over a campaign (no Rasa, no I/O).

    outcome = start(campaign)                          # they texted the keyword
    outcome = handle(campaign, state, Reply(text, intent, confidence, kind), context)
    outcome = resume(campaign, state)                  # the keyword again, part-way through
    outcome = start(campaign, language, invited=True)  # an invitation: the bot writes first
    outcome = remind(campaign, state)                  # the one reminder, part-way through
    outcome = asking(campaign, state)                  # what REPEAT would send now (previews)
    outcome = keyword_elsewhere(campaign, state, reply, "PARKS")  # another campaign's keyword

`outcome.buttons` are labels a channel may show under the last message; a tapped label sent
back as text is read as its answer. `is_resubscribe` spots START and its equivalents.
"""

from bot.engine.commands import (
    Command,
    is_erase,
    is_help,
    is_opt_out,
    is_resubscribe,
    keyword_command,
)
from bot.engine.engine import (
    MIN_CONFIDENCE,
    asking,
    handle,
    keyword_elsewhere,
    remind,
    resubscribe,
    resume,
    start,
)
from bot.engine.outcome import (
    NO_CONTEXT,
    REPLY_KINDS,
    Answer,
    Context,
    Event,
    Outcome,
    Reply,
)
from bot.engine.phrases import phrase, phrases
from bot.engine.state import ASKS_BEFORE_SWITCHING, ParticipantState, Phase

__all__ = [
    "ASKS_BEFORE_SWITCHING", "MIN_CONFIDENCE", "NO_CONTEXT", "REPLY_KINDS", "Answer", "Command", "Context", "Event", "Outcome",
    "ParticipantState", "Phase", "Reply", "asking", "handle", "is_erase", "is_help", "is_opt_out",
    "is_resubscribe", "keyword_command", "keyword_elsewhere", "phrase", "phrases", "remind",
    "resubscribe", "resume", "start",
]
