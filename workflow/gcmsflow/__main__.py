"""``python -m gcmsflow``: the same command line as ``gcmsflow``."""

import sys

from .cli import main

sys.exit(main())
