"""What a caller may attach to a ticket: photos and PDFs, checked by their first bytes.

The name's extension and the client's declared type are both the sender's word; the first
bytes are the file's own. A file must be one of the kinds below by extension and by
signature, at most MAX_BYTES, and a ticket takes at most MAX_FILES.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5

# Extension -> the file's opening bytes (WebP: RIFF, four size bytes, WEBP).
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".pdf": (b"%PDF-",),
}
KINDS = "JPG、PNG、GIF、WebP 图片或 PDF"


def problem(upload: Any) -> str | None:
    """Why `upload` cannot be attached, in Chinese, or None if it can."""
    name = str(getattr(upload, "name", "") or "")
    extension = PurePath(name).suffix.lower()
    if extension not in _SIGNATURES:
        return f"附件“{name}”的类型不支持，只能上传{KINDS}。"
    if upload.size > MAX_BYTES:
        return f"附件“{name}”超过 5 MB。"
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    signature_ok = head.startswith(_SIGNATURES[extension])
    if extension == ".webp":
        signature_ok = signature_ok and head[8:12] == b"WEBP"
    if not signature_ok:
        return f"附件“{name}”的内容与文件类型不符，只能上传{KINDS}。"
    return None
