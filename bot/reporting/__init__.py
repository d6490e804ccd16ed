"""Reporting: runs and walks in the runner's words, the guided /run, and the buttons under
a prescription (Why? / Done / Undo)."""
