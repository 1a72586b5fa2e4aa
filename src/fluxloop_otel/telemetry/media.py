"""Large media in messages: never exported whole beyond a cap; optionally uploaded, and referenced by URI.

Image, audio and file parts read by :mod:`.messages` keep their base64 data as a GenAI ``blob``
part. A blob longer than the cap (``configure(max_content_chars=...)``) is handed to an upload
hook (the GenAI convention's "uploading content to external storage"): ``upload(data, mime_type)``
returns a URI, and the part becomes ``{"type": "uri", "modality", "mime_type", "uri"}``. Without
a hook, or when it fails, the part keeps its type and metadata and its content is replaced by a
short note. ``configure()``'s default hook (:func:`directory_upload`) writes the blob next to the
JSONL files (``<offline_store_dir>/blobs/<sha256>.<ext>``) and records its ``file://`` URI.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import mimetypes
import os
from pathlib import Path
from typing import Any, Callable, Optional

logger = logging.getLogger("fluxloop_otel")

#: ``upload(data, mime_type) -> URI`` (None: not uploaded).
Upload = Callable[[bytes, Optional[str]], Optional[str]]


class MediaPolicy:
    """What happens to blob parts longer than ``limit`` characters: ``upload``, else a note."""

    __slots__ = ("limit", "upload")

    def __init__(self, limit: int, upload: Upload | None = None) -> None:
        self.limit = int(limit)
        self.upload = upload

    def apply(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``messages`` (GenAI shape) with every oversized blob uploaded or elided (changed in place)."""
        for message in messages:
            parts = message.get("parts")
            if not parts:
                continue
            for index, part in enumerate(parts):
                if type(part) is dict and part.get("type") == "blob":
                    content = part.get("content")
                    if isinstance(content, str) and len(content) > self.limit:
                        parts[index] = self._offload(part, content)
        return messages

    def apply_parts(self, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The same for a bare part list (``gen_ai.system_instructions``)."""
        applied: list[dict[str, Any]] = self.apply([{"parts": parts}])[0]["parts"]
        return applied

    def _offload(self, part: dict[str, Any], content: str) -> dict[str, Any]:
        mime = part.get("mime_type")
        if self.upload is not None:
            try:
                data = base64.b64decode(content, validate=False)
                uri = self.upload(data, mime if isinstance(mime, str) else None)
            except (binascii.Error, ValueError, OSError) as exc:
                logger.debug("fluxloop-otel: blob upload failed: %r", exc)
                uri = None
            except Exception as exc:  # a user hook: never let it reach the traced code
                logger.warning("fluxloop-otel: the blob upload hook failed: %r", exc)
                uri = None
            if isinstance(uri, str) and uri:
                replaced = {"type": "uri", "modality": part.get("modality"), "uri": uri}
                if mime:
                    replaced["mime_type"] = mime
                return replaced
        elided = dict(part)
        elided["content"] = f"[{len(content)} base64 characters not exported]"
        return elided


def directory_upload(directory: str | os.PathLike[str], file_mode: int = 0o600) -> Upload:
    """An upload hook that writes each blob once to ``directory/blobs/<sha256>.<ext>`` and returns its file URI."""
    root = Path(directory).absolute() / "blobs"

    def upload(data: bytes, mime_type: str | None) -> str:
        extension = (mimetypes.guess_extension(mime_type) if mime_type else None) or ".bin"
        path = root / f"{hashlib.sha256(data).hexdigest()[:32]}{extension}"
        if not path.exists():
            root.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        return path.as_uri()

    return upload


__all__ = ["MediaPolicy", "Upload", "directory_upload"]
