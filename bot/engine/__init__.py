"""The deliberation engine: a pure state machine over a campaign (no Rasa, no I/O).

    outcome = start(campaign)                          # they texted the keyword
    outcome = handle(campaign, state, Reply(text, intent, confidence), context)
    outcome = resume(campaign, state)                  # the keyword again, part-way through
"""

from bot.engine.commands import Command, is_erase, is_opt_out, keyword_command
from bot.engine.engine import handle, resume, start
from bot.engine.outcome import NO_CONTEXT, Answer, Context, Event, Outcome, Reply
from bot.engine.phrases import phrase, phrases
from bot.engine.state import ParticipantState, Phase

__all__ = [
    "NO_CONTEXT", "Answer", "Command", "Context", "Event", "Outcome", "ParticipantState", "Phase",
    "Reply", "handle", "is_erase", "is_opt_out", "keyword_command", "phrase", "phrases", "resume",
    "start",
]
