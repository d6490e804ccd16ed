"""Onboarding (/start) and settings (/settings and the direct forms like /goal 9000)."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import texts
from bot.account.fields import ONBOARDING, SKIP, Applied, Field, apply, prompt, summary
from bot.chat import Who, remember, respond, settings_for, tapped
from bot.context import Callback, WalkContext
from bot.conversation import SETTINGS_FLOWS, Flow, Prefix, data
from bot.replies import Button, Reply
from bot.storage import Draft, UserSettings, UserTx
from bot.timezones import timezone_for_location


def _open_from(settings: UserSettings, index: int) -> int:
    """The next onboarding question to ask from `index` on: the first setup skips what
    the runner already chose another way (/units mi, miles in a report)."""
    while index < len(ONBOARDING):
        if settings.onboarded or ONBOARDING[index].value not in settings.chosen:
            return index
        index += 1
    return index


def _ask_from(tx: UserTx, settings: UserSettings, index: int, replies: list[Reply]) -> list[Reply]:
    """Ask onboarding question `index`, or finish onboarding when none is left."""
    state = tx.state()
    if index < len(ONBOARDING):
        state.draft = Draft(Flow.ONBOARDING.value, ONBOARDING[index].value)
        tx.put_state(state)
        return [*replies, prompt(ONBOARDING[index], settings)]
    settings.onboarded = True
    remember(tx, settings)
    state.draft = None
    tx.put_state(state)
    return [*replies, Reply(texts.ONBOARDING_DONE)]


def start(tx: UserTx, who_: Who) -> list[Reply]:
    """/start: the questions (the first time, only those not answered another way);
    what was logged stays."""
    settings = settings_for(tx, who_)
    settings.first_name = who_.first_name
    tx.put_settings(settings)
    name = f", {who_.first_name}" if who_.first_name else ""
    intro = [Reply(texts.INTRO.format(name=name))]
    return _ask_from(tx, settings, _open_from(settings, 0), intro)


def _next(tx: UserTx, who_: Who, draft: Draft, said: str | None) -> list[Reply]:
    """After an answer: the next onboarding question, or the end."""
    settings = settings_for(tx, who_)
    replies = [Reply(said)] if said else []
    if draft.flow == Flow.ONBOARDING:
        following = _open_from(settings, ONBOARDING.index(Field(draft.step)) + 1)
        return _ask_from(tx, settings, following, replies)
    state = tx.state()
    state.draft = None
    tx.put_state(state)
    return replies


def reprompt(tx: UserTx, who_: Who, draft: Draft) -> Reply:
    """The pending settings question again after a report interrupted it (or the next
    one, when the report answered it: miles named in a run answer 'km or miles?')."""
    settings = settings_for(tx, who_)
    if draft.flow == Flow.ONBOARDING:
        index = _open_from(settings, ONBOARDING.index(Field(draft.step)))
        asked = _ask_from(tx, settings, index, [])[-1]
        return Reply(f"Back to setup: {asked.text}", asked.buttons, asked.ask_location)
    question = prompt(Field(draft.step), settings, skippable=False)
    return Reply(f"Back to setup: {question.text}", question.buttons, question.ask_location)


def _chose(settings: UserSettings, field: Field) -> None:
    if field.value not in settings.chosen:
        settings.chosen = [*settings.chosen, field.value]


def field_answer(tx: UserTx, who_: Who, draft: Draft, text: str) -> list[Reply]:
    """A typed or tapped answer to the current settings question."""
    field = Field(draft.step)
    if text.strip().lower() == SKIP:
        # In setup the next question is the answer; a single question gets a word.
        said = texts.SETTING_UNCHANGED if draft.flow == Flow.SETTINGS else None
        return _next(tx, who_, draft, said)
    settings = settings_for(tx, who_)
    outcome = apply(field, settings, text)
    if not isinstance(outcome, Applied):
        hint = " Or tap Skip." if draft.flow == Flow.ONBOARDING else " (/cancel to stop)"
        # The reply removes the location keyboard; the time-zone question puts it back.
        again = field is Field.TIMEZONE
        return [Reply(outcome.message + hint, ask_location=again)]
    _chose(settings, field)
    remember(tx, settings)
    return _next(tx, who_, draft, outcome.message)


def location_answer(tx: UserTx, who_: Who, latitude: float, longitude: float) -> list[Reply]:
    """A shared location: sets the time zone when that is the question, else a hint."""
    draft = tx.state().draft
    if draft is None or draft.flow not in SETTINGS_FLOWS or draft.step != Field.TIMEZONE.value:
        return [Reply(texts.LOCATION_OUTSIDE_SETUP)]
    zone = timezone_for_location(latitude, longitude)
    if zone is None:
        return [Reply("I couldn't find a time zone there. Type a city like 'Berlin' instead.")]
    return field_answer(tx, who_, draft, zone)


def edit(tx: UserTx, who_: Who, field: Field) -> list[Reply]:
    """Ask one settings question."""
    state = tx.state()
    state.draft = Draft(Flow.SETTINGS.value, field.value)
    tx.put_state(state)
    return [prompt(field, settings_for(tx, who_), skippable=False)]


def direct(tx: UserTx, who_: Who, field: Field, args: str) -> list[Reply]:
    """/units mi, /goal 9000, ...: set at once, or ask when no value was given."""
    if not args.strip():
        return edit(tx, who_, field)
    settings = settings_for(tx, who_)
    outcome = apply(field, settings, args)
    if isinstance(outcome, Applied):
        _chose(settings, field)
        remember(tx, settings)
    return [Reply(outcome.message)]


def nudge_direct(tx: UserTx, who_: Who, args: str) -> list[Reply]:
    """/nudge HH:MM, /nudge off, /nudge on (back to the last time, or 19:00)."""
    settings = settings_for(tx, who_)
    if settings.nudge_paused_until is not None and args.strip():
        # Any explicit /nudge choice ends a pause.
        settings.nudge_paused_until = None
        remember(tx, settings)
    if args.strip().lower() == "on":
        return direct(tx, who_, Field.NUDGE, settings.nudge or "19:00")
    return direct(tx, who_, Field.NUDGE, args)


def settings_menu(tx: UserTx, who_: Who) -> list[Reply]:
    """/settings: every value, and a button to change each."""
    labels = {
        Field.UNITS: "Units",
        Field.TIMEZONE: "Time zone",
        Field.GOAL: "Step goal",
        Field.NUDGE: "Nudge time",
        Field.WEIGHT: "Weight",
        Field.MILEAGE: "Mileage goal",
    }
    buttons = [Button(label, data(Prefix.EDIT, field.value)) for field, label in labels.items()]
    return [
        Reply(
            "Your settings:\n" + summary(settings_for(tx, who_)) + "\n\nTap one to change it.",
            (tuple(buttons[:3]), tuple(buttons[3:])),
        )
    ]


def cancel(tx: UserTx) -> list[Reply]:
    """/cancel: drop the pending question and what it collected."""
    state = tx.state()
    if state.draft is None:
        return [Reply(texts.NOTHING_TO_CANCEL)]
    state.draft = None
    tx.put_state(state)
    return [Reply(texts.CANCELLED)]


# ---- Telegram handlers ----


async def start_command(update: Update, context: WalkContext) -> None:
    """/start: onboarding."""
    await respond(update, context, lambda tx, w, now: start(tx, w))


async def settings_command(update: Update, context: WalkContext) -> None:
    """/settings: the settings menu."""
    await respond(update, context, lambda tx, w, now: settings_menu(tx, w))


async def cancel_command(update: Update, context: WalkContext) -> None:
    """/cancel: drop the pending question."""
    await respond(update, context, lambda tx, w, now: cancel(tx), remove_keyboard=True)


def direct_command(field: Field) -> Callback:
    """A handler for /units, /timezone, /goal, /weight."""

    async def handler(update: Update, context: WalkContext) -> None:
        args = " ".join(context.args or [])
        await respond(update, context, lambda tx, w, now: direct(tx, w, field, args))

    handler.__doc__ = f"/{field.value} [value]: change the {field.value} setting."
    return handler


async def nudge_command(update: Update, context: WalkContext) -> None:
    """/nudge HH:MM | off | on."""
    args = " ".join(context.args or [])
    await respond(update, context, lambda tx, w, now: nudge_direct(tx, w, args))


def _field_button(tx: UserTx, w: Who, data: str, now: datetime) -> list[Reply]:
    field, _, value = data.partition(":")
    draft = tx.state().draft
    if draft is None or draft.flow not in SETTINGS_FLOWS or draft.step != field:
        return [Reply(texts.STALE_BUTTON)]
    return field_answer(tx, w, draft, value)


async def field_button(update: Update, context: WalkContext) -> None:
    """A tapped answer to a settings question (set:<field>:<value>)."""
    data = await tapped(update, Prefix.SET)
    await respond(update, context, lambda tx, w, now: _field_button(tx, w, data, now))


async def edit_button(update: Update, context: WalkContext) -> None:
    """A tapped setting in the /settings menu (edit:<field>)."""
    raw = await tapped(update, Prefix.EDIT, clear=False)
    if raw not in {f.value for f in Field}:
        return
    await respond(update, context, lambda tx, w, now: edit(tx, w, Field(raw)))


async def location_message(update: Update, context: WalkContext) -> None:
    """A shared location."""
    message = update.effective_message
    assert message is not None and message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    await respond(
        update, context, lambda tx, w, now: location_answer(tx, w, lat, lon), remove_keyboard=True
    )
