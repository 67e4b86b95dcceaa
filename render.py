#!/usr/bin/env python3
"""Build the book in this folder (or --book DIR): see `python render.py --help`."""

import sys

from folio.cli import main

if __name__ == "__main__":
    sys.exit(main())
