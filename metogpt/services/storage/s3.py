"""Attachments as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, moto ...).

METOGPT_S3_URL names the bucket: `s3://bucket/prefix` for AWS itself, or
`http(s)://host:port/bucket/prefix` for another endpoint (path-style addressing). The
credentials and region come from boto3's usual variables (AWS_ACCESS_KEY_ID, ...)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from metogpt.services.storage.base import check_key


def parse_url(url: str) -> tuple[str | None, str, str]:
    """(endpoint or None for AWS, bucket, key prefix) from METOGPT_S3_URL."""
    parts = urlsplit(url)
    path = [segment for segment in parts.path.split("/") if segment]
    if parts.scheme == "s3" and parts.netloc:
        return None, parts.netloc, "/".join(path)
    if parts.scheme in ("http", "https") and parts.netloc and path:
        return f"{parts.scheme}://{parts.netloc}", path[0], "/".join(path[1:])
    raise ValueError(
        "METOGPT_S3_URL must be s3://bucket[/prefix] or http(s)://host/bucket[/prefix]"
    )


class S3Storage:
    def __init__(self, url: str) -> None:
        endpoint, self.bucket, prefix = parse_url(url)
        self.prefix = f"{prefix}/" if prefix else ""
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise
        return response["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            found += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
        return sorted(found)
