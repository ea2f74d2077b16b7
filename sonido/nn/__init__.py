"""Shared neural-network blocks."""
