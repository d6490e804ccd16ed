"""The runner's log: a report stored with the coach's answer, and Why? / Done / Undo.

Shared by every feature that logs (typed reports, the guided /run, /walk and /steps,
club groups): one transaction stores the activity, the prescription /why explains, the
Undo entry and the message key that keeps a redelivered message from logging twice.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime, timedelta

from bot import coaching, texts
from bot.chat import Who, remember, settings_for
from bot.coaching import Body
from bot.conversation import ASK, Flow, Prefix, data
from bot.replies import Button, Reply
from bot.storage import Draft, UserSettings, UserState, UserTx
from coach_rules import Activity, DaySteps, ParseError, Prescription, Report, Run, Units, Walk
from coach_rules.tracks import FileActivity
from coach_rules.validate import Ask

UNDO_DEPTH = 20
DONE_MEMORY = 50
LOGGED_MEMORY = 50
# The rules whose headline is a walk to take now (its Done logs it).
WALK_NOW_RULES = ("finisher-walk", "cooldown-walk")


def _done_button(prescription: Prescription, log_id: int) -> Button | None:
    """Done: log the prescribed walk. It names the log it belongs to, so a Done pressed
    after that log was undone can say so instead of logging a walk for nothing."""
    head = prescription.headline
    if head is None:
        return None
    if head.rule_id in WALK_NOW_RULES and head.numbers.get("walk_now"):
        minutes = int(head.numbers["walk_min_low"])
        done_data = data(Prefix.RX, "done", minutes, 0, log_id)
        return Button(f"Done: walked {minutes} min", done_data)
    if head.rule_id == "step-floor" and head.numbers.get("gap", 0) > 0:
        minutes, gap = int(head.numbers["brisk_min"]), int(head.numbers["gap"])
        done_data = data(Prefix.RX, "done", minutes, gap, log_id)
        return Button(f"Done: walked {minutes} min", done_data)
    return None


def undo_button(ids: list[int]) -> Button:
    """Undo for the activities one log added."""
    return Button("Undo", data(Prefix.RX, "undo", ",".join(map(str, ids))))


def pain_buttons() -> tuple[Button, ...]:
    """Under anything said about an open pain: the runner can say it is over, or not."""
    return (
        Button("Pain-free now", data(Prefix.PAIN, "gone")),
        Button("Still hurts", data(Prefix.PAIN, "still")),
    )


def prescription_reply(
    prescription: Prescription,
    ids: list[int],
    lead: str | None = None,
    done: bool = True,
    after_headline: str | None = None,
) -> Reply:
    """The prescription, numbers first, with Why? / Done / Undo (and the pain buttons).
    `done`: offer Done (not when the walk it would log is already logged);
    `after_headline`: a line that answers the headline (the walk already done)."""
    buttons = [why_button()]
    done_ = _done_button(prescription, ids[0]) if done else None
    if done_:
        buttons.append(done_)
    buttons.append(undo_button(ids))
    rows: tuple[tuple[Button, ...], ...] = (tuple(buttons),)
    if coaching.is_pain_advice(prescription):
        rows = (*rows, pain_buttons())
    text = coaching.render(prescription)
    if after_headline:
        head, _, rest = text.partition("\n")
        text = "\n".join(line for line in (head, after_headline, rest) if line)
    return Reply(f"{lead}\n{text}" if lead else text, rows)


def advice_reply(tx: UserTx, prescription: Prescription) -> Reply:
    """Advice that logs nothing (a message about pain or soreness): remembered for /why."""
    state = tx.state()
    state.last_prescription = prescription
    tx.put_state(state)
    rows: tuple[tuple[Button, ...], ...] = ((why_button(),),)
    if tx.state().pain is not None and coaching.is_pain_advice(prescription):
        rows = (*rows, pain_buttons())
    return Reply(coaching.render(prescription), rows)


def _remember_pain(state: UserState, report: Report, now: datetime) -> None:
    if report.pain:
        body = coaching.read_body(report.note or "pain")
        state.pain = coaching.open_pain(body, state.pain, now)


def log_report(
    tx: UserTx,
    settings: UserSettings,
    report: Report,
    now: datetime,
    ends_question: bool = False,
    message_key: str | None = None,
) -> Reply:
    """Evaluate, store the report and the coach's answer together, and build the reply.

    `ends_question`: the report answered a pending question (/run, /walk, /steps), which
    ends with it; a report typed while some other question is pending leaves that alone.
    A step count is stored as the day's total ('+1500 steps' adds to it).
    """
    original, was = report, None
    if isinstance(report, DaySteps):
        report, was = coaching.steps_total(tx, report)
        error = coaching.check_report(report, now, settings.units)
        if error:
            return Reply(error.message)
    lead = coaching.logged(original, report, settings, now, was)
    prescription = coaching.prescribe(tx, settings, report, now)
    state = tx.state()
    if ends_question:
        state.draft = None
    new_id = tx.add_activity(report, now)
    _remember_log(state, report, prescription, [new_id], now, message_key)
    tx.put_state(state)
    remember(tx, settings)
    return prescription_reply(prescription, [new_id], lead)


def _remember_log(
    state: UserState,
    report: Report,
    prescription: Prescription,
    ids: list[int],
    now: datetime,
    message_key: str | None,
) -> None:
    """What the coach keeps of a log: the next morning's question after a long run, an
    open pain, the advice /why explains, the Undo entry and the message's key."""
    finisher = prescription.item("finisher-walk")
    if finisher is not None and finisher.numbers.get("walk_now"):
        # Ask how the legs feel the next morning.
        state.followup_on = now.date() + timedelta(days=1)
    _remember_pain(state, report, now)
    state.last_prescription = prescription
    state.last_tip_id = prescription.tip.id if prescription.tip else state.last_tip_id
    state.undo = [*state.undo, ids][-UNDO_DEPTH:]
    if message_key:
        state.logged_messages = [*state.logged_messages, message_key][-LOGGED_MEMORY:]


