"""``RemoteMonitor``: send each epoch's logs to a server over HTTP (a POST).

Keras uses the ``requests`` package; ember sends the same request with the standard
library's ``urllib``.

Example:
    >>> monitor = RemoteMonitor(root="http://localhost:9000", send_as_json=True)
    >>> monitor.path
    '/publish/epoch/end/'
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any

import numpy as np

from ember.callbacks.callback import Callback

__all__ = ["RemoteMonitor"]


class RemoteMonitor(Callback):
    """POSTs ``{"epoch": epoch, **logs}`` to ``root + path`` at each epoch end: as a JSON
    body with ``send_as_json=True``, otherwise as a form with one field, ``field``, holding
    the JSON text. A server that cannot be reached gives a warning, not an error.

    Args:
        root: the server's root URL.
        path: the path the events are sent to.
        field: the form field holding the data.
        headers: extra HTTP headers (a dict).
        send_as_json: send a JSON body (``application/json``) instead of a form.

    Example:
        >>> model.fit(x, y, callbacks=[RemoteMonitor("http://localhost:9000")])  # doctest: +SKIP
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict | None = None,
        send_as_json: bool = False,
    ) -> None:
        super().__init__()
        if headers is not None and not isinstance(headers, dict):
            raise TypeError(
                f"RemoteMonitor: `headers` must be a dict, received {headers!r} of type "
                f"{type(headers).__name__}"
            )
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = 10.0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        send: dict[str, Any] = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): requests does not raise either
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
