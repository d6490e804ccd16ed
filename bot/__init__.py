"""Walk Coach Telegram bot."""
