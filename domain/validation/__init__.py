"""Lesson validation: one place that decides what a valid DLE lesson is."""