def log_recorded(
    tx: UserTx,
    settings: UserSettings,
    recorded: FileActivity,
    now: datetime,
    message_key: str | None = None,
) -> Reply:
    """A watch file's run or walk, stored like a typed report with what only a file can
    tell: the finisher walk at its end (or in a walk file soon after a run) is credited as
    if Done had been pressed, and the file's steps count toward the day."""
    main = recorded.main
    prescription = coaching.prescribe(tx, settings, main, now)
    state = tx.state()
    lines = coaching.file_lines(recorded, settings, now)
    ids = [tx.add_activity(main, now)]
    credited: int | None = None
    answer: str | None = None
    if recorded.finisher is not None:
        ids.append(tx.add_activity(recorded.finisher, now))
        credited = ids[0]
        answer = coaching.finisher_line(recorded.finisher, settings.units)
    elif isinstance(main, Walk) and (found := coaching.finisher_of(tx, main)) is not None:
        run_id, run = found
        if run_id not in state.credited and run_id not in ids:
            credited = run_id
            lines.append(coaching.credited_line(run, main))
    steps_line = coaching.file_steps_line(tx, recorded, now)
    if steps_line:
        lines.append(steps_line)
    if credited is not None:
        state.credited = [*state.credited, credited][-DONE_MEMORY:]
    _remember_log(state, main, prescription, ids, now, message_key)
    tx.put_state(state)
    remember(tx, settings)
    return prescription_reply(
        prescription, ids, "\n".join(lines), done=credited is None, after_headline=answer
    )


BODY_QUESTION = "Is that tired muscles, or pain in one spot?"
BODY_BUTTONS = (
    (
        Button("Tired muscles", data(Prefix.BODY, "sore")),
        Button("Pain in one spot", data(Prefix.BODY, "pain")),
    ),
)
DAY_BUTTONS = (
    (
        Button("Yes, log it", data(Prefix.CONFIRM, "yes")),
        Button("No, drop it", data(Prefix.CONFIRM, "no")),
    ),
)


# The questions asked about a report before it is stored; answering one resumes whatever
# question was pending before it (onboarding, a guided /run).
REPORT_QUESTIONS = (Flow.BODY.value, Flow.CONFIRM.value, Flow.CHOICE.value)


