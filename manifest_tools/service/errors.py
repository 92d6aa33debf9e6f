"""The one error a request can end in: an AWS error code, its message and HTTP status."""

from __future__ import annotations

from ..errors import ManifestToolsError


class ServiceError(ManifestToolsError):
    """Answered as ``ErrorResponse/Error/{Type,Code,Message}``.

    ``code`` is the model's exception shape name where the model has one (so boto3's typed
    exceptions match), else the code AWS's query services use (SignatureDoesNotMatch,
    InvalidAction, ...). ``status`` is always 4xx for a client's mistake: botocore retries
    5xx answers.
    """

    def __init__(self, code: str, message: str, status: int = 400,
                 sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
