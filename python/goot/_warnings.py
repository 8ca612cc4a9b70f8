"""goot's warnings, attributed to the caller's code.

A warning's ``stacklevel`` counted by hand goes stale as soon as a call path
gains a frame (a public function calling another, the tensor wrapper of
`goot._backend`). `user_warning` instead walks up to the first frame outside goot, so
every warning points at the line of the user's code that called goot.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["user_warning"]


def user_warning(message: str, category: type[Warning] = UserWarning) -> None:
    """`warnings.warn` at the first frame outside the goot package."""
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 is our caller's frame
    while frame.f_back is not None and _in_goot(frame):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _in_goot(frame) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "goot" or name.startswith("goot.")