def _ask_first(
    tx: UserTx, flow: Flow, text: str, question: Reply, extra: dict[str, object] | None = None
) -> list[Reply]:
    """Keep the words and ask before anything is stored; an earlier question waits."""
    state = tx.state()
    earlier = state.draft
    if earlier is not None and earlier.flow in REPORT_QUESTIONS:
        resume = earlier.data.get("resume")
    else:
        resume = asdict(earlier) if earlier else None
    state.draft = Draft(flow.value, ASK, {"text": text, "resume": resume, **(extra or {})})
    tx.put_state(state)
    return [question]


def end_question(tx: UserTx, draft: Draft) -> None:
    """The report question is answered: the question pending before it (if any) resumes."""
    state = tx.state()
    resume = draft.data.get("resume")
    state.draft = Draft(**resume) if isinstance(resume, dict) else None
    tx.put_state(state)


def _chat_reply(tx: UserTx, who_: Who, chat: coaching.Chat, now: datetime) -> list[Reply]:
    """Small talk gets a friendly word; a question gets the coach's sourced answer."""
    known = tx.settings() is not None
    if chat is coaching.Chat.GREETING:
        name = f", {who_.first_name}" if who_.first_name else ""
        return [Reply(texts.GREETING.format(name=name) if known else texts.FIRST_CONTACT)]
    if chat is coaching.Chat.THANKS:
        return [Reply(texts.THANKS)]
    if chat is coaching.Chat.HELP:
        return [Reply(texts.HELP)]
    answer = coaching.answer_question(tx, settings_for(tx, who_), chat, now)
    assert answer is not None  # every other kind is a question with an answer
    if not known:
        return [Reply(coaching.render(answer))]  # a stranger's question stores nothing
    return [advice_reply(tx, answer)]


def _without_report(
    tx: UserTx, who_: Who, text: str, error: ParseError, now: datetime, said: Body | None
) -> list[Reply]:
    """A message with no run, walk or steps in it: pain, soreness, or what to type.
    `said`: the runner's answer to "tired muscles, or pain in one spot?"."""
    state = tx.state()
    if state.pain is not None and said is None and coaching.says_pain_is_gone(text):
        return pain_answer(tx, gone=True, now=now)
    body = coaching.read_body(text)
    if said is not None:
        body = coaching.BodyReading(said, body.note or text.strip()[:200], body.spot)
    if body.kind is coaching.Body.PAIN:
        advice = coaching.pain_heard(tx, body, now)
        state.pain = coaching.open_pain(body, state.pain, now)
        tx.put_state(state)
        return [advice_reply(tx, advice)]
    chat = coaching.read_chat(text) if said is None else None
    if chat is not None:
        return _chat_reply(tx, who_, chat, now)
    if body.kind is coaching.Body.SORENESS:
        return [advice_reply(tx, coaching.soreness_heard(tx, now))]
    if body.kind is coaching.Body.ASK:
        return _ask_first(tx, Flow.BODY, text, Reply(BODY_QUESTION, BODY_BUTTONS))
    if error.unrecognised and tx.settings() is None:
        return [Reply(texts.FIRST_CONTACT)]
    return [Reply(error.message)]


