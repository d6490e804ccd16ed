"""Account and settings: onboarding, /settings and its direct forms, /export, /delete, /help."""
