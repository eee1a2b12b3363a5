"""Fix 46 (tools/localaws/s3_query_patches.py): S3 list calls with a `/` in the prefix pass SigV4.

"without" runs on a throwaway server with only that fix disabled, "with" on the session server.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from localaws_support import LocalAws, started, unique


def _lists(s3, bucket: str) -> tuple[int, list[str]]:
    objects = s3.list_objects_v2(Bucket=bucket, Prefix="models/org/")["KeyCount"]
    uploads = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix="models/org/m").get("Uploads", [])]
    return objects, uploads


def _setup(s3, bucket: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="models/org/m/config.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="other/config.json", Body=b"{}")
    s3.create_multipart_upload(Bucket=bucket, Key="models/org/m/model.safetensors")


def test_sigv4_raw_query(localaws: LocalAws, tmp_path: Path) -> None:
    bucket = unique("rawq")
    with started(tmp_path, disable="sigv4_raw_query") as plain:
        s3 = plain.client("s3")
        _setup(s3, bucket)
        with pytest.raises(ClientError) as refused:
            _lists(s3, bucket)
        assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    s3 = localaws.client("s3")
    _setup(s3, bucket)
    assert _lists(s3, bucket) == (1, ["models/org/m/model.safetensors"])
