"""User-facing texts that are not coaching numbers (those come from coach_rules)."""

from __future__ import annotations

INTRO = (
    "Hi{name}! I'm Walk Coach. Tell me about a run and I'll tell you exactly how to walk"
    " after it, and why. Five quick questions first; skip any of them."
)
FIRST_CONTACT = (
    "Hi! I'm Walk Coach: tell me about a run and I'll tell you how to walk after it, and"
    " why. Send /start to set up (30 seconds), or just try me: 'ran 10k in 52:30'."
)
ONBOARDING_DONE = (
    "All set. Now tell me about a run, like 'long run 20 mi 3:05' or 'ran 10k in 52:30',"
    " or tap /run and I'll ask step by step. Steps? Send '7400 steps'."
)
HELP = (
    "How to talk to me:\n"
    "• Type a run: 'long run 20 mi 3:05', 'ran 10k in 52:30', 'easy 5 miles 45 min rpe 4'\n"
    "• A walk: 'walked 45 min 3.2 km' or /walk\n"
    "• Steps: '7400 steps' or /steps 7400\n"
    "• Step by step: /run\n\n"
    "/today: steps and what closes the gap\n"
    "/week: your weekly figures\n"
    "/why: the rules and sources behind my last answer\n"
    "/undo: remove what you just logged\n"
    "/settings: units, time zone, step goal, nudge time, weight\n"
    "  (or directly: /units mi, /timezone Europe/Berlin, /goal 9000, /nudge 19:30, /nudge off,"
    " /weight 70)\n"
    "/export: all your data as a file\n"
    "/delete: remove everything I store about you\n"
    "/cancel: stop the current question"
)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("run", "Log a run step by step"),
    ("walk", "Log a walk"),
    ("steps", "Log today's steps"),
    ("today", "Steps today and what closes the gap"),
    ("week", "Your weekly figures"),
    ("why", "Why I said what I said"),
    ("undo", "Remove what you just logged"),
    ("settings", "Units, time zone, goal, nudge time"),
    ("export", "Download all your data"),
    ("delete", "Delete all your data"),
    ("help", "How to talk to me"),
    ("start", "Set up (again)"),
)
NON_TEXT = (
    "I can only read text. Tell me about a run like 'ran 10k in 52:30', a walk like"
    " 'walked 45 min', or your steps like '7400 steps'."
)
LOCATION_OUTSIDE_SETUP = (
    "Thanks, but I only use a location to set your time zone. Use /timezone to do that."
)
APOLOGY = (
    "Sorry, something went wrong on my side. Everything you logged before is safe;"
    " please try that again in a moment."
)
DISK_FULL = "I could not save that: the disk is full; nothing was stored. Please try again later."
SETTING_UNCHANGED = "OK, left as it was. /settings shows them all."
ALREADY_LOGGED = "Got that one already: it's in your log (see /today)."
# Under a reply sent again after a try that may have reached the runner (a restart, a
# timeout): the runner may see it twice; a log confirmation says the log holds it once.
SENT_AGAIN = "(Sent again in case the first try did not reach you.)"
SENT_AGAIN_LOGGED = "(Sent again in case the first try did not reach you: it is logged once.)"
QUESTION_ANSWERED_BY_FILE = "That file has it all, so your /{command} questions are closed."
CANCELLED = "OK, stopped. Nothing from that question was saved."
NOTHING_TO_CANCEL = "Nothing to cancel."
STALE_BUTTON = "That question has already been answered."
NOTHING_TO_UNDO = "Nothing to undo."
NOTHING_TO_EXPLAIN = "Nothing to explain yet: report a run, a walk or your steps first."
DELETE_CONFIRM = (
    "This removes every run, walk, step count and setting I store for you. It can't be"
    " undone. Delete everything?"
)
DELETED = "Done: everything I stored about you is gone. Send /start if you ever want to return."
DELETE_KEPT = "Nothing deleted."
GREETING = (
    "Hi{name}! Tell me about a run ('ran 10k in 52:30') or a walk ('walked 45 min'), send"
    " your steps ('7400 steps'), or ask me 'what should I do today?'."
)
THANKS = "You're welcome! Tell me about your next run, or ask 'what should I do today?'."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
