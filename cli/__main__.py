"""`python -m cli ...`: the same as the `newsbot` console script."""

import sys

from cli.main import main

sys.exit(main())