def parse_and_log(
    tx: UserTx,
    who_: Who,
    text: str,
    now_utc: datetime,
    ends_question: bool = False,
    body: Body | None = None,
    day_confirmed: bool = False,
) -> list[Reply]:
    """Read a report in the runner's words and log it, or say why it can't be read.

    Asks first when the words about the body could be pain or soreness (`body` is the
    answer), and when a run would make its day implausible (`day_confirmed`).
    """
    if who_.message_key and who_.message_key in tx.state().logged_messages:
        return [Reply(texts.ALREADY_LOGGED)]
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    if body is None and coaching.is_question(text):
        return _question(tx, who_, text, now)
    report = coaching.read_report(text, settings, now)
    if isinstance(report, Run | Walk) and report.distance_m is not None:
        _units_from(settings, text)
    if isinstance(report, Ask):
        return _offer(tx, report)
    if isinstance(report, ParseError):
        return _without_report(tx, who_, text, report, now, body)
    said = body or coaching.read_body(text).kind
    if said is coaching.Body.ASK:
        return _ask_first(tx, Flow.BODY, text, Reply(BODY_QUESTION, BODY_BUTTONS))
    if body is not None:
        report = _with_body(report, body, coaching.read_body(text).note)
    implausible = None if day_confirmed else coaching.check_day(tx, report, settings.units)
    if implausible:
        # The body answer (if any) is kept: "yes, log it" must not ask it again.
        extra: dict[str, object] = {"body": body.value if body else None}
        return _ask_first(tx, Flow.CONFIRM, text, Reply(implausible.message, DAY_BUTTONS), extra)
    return [log_report(tx, settings, report, now, ends_question, who_.message_key)]


def _with_body(report: Report, body: Body, words: str) -> Report:
    """The report with the runner's answer to "tired muscles, or pain in one spot?"."""
    pain, sore = body is coaching.Body.PAIN, body is coaching.Body.SORENESS
    if isinstance(report, Run | Walk):
        return replace(report, pain=pain, sore=sore, note=words or report.note)
    if pain:
        return replace(report, pain=True, note=words or report.note)
    return report


def _units_from(settings: UserSettings, text: str) -> None:
    """Miles (or km) named in a report answer 'km or miles?' for a runner who never chose."""
    named = coaching.units_named(text)
    if named is not None and "units" not in settings.chosen:
        settings.units = named
        settings.chosen = [*settings.chosen, "units"]


QUESTIONS_I_ANSWER = (
    "That sounds like a question. I can answer 'what should I do today?', 'how much should"
    " I walk?', 'how many steps?' or 'why walk after a run?'. To log a run, tell me like"
    " 'ran 10 km 52:30'."
)


def _question(tx: UserTx, who_: Who, text: str, now: datetime) -> list[Reply]:
    """A question is answered (pain first), never logged as a report."""
    body = coaching.read_body(text)
    if body.pain:
        return _without_report(tx, who_, text, ParseError(""), now, None)
    chat = coaching.read_chat(text)
    if chat is not None:
        return _chat_reply(tx, who_, chat, now)
    return [Reply(QUESTIONS_I_ANSWER)]


def _offer(tx: UserTx, ask: Ask) -> list[Reply]:
    """Two plausible readings: ask, with one button each; nothing stored yet."""
    options = [[label, words] for label, words in ask.options]
    extra: dict[str, object] = {"options": options, "dates": ask.about == "date_order"}
    buttons = tuple(
        Button(label, data(Prefix.CHOICE, i)) for i, (label, _) in enumerate(ask.options)
    )
    return _ask_first(tx, Flow.CHOICE, "", Reply(ask.question, (buttons,)), extra)


def choose(tx: UserTx, who_: Who, draft: Draft, index: int, now_utc: datetime) -> list[Reply]:
    """The runner picked a reading: log it (and, for a date, remember how they write one)."""
    options = draft.data.get("options") or []
    end_question(tx, draft)
    if not 0 <= index < len(options):
        return [Reply(texts.STALE_BUTTON)]
    if draft.data.get("dates"):
        settings = settings_for(tx, who_)
        settings.day_first = index == 0  # the first reading offered is the day-first one
        remember(tx, settings)
    return parse_and_log(tx, who_, str(options[index][1]), now_utc)


def pain_answer(tx: UserTx, gone: bool, now: datetime) -> list[Reply]:
    """'Pain-free now' (typed or tapped) or 'Still hurts'."""
    state = tx.state()
    if state.pain is None:
        return [Reply("No pain on record: tell me if something hurts.")]
    if gone:
        advice = coaching.pain_gone(state.pain)
        state.pain = None
        tx.put_state(state)
        return [advice_reply(tx, advice)]  # the pain is off the record: no pain buttons
    return [advice_reply(tx, coaching.pain_still_there(state.pain, now))]


