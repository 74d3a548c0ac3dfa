"""The person's own pain rating after a set: 0 (none) to 10 (worst), from number keys.

Pain is a warning to act on, so posecoach asks for it on the end-of-set screen and stores it
with the session. One digit gives 0-9; 1 then 0 (within a second) gives 10; any other key, or
none, leaves the set unrated.
"""

from __future__ import annotations

from collections.abc import Callable

PROMPT = "Pain now? Press 0-10 (1 then 0 for 10); any other key closes"


def rating_from_keys(first: str | None, next_key: Callable[[], str | None]) -> int | None:
    """The rating the keys give: ``first`` is the key pressed on the end screen, ``next_key()``
    waits briefly for a second key (only asked after a 1)."""
    if first is None or len(first) != 1 or not first.isdigit():
        return None
    if first == "1" and next_key() == "0":
        return 10
    return int(first)
