"""An upload handler that stops reading a file past the size limit: the rest of the request is
drained without being stored, so a 2 GB upload costs no disk or memory, and the view answers
with a form error (refusing the connection outright would show the browser an error page
instead of the message)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, limit: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data  # the next handler (Django's memory or temporary file one) keeps it

    def file_complete(self, file_size: int) -> None:
        return None
