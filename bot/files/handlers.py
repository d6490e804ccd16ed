"""Files from a watch or an app, sent as a document: one activity, or a whole history.

The file comes through the Bot API (getFile, then the download); it is read in the worker
process, so a large file never holds up other runners; what it logs is stored in one
transaction like a typed report, and the reply is the same prescription.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from telegram import Document, Message, Update
from telegram.error import TelegramError

from bot import coaching, texts
from bot.chat import Who, has_private, respond, say, send, who
from bot.context import Callback, WalkContext
from bot.files import archive
from bot.files.importing import (
    Tally,
    import_history,
    imported_already,
    log_file,
    plural,
    read_recorded,
    summary,
    zone_of,
)
from bot.files.readers import FileProblem
from bot.grouplog import display_name, log_in_group
from bot.outbox import deliver, edit_owed, is_logged, prepared_step
from bot.replies import Reply
from bot.storage import UserTx
from coach_rules.tracks import FileActivity

logger = logging.getLogger(__name__)

# The Bot API lets a bot download files up to 20 MB (getFile).
MAX_DOWNLOAD = 20 * 1024 * 1024
TOO_BIG = (
    "That file is {size:.0f} MB; Telegram lets me download files up to 20 MB. Send the single"
    " activity (or your export in parts). Nothing stored."
)
NOT_DOWNLOADED = "I couldn't download that file from Telegram. Please send it again."
BAR_WIDTH = 10
# How often the progress message is edited: Telegram limits edits, runners want to see it move.
PROGRESS_STEPS = 10


async def download(message: Message, context: WalkContext) -> bytes | str:
    """The document's bytes, or what to tell the runner."""
    document = message.document
    assert document is not None
    if (document.file_size or 0) > MAX_DOWNLOAD:
        return TOO_BIG.format(size=(document.file_size or 0) / 2**20)
    try:
        file = await context.bot.get_file(document.file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as error:
        if "too big" in str(error).lower():
            return TOO_BIG.format(size=(document.file_size or MAX_DOWNLOAD) / 2**20)
        logger.warning("file download failed: %s", type(error).__name__)
        return NOT_DOWNLOADED


# What a pending question makes of a logged file (handed in by the app factory: the
# router knows the flows): setup asked again, a /run question ended.
Settle = Callable[[UserTx, Who, bool], list[Reply]]


def document_handler(settle: Settle) -> Callback:
    """The private-chat document handler, with what to do about a pending question."""

    async def handler(update: Update, context: WalkContext) -> None:
        await document_message(update, context, settle)

    handler.__doc__ = "A document in a private chat: an activity file, or a zip of them."
    return handler


def _log_and_settle(
    settle: Settle, found: FileActivity, caption: str
) -> Callable[[UserTx, Who, datetime], list[Reply]]:
    def step(tx: UserTx, w: Who, now: datetime) -> list[Reply]:
        replies = log_file(tx, w, found, caption, now)
        return replies + settle(tx, w, is_logged(replies[0]))

    return step


async def document_message(update: Update, context: WalkContext, settle: Settle) -> None:
    """A document in a private chat: an activity file, or a zip of a whole history."""
    message = update.effective_message
    assert message is not None and message.document is not None
    w = who(update)
    data = await download(message, context)
    if isinstance(data, str):
        await send(context, w.chat_id, [Reply(data)])
        return
    zone = await context.services.repo.transact(w.user_id, lambda tx: zone_of(tx, w))
    member = archive.Member(_name(message.document), data)
    if archive.is_zip(data):
        one = await asyncio.to_thread(archive.single, data)
        if one is None:
            await import_zip(context, update.update_id, w, data, zone)
            return
        member = archive.Member(*one)
    found = await _read_member(context, member, zone)
    if isinstance(found, FileProblem):
        await send(context, w.chat_id, [Reply(found.message)])
        return
    await respond(update, context, _log_and_settle(settle, found, message.caption or ""))


async def read_in_worker(
    context: WalkContext, name: str, data: bytes, zone: str
) -> FileActivity | FileProblem:
    """The file read, and what it logs, in the worker process."""
    return await context.services.worker.run(read_recorded, name, data, zone)


def _name(document: Document) -> str:
    return document.file_name or "file"


def bar(done: int, total: int) -> str:
    """'▓▓▓▓░░░░░░ 80/200'."""
    filled = BAR_WIDTH * done // max(total, 1)
    return f"{'▓' * filled}{'░' * (BAR_WIDTH - filled)} {done}/{total}"


async def import_zip(context: WalkContext, update_id: int, w: Who, data: bytes, zone: str) -> None:
    """A zip of activity files: read each in the worker while one progress message
    counts up, store the last 12 weeks in one transaction, then say what happened."""
    names = await asyncio.to_thread(archive.activity_names, data)
    if isinstance(names, FileProblem):
        await send(context, w.chat_id, [Reply(names.message)])
        return
    total = len(names)
    head = f"Importing {plural(total, 'file')}…"
    progress = await _progress(context, w.chat_id, f"{head}\n{bar(0, total)}")
    tally = Tally()
    readings: list[tuple[str, FileActivity]] = []
    step = max(total // PROGRESS_STEPS, 1)
    members = archive.members(data, names)
    for done in range(1, total + 1):
        member = await asyncio.to_thread(next, members, None)
        if member is None:
            break
        found = await _read_member(context, member, zone)
        if isinstance(found, FileProblem):
            tally.rejected.append((member.name, found.message))
        else:
            readings.append((member.name, found))
        if progress is not None and done % step == 0 and done < total:
            await _edit(progress, f"{head}\n{bar(done, total)}")
    svc = context.services
    now, weeks = svc.clock(), coaching.import_weeks()

    def store(tx: UserTx) -> list[Reply]:
        if imported_already(tx, w):
            # A replay: the run that stored it prepared its summary (bot/outbox.py).
            return [Reply(texts.ALREADY_LOGGED)]
        import_history(tx, w, readings, now, tally)
        return [Reply(f"{bar(total, total)}\n" + summary(tally, weeks))]

    await svc.repo.transact(w.user_id, prepared_step(svc.journal, update_id, w.chat_id, store))
    await _finish(context, update_id, progress)


async def _progress(context: WalkContext, chat_id: int, text: str) -> Message | None:
    """The progress message; None when it could not be sent (the import goes on: its
    summary is owed, and the outbox sends it)."""
    try:
        return await context.bot.send_message(chat_id, text)
    except TelegramError as error:
        logger.info("progress message not sent: %s", type(error).__name__)
        return None


async def _finish(context: WalkContext, update_id: int, progress: Message | None) -> None:
    """The import is stored: its summary is owed. It ends the progress message; when
    that edit fails (or there is none) the outbox sends it as a message, retried until
    it goes out."""
    journal = context.services.journal
    owed = await asyncio.to_thread(journal.owe, update_id)
    if owed is None:
        return
    if progress is not None:
        text = owed.replies[0].text
        if await edit_owed(journal, owed, lambda: progress.edit_text(text)):
            return
    await deliver(context.bot, journal, owed)


async def _read_member(
    context: WalkContext, member: archive.Member, zone: str
) -> FileActivity | FileProblem:
    if isinstance(member.data, FileProblem):
        return member.data
    return await read_in_worker(context, member.name, member.data, zone)


async def _edit(message: Message, text: str) -> bool:
    """Edit the progress message; False when it failed (a rate limit, a deleted message):
    a step of the bar is not worth more."""
    try:
        await message.edit_text(text)
    except TelegramError as error:
        logger.info("progress edit skipped: %s", type(error).__name__)
        return False
    return True


JOIN_FIRST = "{name}, send /join first: then your files go to your own log."


async def group_document(update: Update, context: WalkContext) -> None:
    """A file in a club group from a member who joined: their own log, like /run there
    (a short line in the group, the details in private)."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    svc = context.services
    club = await svc.repo.club_transact(chat.id, lambda tx: tx.club())
    if club is None or user.id not in club.members:
        await say(update, context, JOIN_FIRST.format(name=display_name(user)))
        return
    data = await download(message, context)
    if isinstance(data, str) or archive.is_zip(data):
        text = data if isinstance(data, str) else "Send a whole history to me in private."
        await say(update, context, text)
        return
    assert message.document is not None
    w = replace(who(update), private=False)
    zone = await svc.repo.transact(user.id, lambda tx: zone_of(tx, w))
    found = await read_in_worker(context, _name(message.document), data, zone)
    if isinstance(found, FileProblem):
        await say(update, context, found.message)
        return
    now = svc.clock()
    caption = message.caption or ""
    await log_in_group(
        update, context, lambda tx: (log_file(tx, w, found, caption, now), has_private(tx))
    )
