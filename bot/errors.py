"""Errors that end a command with a one-line reason and a distinct exit code.

The CLI prints ``lorebot: error: <message>`` and exits with ``exit_code``; nothing
else may print a traceback for bad input.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_NETWORK = 4
EXIT_INCOMPLETE = 5
EXIT_BUSY = 6
EXIT_BUDGET = 7
EXIT_INTERNAL = 70  # a bug of ours


class LorebotError(Exception):
    """Base class: a failure the user can act on, with its exit code."""

    exit_code = EXIT_USAGE


class InputError(LorebotError):
    """Malformed or unusable input: mbox, patch, rule file, option."""


class IncompleteSeriesError(LorebotError):
    """A series lacks one of its patches (numbers are in the message)."""

    exit_code = EXIT_INCOMPLETE


class PatchApplyError(InputError):
    """A hunk does not apply to the pre-image the tree provides."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason  # which hunk and why, for a caller that says where itself

    def __reduce__(self):  # comes back whole from a budgeted child
        return type(self), (self.where, self.reason)


class NotFoundError(LorebotError):
    """The Message-ID, commit or file asked for does not exist."""

    exit_code = EXIT_NOT_FOUND


class NetworkError(LorebotError):
    """lore (or another peer) is unreachable, timed out or kept failing."""

    exit_code = EXIT_NETWORK


class BusyError(LorebotError):
    """Another run holds the lock."""

    exit_code = EXIT_BUSY


class BudgetError(LorebotError):
    """A review went over its time or memory budget (``bot.budget``)."""

    exit_code = EXIT_BUDGET
