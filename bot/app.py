"""The app factory: every handler registered here, in one place, in the order that matters."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import texts
from bot.errors import on_error
from bot.flows import account, insights, onboarding, reporting, router
from bot.flows.fields import Field
from bot.runtime import SERVICES_KEY, Callback, Clock, Services, system_clock
from bot.settings import Settings
from bot.storage import Repository

# New messages in private chats only: an edited message must not log a run twice.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


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


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """All handlers. Order matters: commands before text, text before the catch-alls."""
    for name, callback in _commands().items():
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    buttons: dict[str, Callback] = {
        "set": onboarding.field_button,
        "edit": onboarding.edit_button,
        "run": reporting.run_button,
        "rx": reporting.prescription_button,
        "del": account.delete_button,
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
        .post_init(announce_commands)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limiter:
        # PTB types the builder's limiter by its rate-limit argument type; ours takes a dict.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    app = builder.build()
    app.bot_data[SERVICES_KEY] = Services(Repository(settings.data_dir), clock)
    register_handlers(app)
    return app
