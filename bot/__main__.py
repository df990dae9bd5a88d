"""`python -m bot [--config FILE] [--corpus DIR]`: the same as `newsbot serve`."""

import sys

from bot.cli import main

sys.exit(main(["serve", *sys.argv[1:]]))
