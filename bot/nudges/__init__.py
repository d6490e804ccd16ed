"""Nudges: the daily check-in at the runner's nudge time with its pause buttons, and the
morning follow-up after a long run."""
