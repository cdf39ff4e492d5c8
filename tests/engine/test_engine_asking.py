"""`asking`: what a resident is asked at any point, exactly as REPEAT sends it, changing
nothing (the console's preview is built on it)."""

from __future__ import annotations

from bot.engine import ParticipantState, Phase, Reply, asking, handle


def test_asking_is_what_repeat_sends_and_changes_nothing(campaign):
    for step in campaign.steps:
        for phase in (Phase.IN_STEP, Phase.AWAITING_WHY):
            if phase is Phase.AWAITING_WHY and not step.why:
                continue
            state = ParticipantState(phase=phase, language="cy", language_chosen=True,
                                     step_id=step.id, consent_given=True)
            before = state.to_dict()
            asked = asking(campaign, state)
            repeated = handle(campaign, state, Reply("REPEAT"))
            assert (asked.messages, asked.buttons) == (repeated.messages, repeated.buttons)
            assert asked.state.to_dict() == before and state.to_dict() == before
            assert asked.answers == [] and asked.events == []
