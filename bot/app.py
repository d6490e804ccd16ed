"""The app factory: the services built first, then every handler registered in one place.

Features never import each other; this module is where they meet: it hands the router
each flow's answer, and the scheduler its sources (runners' planners, clubs).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import steps, texts
from bot.account import data as account_data
from bot.account import onboarding
from bot.account.fields import Field
from bot.chat import Who, private_only
from bot.clubs import handlers as clubs
from bot.clubs import membership
from bot.clubs.schedule import ClubIndex, ClubSource
from bot.context import Callback, Clock, Services, WalkApp, WalkApplication, WalkContext
from bot.context import system_clock as system_clock
from bot.conversation import Flow, Prefix, pattern
from bot.errors import on_error
from bot.files import handlers as files
from bot.insights import handlers as insights
from bot.insights.chart import ChartPool
from bot.insights.summary import WeeklySummary
from bot.intake import UpdateJournal
from bot.nudges import daily, morning
from bot.outbox import retry_owed
from bot.processing import JournalingBot, PerRunnerProcessor
from bot.ratelimit import PerChatRateLimiter
from bot.replies import Reply
from bot.reporting import guided
from bot.reporting import handlers as reporting
from bot.router import Answer, Router, non_text_message, unknown_command
from bot.scheduling import Delivery, IndexJournal, NudgeIndex, RunnerSource, Scheduler, Sleep
from bot.settings import Settings
from bot.storage import DataDir, Draft, Repository, UserTx
from bot.workers import Worker

logger = logging.getLogger("walkcoach")
# How often owed replies are tried again (a failed reply waits at most this long).
OUTBOX_RETRY_S = 5

# New messages only: an edited message must not log a run twice.
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
GROUPS = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE


def _private_commands() -> dict[str, Callback]:
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
        "steps": steps.steps_command,
        "undo": reporting.undo_command,
        "why": reporting.why_command,
        "today": insights.today_command,
        "week": insights.week_command,
        "export": account_data.export_command,
        "delete": account_data.delete_command,
        "help": account_data.help_command,
    }


def _group_commands() -> dict[str, Callback]:
    # In groups the bot works through commands alone (privacy mode on).
    return {
        "join": membership.join,
        "leave": membership.leave,
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


def _buttons() -> dict[Prefix, Callback]:
    return {
        Prefix.SET: onboarding.field_button,
        Prefix.EDIT: onboarding.edit_button,
        Prefix.RUN: reporting.run_button,
        Prefix.RX: reporting.prescription_button,
        Prefix.DELETE: account_data.delete_button,
        Prefix.NUDGE: daily.nudge_button,
        Prefix.FOLLOWUP: morning.followup_button,
        Prefix.BODY: reporting.body_button,
        Prefix.CONFIRM: reporting.confirm_button,
        Prefix.PAIN: reporting.pain_button,
        Prefix.CHOICE: reporting.choice_button,
    }


def _settings_answer(tx: UserTx, who_: Who, draft: Draft, text: str, _now: object) -> list[Reply]:
    return onboarding.field_answer(tx, who_, draft, text)


def router() -> Router:
    """Each flow's pending question and who answers it; anything else is a new report."""
    answers: dict[Flow, Answer] = {
        Flow.ONBOARDING: _settings_answer,
        Flow.SETTINGS: _settings_answer,
        Flow.RUN: guided.answer,
        Flow.WALK: reporting.walk_answer,
        Flow.STEPS: steps.steps_answer,
        Flow.BODY: reporting.body_answer,
        Flow.CONFIRM: reporting.confirm_answer,
        Flow.CHOICE: reporting.choice_answer,
    }
    reprompts = {Flow.ONBOARDING: onboarding.reprompt, Flow.SETTINGS: onboarding.reprompt}
    return Router(answers, reporting.free_text, reprompts)


