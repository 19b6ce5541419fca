"""redis-py reads its own version from the installed package's metadata (importlib.metadata:
a scan of site-packages, ~0.4 ms of CPU or more) for every connection it opens, to name
the client to the server. Reflex's state manager opens connections as its pool grows in a
burst of events (hundreds of tabs connecting at once: 7 % of the app's CPU in the 500-chat
load run), so the version is read once per process here. Imported by services/live/."""

from __future__ import annotations

import functools

import redis.utils

redis.utils.get_lib_version = functools.cache(redis.utils.get_lib_version)