def done(
    tx: UserTx,
    who_: Who,
    message_id: int,
    minutes: int,
    steps_gap: int,
    now_utc: datetime,
    log_id: int | None = None,
) -> list[Reply]:
    """'Done': log the prescribed walk (once per message, and only while its log stands)."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    state = tx.state()
    if message_id in state.done_messages or (log_id is not None and log_id in state.credited):
        return [Reply("Already logged that walk.")]
    if log_id is not None and log_id not in {s.id for s in tx.activities()}:
        return [Reply("That log was removed, so I didn't log its walk. Nothing changed.")]
    walk = Walk(now, minutes * 60, steps=steps_gap or None)
    ids = [tx.add_activity(walk, now)]
    text = f"Logged: {coaching.describe_activity(walk, settings.units)}. Nice work."
    if steps_gap:
        before = coaching.history_for(tx, now).steps_on(now.date()) or 0
        total = before + steps_gap
        ids.append(tx.add_activity(DaySteps(now, total), now))
        text += f" That's {total:,} steps today."
    state.undo = [*state.undo, ids][-UNDO_DEPTH:]
    state.done_messages = [*state.done_messages, message_id][-DONE_MEMORY:]
    if log_id is not None:
        state.credited = [*state.credited, log_id][-DONE_MEMORY:]
    tx.put_state(state)
    remember(tx, settings)
    return [Reply(text, ((undo_button(ids),),))]


def _undone(activity: Activity, units: Units) -> str:
    if isinstance(activity, DaySteps):
        return f"the day's count of {activity.steps:,} steps"
    return coaching.describe_activity(activity, units)


def undo(tx: UserTx, who_: Who, ids: list[int] | None, now_utc: datetime) -> list[Reply]:
    """Remove the given log (a button) or the latest one (/undo)."""
    settings = settings_for(tx, who_)
    state = tx.state()
    if ids is None:
        if not state.undo:
            return [Reply(texts.NOTHING_TO_UNDO)]
        ids = state.undo[-1]
    stored = {s.id: s.activity for s in tx.activities()}
    gone = [stored[i] for i in ids if i in stored]
    if not gone:
        return [Reply("Already removed.")]
    tx.remove_activities(ids)
    state.undo = [entry for entry in state.undo if entry != ids]
    tx.put_state(state)
    described = "; ".join(_undone(a, settings.units) for a in gone)
    after = coaching.history_for(tx, coaching.now_for(settings, now_utc)).steps_on
    counts = {a.day for a in gone if isinstance(a, DaySteps)}
    back = [f" {day:%a %d %b}: {after(day) or 0:,} steps." for day in sorted(counts)]
    return [Reply(f"Removed: {described}." + ("".join(back) if back else ""))]


def why(tx: UserTx) -> list[Reply]:
    """The rules and sources behind the last thing the coach advised."""
    last = tx.state().last_prescription
    if last is None:
        return [Reply(texts.NOTHING_TO_EXPLAIN)]
    return [Reply(coaching.explain(last))]


def why_button() -> Button:
    """'Why?' under any advice: explains the last prescription."""
    return Button("Why?", data(Prefix.RX, "why"))


def command_wording(flow: Flow, args: str) -> str:
    """The words after /run, /walk or /steps as a report the parser reads."""
    if flow is Flow.RUN:
        return f"run {args}"
    if flow is Flow.WALK:
        return f"walk {args}"
    cleaned = args.strip().replace(",", "")
    return f"{cleaned} steps" if cleaned.isascii() and cleaned.isdigit() else args


def command_report(tx: UserTx, who_: Who, flow: Flow, args: str, now_utc: datetime) -> list[Reply]:
    """/run 10k 52:30, /walk 40 min, /steps 9000: log the words after the command."""
    return parse_and_log(tx, who_, command_wording(flow, args), now_utc)


def ask_once(tx: UserTx, flow: Flow, question: str) -> list[Reply]:
    """Ask a one-message question (/walk, /steps without words) and wait for the answer."""
    state = tx.state()
    state.draft = Draft(flow.value, ASK, {})
    tx.put_state(state)
    return [Reply(question)]
