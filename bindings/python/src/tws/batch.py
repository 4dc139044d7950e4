"""Batched delivery: many events per call into libtws (``Client.poll_many``).

One ``tws_client_poll_batch`` call hands over up to ``max_events`` queued
events; the per-call cost of ctypes is paid once per batch instead of once
per event. Mixed into :class:`tws.Client`.
"""

from __future__ import annotations

import ctypes
import time
from typing import Any, List

from . import _args, _ffi
from .events import Event, from_c

lib = _ffi.lib

# The longest single wait inside libtws, so that close() is never held up
# (the same slice as Client.poll).
_SLICE_S = 0.25


class BatchMixin:
    """``poll_many``: the batched twin of ``Client.poll``."""

    _batch_buf: Any = None

    def poll_many(self, max_events: int = 1024, timeout: float = 0.0) -> List[Event]:
        """Up to ``max_events`` events, waiting up to ``timeout`` seconds for
        the first one; an empty list if none came. The events queued behind
        the first are taken without waiting, in order.

        Everything else is as for :meth:`Client.poll`: raises
        :class:`tws.NotConnected` at once when the queue is empty and nothing
        can arrive, :class:`tws.WrongMode` while a callback is set,
        :class:`tws.ClientClosed` once :meth:`close` ran.
        """
        count = _args.integer(max_events, "max_events", _args.UINT32)
        if count < 1:
            raise ValueError("max_events must be at least 1")
        deadline = time.monotonic() + _args.seconds(timeout, "timeout")
        got = ctypes.c_size_t(0)
        while True:
            left = max(0.0, deadline - time.monotonic())
            wait = min(left, _SLICE_S)
            with self._poll_lock:  # type: ignore[attr-defined]
                buf = self._batch_buf
                if buf is None or len(buf) < count:
                    buf = self._batch_buf = (_ffi.tws_event * count)()
                handle = self._enter()  # type: ignore[attr-defined]
                try:
                    rc = lib.tws_client_poll_batch(handle, int(wait * 1000), buf, count,
                                                   ctypes.byref(got))
                    if rc == 0:
                        # Converted before the call leaves the client's guard:
                        # the C events borrow from the client until the next poll.
                        return [from_c(buf[i]) for i in range(got.value)]
                finally:
                    self._leave()  # type: ignore[attr-defined]
                if rc < 0:
                    raise self._failed(rc)  # type: ignore[attr-defined]
            if left <= wait:
                return []
