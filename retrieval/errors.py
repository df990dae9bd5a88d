"""The one base class for problems a user can fix: reported in one line, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A bad config, corpus, question or file: the message says what to change.

    `exit_code` is what the command line exits with (2: fix your input; 1: try later).
    """

    exit_code = 2
