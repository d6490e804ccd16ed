"""One module per user-visible flow; each exposes its handlers for bot/app.py."""
