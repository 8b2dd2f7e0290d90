"""Datasets (placeholder until the datasets package lands)."""
