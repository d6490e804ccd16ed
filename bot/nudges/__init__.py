"""Scheduled messages: the daily step nudge, the long-run follow-up, the weekly summary."""