async def answer_unknown_button(update: Update, context: WalkContext) -> None:
    """A button no handler knows: answered with a word, nothing else done."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.STALE_BUTTON)


async def log_update(update: Update, context: WalkContext) -> None:
    """One line per update: ids and kind, never the text."""
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    kinds = ("message", "callback_query", "my_chat_member", "edited_message", "channel_post")
    kind = next((k for k in (*kinds, "chat_member") if getattr(update, k, None)), "other")
    logger.info(
        "update update_id=%s kind=%s chat_id=%s user_id=%s", update.update_id, kind, chat, user
    )
    if update.message is not None and update.message.from_user is None:
        # Telegram gives every chat message a sender (anonymous admins get a stand-in
        # one); one without is forged, and no handler could answer it.
        logger.info("ignored update_id=%s: a message without a sender", update.update_id)
        raise ApplicationHandlerStop


def register_handlers(app: WalkApp) -> None:
    """All handlers. Order matters: commands before text, text before the catch-alls."""
    routes = router()
    # Group -1 runs first for every update and lets it through to the real handlers.
    app.add_handler(TypeHandler(Update, log_update), group=-1)
    for name, callback in _private_commands().items():
        app.add_handler(CommandHandler(name, callback, filters=PRIVATE))
    for name, callback in _group_commands().items():
        app.add_handler(CommandHandler(name, callback, filters=GROUPS))
    app.add_handler(ChatMemberHandler(membership.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, membership.migrated))
    for prefix, callback in _buttons().items():
        app.add_handler(CallbackQueryHandler(private_only(callback), pattern=pattern(prefix)))
    # Any other button data (an old version's, or forged): answered, so no spinner stays.
    app.add_handler(CallbackQueryHandler(answer_unknown_button))
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, onboarding.location_message))
    text = PRIVATE & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(text, routes.text_message))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    documents = files.document_handler(routes.settle)
    app.add_handler(MessageHandler(PRIVATE & filters.Document.ALL, documents))
    app.add_handler(MessageHandler(GROUPS & filters.Document.ALL, files.group_document))
    others = PRIVATE & ~filters.TEXT & ~filters.LOCATION & ~filters.StatusUpdate.ALL
    app.add_handler(MessageHandler(others, non_text_message))
    app.add_error_handler(on_error)


async def on_startup(app: WalkApp) -> None:
    """Load what is scheduled, queue what the last run left unhandled, register the
    command menu, then schedule the jobs (the minute job, the outbox)."""
    scheduler = app.services.scheduler
    scheduler.begin_loading()
    task = asyncio.get_running_loop().create_task(_load_schedule(scheduler))
    scheduler.load_task = task  # held: a task nobody references may be collected
    done, _ = await asyncio.wait({task}, timeout=LOAD_INLINE_S)
    if done:
        task.result()  # a failed read fails the start, as before
    else:
        # A first start with no snapshot reads every runner's file (tens of seconds at
        # 100,000 runners): runners are answered meanwhile; the nudges wait for the index
        # and then catch up.
        logger.info("schedule: reading every runner's file; nudges start when done")
    for raw in app.services.journal.pending():
        # Handled as soon as the application starts, before anything Telegram sends next.
        await app.update_queue.put(Update.de_json(raw, app.bot))
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in texts.COMMANDS])
    # Last, just before the job queue starts: a first tick due before it started would
    # wait a whole interval (APScheduler), however long the loading above took.
    _schedule_jobs(app, app.services.clock)


# How long a start waits for the nudge index before polling begins (it always finishes
# within this when the snapshot is there).
LOAD_INLINE_S = 2.0


async def _load_schedule(scheduler: Scheduler) -> None:
    # Should reading fail, the ticks stay held: no minute is counted done with a part of
    # the index, so a restart (within the catch-up window) sends what is due.
    counts = await asyncio.to_thread(scheduler.load)
    scheduler.loading = False
    logger.info("schedule loaded: %s", " ".join(f"{k}={v}" for k, v in counts.items()))


async def on_stop(app: WalkApp) -> None:
    """Before the bot's connection closes: start no more deliveries, finish those under
    way (an unfinished minute is repeated by the next start; its records skip the done)."""
    await app.services.scheduler.stop()


async def on_shutdown(app: WalkApp) -> None:
    """Snapshot the nudge index (the next start reads almost nothing); stop the chart worker."""
    await app.services.scheduler.stop()  # already stopped, unless post_stop was not run
    loading = app.services.scheduler.load_task
    if loading is not None and not loading.done():
        loading.cancel()  # not awaited at exit; its thread still ends the read, whole
    try:
        await asyncio.to_thread(app.services.scheduler.close)
    except OSError as exc:
        # A full disk at shutdown: the snapshot is an optimisation (the next start
        # rebuilds the index from the journal or the runners' files); say so in one line.
        logger.error("could not save the schedule snapshot at shutdown: %s", exc.strerror)
    await asyncio.to_thread(app.services.worker.close)
    app.services.journal.close()


async def minute_job(context: WalkContext) -> None:
    """The one repeating job: every due nudge, follow-up, summary and club post. It starts
    the minute's fan-out and returns: a Sunday's fan-out outlasts the minute, and the next
    tick must not be skipped for it (max_instances=1)."""
    await context.services.scheduler.tick(context.bot, wait=False)


async def outbox_job(context: WalkContext) -> None:
    """Every few seconds: replies owed since a send failed (or a run died) go out."""
    journal = context.services.journal
    if journal.owed():
        await retry_owed(context.bot, journal)


def build_services(
    settings: Settings, clock: Clock, sleep: Sleep = asyncio.sleep, worker: Worker | None = None
) -> Services:
    """The repository and the scheduler with its sources, wired once, before the app."""
    data = DataDir(settings.data_dir)
    index, club_index = NudgeIndex(), ClubIndex()
    journal = IndexJournal(data, index)
    repo = Repository(
        settings.data_dir,
        schedule=journal,
        clubs=club_index.put,
        cache_size=settings.cache_runners,
    )
    planners = (daily.DailyNudge(), WeeklySummary(ChartPool()), morning.MorningFollowup())
    runners = RunnerSource(repo, index, journal, planners, Delivery(sleep))
    scheduler = Scheduler(
        [runners, ClubSource(repo, club_index)], data.scheduler_state, clock, commit=repo.sync
    )
    updates = UpdateJournal(data.updates_journal)
    updates.open()
    return Services(repo, clock, scheduler, updates, worker or Worker())


def _schedule_jobs(app: WalkApp, clock: Clock) -> None:
    now = clock()
    # A second into the next minute (to the microsecond: a test's clock may start a
    # moment before a nudge minute).
    first = 61 - now.second - now.microsecond / 1e6
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        minute_job,
        interval=60,
        first=first,
        name="minute",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
    )
    app.job_queue.run_repeating(
        outbox_job,
        interval=OUTBOX_RETRY_S,
        first=1,
        name="outbox",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    clock: Clock = system_clock,
    sleep: Sleep = asyncio.sleep,
    rate_limiter: bool = True,
    concurrent_updates: int = 64,
    worker: Worker | None = None,
) -> WalkApp:
    """The bot, ready to run; tests pass an offline `request`, their clock and sleep (and
    may share one file worker between apps)."""
    services = build_services(settings, clock, sleep, worker)
    # The bot is built here (not by the builder) because its getUpdates journals.
    bot = JournalingBot(
        services.journal,
        token=settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(),
        # The limiter waits out a 429 for its chat only; other chats go on.
        rate_limiter=PerChatRateLimiter(max_retries=2) if rate_limiter else None,
    )
    builder = (
        Application.builder()
        .application_class(WalkApplication, kwargs={"services": services})
        .context_types(ContextTypes(context=WalkContext))
        .bot(bot)
        .concurrent_updates(PerRunnerProcessor(concurrent_updates))
        .post_init(on_startup)  # type: ignore[arg-type]
        .post_stop(on_stop)  # type: ignore[arg-type]
        .post_shutdown(on_shutdown)  # type: ignore[arg-type]
    )
    app = builder.build()
    assert isinstance(app, WalkApplication)
    register_handlers(app)
    return app
