"""Pieces several pages share: form parts, tables, the usage chart, chat messages."""
