"""The app factory: every handler registered here, in one place, in the order that matters."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import texts
from bot.errors import on_error
from bot.flows import account, clubs, insights, nudging, onboarding, reporting, router
from bot.flows.fields import Field
from bot.nudges.clubs import ClubIndex
from bot.nudges.index import NudgeIndex
from bot.nudges.journal import IndexJournal, scheduler_state_path
from bot.nudges.scheduler import Scheduler
from bot.runtime import SERVICES_KEY, Callback, Clock, Services, services, system_clock
from bot.settings import Settings
from bot.storage import Repository

logger = logging.getLogger("walkcoach")

# New messages only: an edited message must not log a run twice.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE


def _commands() -> dict[str, Callback]:
    return {
        "start": onboarding.start_command,
        "settings": onboarding.settings_command,
        "cancel": onboarding.cancel_command,
        "units": onboarding.direct_command(Field.UNITS),
        "timezone": onboarding.direct_command(Field.TIMEZONE),
        "goal": onboarding.direct_command(Field.GOAL),
        "weight": onboarding.direct_command(Field.WEIGHT),
        "nudge": onboarding.nudge_command,
        "run": reporting.run_command,
        "walk": reporting.walk_command,
        "steps": reporting.steps_command,
        "undo": reporting.undo_command,
        "why": reporting.why_command,
        "today": insights.today_command,
        "week": insights.week_command,
        "export": account.export_command,
        "delete": account.delete_command,
        "help": account.help_command,
    }


async def log_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One line per update: ids and kind, never the text."""
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    kind = next(
        (
            k
            for k in (
                "message",
                "callback_query",
                "my_chat_member",
                "edited_message",
                "channel_post",
                "chat_member",
            )
            if getattr(update, k, None)
        ),
        "other",
    )
    logger.info(
        "update update_id=%s kind=%s chat_id=%s user_id=%s", update.update_id, kind, chat, user
    )


def _group_commands() -> dict[str, Callback]:
    return {
        "join": clubs.join,
        "leave": clubs.leave,
        "board": clubs.board,
        "challenge": clubs.challenge,
        "digest": clubs.digest,
        "channel": clubs.channel,
        "run": clubs.group_run,
        "walk": clubs.group_walk,
        "steps": clubs.group_steps,
        "start": clubs.group_start,
        "help": clubs.group_start,
    }


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """All handlers. Order matters: commands before text, text before the catch-alls."""
    # Group -1 runs first for every update and lets it through to the real handlers.
    app.add_handler(TypeHandler(Update, log_update), group=-1)
    for name, callback in _commands().items():
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    # In groups the bot works through commands alone (privacy mode on).
    for name, callback in _group_commands().items():
        app.add_handler(CommandHandler(name, callback, filters=GROUPS))
    app.add_handler(ChatMemberHandler(clubs.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, clubs.migrated))
    buttons: dict[str, Callback] = {
        "set": onboarding.field_button,
        "edit": onboarding.edit_button,
        "run": reporting.run_button,
        "rx": reporting.prescription_button,
        "del": account.delete_button,
        "nudge": nudging.nudge_button,
        "fu": nudging.followup_button,
    }
    for prefix, callback in buttons.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=rf"^{prefix}:"))
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, onboarding.location_message))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, router.text_message))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, router.unknown_command))
    app.add_handler(
        MessageHandler(
            PRIVATE & ~filters.TEXT & ~filters.LOCATION & ~filters.StatusUpdate.ALL,
            router.non_text_message,
        )
    )
    app.add_error_handler(on_error)


async def announce_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the command menu with Telegram (run once at start-up)."""
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in texts.COMMANDS])


async def on_startup(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Load the nudge index, then register the command menu."""
    svc = app.bot_data[SERVICES_KEY]
    count = await asyncio.to_thread(svc.journal.load)
    clubs = await asyncio.to_thread(svc.scheduler.club_index.load, svc.repo.clubs)
    logger.info("schedule index loaded: %s runners, %s clubs", count, clubs)
    await announce_commands(app)


async def on_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Snapshot the nudge index so the next start reads almost nothing."""
    svc = app.bot_data[SERVICES_KEY]
    await asyncio.to_thread(svc.journal.close)
    await asyncio.to_thread(svc.scheduler.charts.close)


async def minute_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one repeating job: every due nudge, follow-up and weekly summary."""
    await services(context).scheduler.tick(context.bot)


def _services(settings: Settings, clock: Clock) -> Services:
    repo = Repository(settings.data_dir)
    index = NudgeIndex()
    journal = IndexJournal(repo.store, index)
    repo.store.watcher = journal
    scheduler = Scheduler(repo, index, scheduler_state_path(settings.data_dir), clock)
    scheduler.club_index = ClubIndex()
    repo.clubs.watcher = scheduler.club_index.put
    return Services(repo, clock, scheduler, journal)


def _schedule_minute_job(app: Application[Any, Any, Any, Any, Any, Any], clock: Clock) -> None:
    now = clock()
    first = 60 - now.second + 1  # a second into the next minute
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        minute_job,
        interval=60,
        first=first,
        name="minute",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
    )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = system_clock,
    rate_limiter: bool = True,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready to run; tests pass an offline `request` and their own clock."""
    builder = (
        Application.builder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limiter:
        # PTB types the builder's limiter by its rate-limit argument type; ours takes a dict.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    app = builder.build()
    app.bot_data[SERVICES_KEY] = _services(settings, clock)
    register_handlers(app)
    _schedule_minute_job(app, clock)
    return app
