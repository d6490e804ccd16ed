"""Files from a watch or an app, sent as a document: one activity, or a whole history.

The file comes through the Bot API (getFile, then the download); it is read in the worker
process, so a large file never holds up other runners; what it logs is stored in one
transaction like a typed report, and the reply is the same prescription.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from telegram import Document, Message, Update
from telegram.error import TelegramError

from bot import coaching
from bot.chat import Who, has_private, respond, say, send, who
from bot.context import WalkContext
from bot.files import archive
from bot.files.importing import Tally, import_history, log_file, summary
from bot.files.readers import FileProblem, read_activity
from bot.grouplog import answer_in_group, display_name
from bot.replies import Reply
from coach_rules.tracks import Track

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


async def document_message(update: Update, context: WalkContext) -> None:
    """A document in a private chat: an activity file, or a zip of a whole history."""
    message = update.effective_message
    assert message is not None and message.document is not None
    w = who(update)
    data = await download(message, context)
    if isinstance(data, str):
        await send(context, w.chat_id, [Reply(data)])
        return
    if archive.is_zip(data):
        await import_zip(context, w, data)
        return
    track = await read_in_worker(context, _name(message.document), data)
    if isinstance(track, FileProblem):
        await send(context, w.chat_id, [Reply(track.message)])
        return
    caption = message.caption or ""
    await respond(update, context, lambda tx, w_, now: log_file(tx, w_, track, caption, now))


async def read_in_worker(context: WalkContext, name: str, data: bytes) -> Track | FileProblem:
    """`read_activity` in the worker process."""
    return await context.services.worker.run(read_activity, name, data)


def _name(document: Document) -> str:
    return document.file_name or "file"


def bar(done: int, total: int) -> str:
    """'▓▓▓▓░░░░░░ 80/200'."""
    filled = BAR_WIDTH * done // max(total, 1)
    return f"{'▓' * filled}{'░' * (BAR_WIDTH - filled)} {done}/{total}"


async def import_zip(context: WalkContext, w: Who, data: bytes) -> None:
    """A zip of activity files: read each in the worker while one progress message
    counts up, store the last 12 weeks in one transaction, then say what happened."""
    names = await asyncio.to_thread(archive.activity_names, data)
    if isinstance(names, FileProblem):
        await send(context, w.chat_id, [Reply(names.message)])
        return
    total = len(names)
    progress = await context.bot.send_message(
        w.chat_id, f"Importing {total} files…\n{bar(0, total)}"
    )
    tally = Tally()
    tracks: list[tuple[str, Track]] = []
    step = max(total // PROGRESS_STEPS, 1)
    members = archive.members(data, names)
    for done in range(1, total + 1):
        member = await asyncio.to_thread(next, members, None)
        if member is None:
            break
        found = await _read_member(context, member)
        if isinstance(found, FileProblem):
            tally.rejected.append((member.name, found.message))
        else:
            tracks.append((member.name, found))
        if done % step == 0 and done < total:
            await _edit(progress, f"Importing {total} files…\n{bar(done, total)}")
    svc = context.services
    now = svc.clock()
    await svc.repo.transact(w.user_id, lambda tx: import_history(tx, w, tracks, now, tally))
    weeks = coaching.import_weeks()
    await _edit(progress, f"{bar(total, total)}\n" + summary(tally, weeks))


async def _read_member(context: WalkContext, member: archive.Member) -> Track | FileProblem:
    if isinstance(member.data, FileProblem):
        return member.data
    return await read_in_worker(context, member.name, member.data)


async def _edit(message: Message, text: str) -> None:
    """Edit the progress message; a failed edit (rate limit, deleted) is not worth more."""
    try:
        await message.edit_text(text)
    except TelegramError as error:
        logger.info("progress edit skipped: %s", type(error).__name__)


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
    track = await read_in_worker(context, _name(message.document), data)
    if isinstance(track, FileProblem):
        await say(update, context, track.message)
        return
    w = replace(who(update), private=False)
    now = svc.clock()
    replies, private = await svc.repo.transact(
        user.id, lambda tx: (log_file(tx, w, track, message.caption or "", now), has_private(tx))
    )
    await answer_in_group(update, context, replies, private)
