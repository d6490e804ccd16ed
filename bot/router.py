"""Plain text in a private chat: the answer to the pending question, or a new report.

The router knows flows (bot.conversation), not features: the app factory hands it the
function that answers each flow's question and the one that reads a new message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from telegram import Update

from bot import coaching, logbook, texts
from bot.chat import Who, respond, send, settings_for, who
from bot.context import WalkContext
from bot.conversation import Flow
from bot.replies import Reply
from bot.storage import Draft, UserTx
from coach_rules import Run

Answer = Callable[[UserTx, Who, Draft, str, datetime], list[Reply]]
Fresh = Callable[[UserTx, Who, str, datetime], list[Reply]]
Reprompt = Callable[[UserTx, Who, Draft], Reply]
# Questions a report may interrupt (the question is asked again after it) and questions
# a report answers in full (it ends them): no question traps the runner.
INTERRUPTIBLE = (Flow.ONBOARDING, Flow.SETTINGS)
ENDED_BY_A_REPORT = (Flow.RUN, Flow.WALK)


class Router:
    """Routes a typed message by the runner's pending question."""

    def __init__(
        self, answers: Mapping[Flow, Answer], fresh: Fresh, reprompts: Mapping[Flow, Reprompt]
    ) -> None:
        self.answers, self.fresh, self.reprompts = dict(answers), fresh, dict(reprompts)

    def route(self, tx: UserTx, who_: Who, text: str, now_utc: datetime) -> list[Reply]:
        """Send the text to the flow whose question is pending, else read it as new."""
        draft = tx.state().draft
        flow = Flow(draft.flow) if draft and draft.flow in Flow.__members__.values() else None
        if draft is None or flow is None:
            return self.fresh(tx, who_, text, now_utc)
        if flow in INTERRUPTIBLE and coaching.looks_like_report(text):
            replies = self.fresh(tx, who_, text, now_utc)
            if tx.state().draft == draft:  # still waiting: ask it again, so it isn't lost
                replies.append(self.reprompts[flow](tx, who_, draft))
            return replies
        if flow in ENDED_BY_A_REPORT and self._whole_report(tx, who_, flow, text, now_utc):
            return logbook.parse_and_log(tx, who_, text, now_utc, ends_question=True)
        return self.answers[flow](tx, who_, draft, text, now_utc)

    def settle(self, tx: UserTx, who_: Who, logged: bool) -> list[Reply]:
        """After something logged outside a typed message (a watch file): setup's or a
        setting's pending question is asked again so it isn't lost, and a /run or /walk
        question the file answered in full is over."""
        state = tx.state()
        draft = state.draft
        flow = Flow(draft.flow) if draft and draft.flow in Flow.__members__.values() else None
        if draft is None or flow is None:
            return []
        if flow in INTERRUPTIBLE:
            return [self.reprompts[flow](tx, who_, draft)]
        if flow in ENDED_BY_A_REPORT and logged:
            state.draft = None
            tx.put_state(state)
            return [Reply(texts.QUESTION_ANSWERED_BY_FILE.format(command=flow.value))]
        return []

    @staticmethod
    def _whole_report(tx: UserTx, who_: Who, flow: Flow, text: str, now_utc: datetime) -> bool:
        """A full report typed instead of an answer: a run named as one, or (in /run) a
        run with both a distance and a time ('easy 8k 45min yesterday')."""
        if coaching.names_a_run(text):
            return True
        if flow is not Flow.RUN:
            return False
        settings = settings_for(tx, who_)
        reading = coaching.read_report(text, settings, coaching.now_for(settings, now_utc))
        return isinstance(reading, Run) and bool(reading.distance_m and reading.duration_s)

    async def text_message(self, update: Update, context: WalkContext) -> None:
        """Any text that is not a command."""
        message = update.effective_message
        assert message is not None and message.text is not None
        text = message.text
        await respond(update, context, lambda tx, w, now: self.route(tx, w, text, now), True)


async def non_text_message(update: Update, context: WalkContext) -> None:
    """Stickers, photos, voice...: a hint instead of silence."""
    await send(context, who(update).chat_id, [Reply(texts.NON_TEXT)])


async def unknown_command(update: Update, context: WalkContext) -> None:
    """A command the bot doesn't have."""
    await send(context, who(update).chat_id, [Reply(texts.UNKNOWN_COMMAND)])
