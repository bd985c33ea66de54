"""Small in-process caches with a time limit, one per app and worker process."""

import threading
import time
from collections import OrderedDict

from flask import current_app


class TimedCache:
    """Values kept for `seconds`, the least recently stored dropped beyond `max_entries`."""

    def __init__(self, seconds: float, max_entries: int):
        self.seconds, self.max_entries = seconds, max_entries
        self._entries: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            return entry[1]

    def put(self, key: tuple, value):
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def replace(self, key: tuple, value) -> None:
        """A new value for `key` that expires when the old one would have."""
        with self._lock:
            if key in self._entries:
                self._entries[key] = (self._entries[key][0], value)

    def discard(self, key: tuple) -> None:
        with self._lock:
            self._entries.pop(key, None)


def app_cache(name: str, seconds_setting: str, max_entries: int) -> TimedCache:
    """This app's cache called `name`, kept as long as the setting `seconds_setting` says."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions[name] = TimedCache(current_app.config[seconds_setting], max_entries)
    return cache
