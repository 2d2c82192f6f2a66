#!/usr/bin/env python3
"""Entry point: python run_bot.py [--config PATH] <command> ... (see README)."""

from __future__ import annotations

import os
import sys

# One BLAS thread: retrieval does small matrix-vector products per message, where a thread pool
# costs more than it saves and competes with the event loop on a 2-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
