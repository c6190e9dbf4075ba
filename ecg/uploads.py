"""Uploaded files: spooled to named temporary files, so readers can open them by path."""

import tempfile
from pathlib import Path

from flask import Request, request

from formats import UploadedFile


class FileUploadRequest(Request):
    """A request whose file parts are written to named temporary files (deleted on close).

    Readers such as edfio read lazily only from a path, which keeps memory bounded for
    recordings of any length.
    """

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return tempfile.NamedTemporaryFile("wb+", prefix="ecg-upload-")  # noqa: SIM115


def uploaded_files() -> list[UploadedFile]:
    """The request's 'file' parts."""
    files = []
    for storage in request.files.getlist("file"):
        storage.stream.flush()
        files.append(UploadedFile(filename=storage.filename or "", path=Path(storage.stream.name)))
    return files
