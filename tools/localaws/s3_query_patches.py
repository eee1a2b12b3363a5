"""Fix 51: SigV4 re-check of S3 requests with a `/` in a query value (`sigv4_raw_query`)."""
from __future__ import annotations

from typing import Any


def sigv4_raw_query() -> None:
    """Check SigV4 against the query string as sent (percent-encoded), not the decoded one.

    S3 list calls name a key prefix in the query (`ListObjectsV2 ?prefix=models%2Fa%2F`,
    `ListMultipartUploads ?uploads&prefix=...`). The client signs the encoded value (SigV4's
    canonical query string encodes `/` as `%2F`); moto hands the decoded URL (`prefix=models/a/`) to
    botocore's S3 signer, which takes query values from the URL as they are, so the correctly signed
    request is rejected with SignatureDoesNotMatch. This keeps the raw query (werkzeug's `RAW_URI`)
    in the URL the signature is checked against, for S3 requests only; moto's own parsing decodes it the
    same either way.
    """
    from urllib.parse import urlparse, urlunparse

    from moto.core.responses import BaseResponse

    original = BaseResponse.setup_class

    def setup_class(self: Any, request: Any, full_url: str, headers: Any, use_raw_body: bool = False) -> None:
        original(self, request, full_url, headers, use_raw_body)
        environ = getattr(request, "environ", None)
        raw = environ.get("RAW_URI") if isinstance(environ, dict) else None
        if raw and "?" in raw and isinstance(self.uri, str) and getattr(self, "service_name", None) == "s3":
            self.uri = urlunparse(urlparse(self.uri)._replace(query=raw.split("?", 1)[1]))

    BaseResponse.setup_class = setup_class
