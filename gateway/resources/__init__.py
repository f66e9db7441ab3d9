"""Falcon resources: thin, each parses, checks, calls one service and shapes the answer."""
