#!/usr/bin/env python3
"""Entry point: python run_bot.py [--config PATH] <command> ... (see README)."""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
