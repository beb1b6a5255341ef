"""Run the command line with ``python -m counter``."""

from counter.cli import main

raise SystemExit(main())
