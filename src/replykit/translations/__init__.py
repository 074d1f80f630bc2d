"""Translator workflows: what needs work, what changed since a review, PO/XLIFF/CSV in and out."""
