"""Insights: /today, /week, and the Sunday summary with its chart."""
