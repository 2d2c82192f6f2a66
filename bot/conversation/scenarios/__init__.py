"""Scripted multi-turn conversations run against a throw-away service: `eval dialogue`."""
