"""Offline work on the retrieval models.

Distilling and fine-tuning the static embedding, calibrating thresholds, evaluating FAQ retrieval.
"""
