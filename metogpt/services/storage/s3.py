"""Attachments as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, moto ...).

METOGPT_S3_URL names the bucket: `s3://bucket/prefix` for AWS itself, or
`http(s)://host:port/bucket/prefix` for another endpoint (path-style addressing). The
credentials and region come from boto3's usual variables (AWS_ACCESS_KEY_ID, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from metogpt.services.storage.base import Writer, check_key, put

# A multipart upload's parts must be at least 5 MiB (but the last); 8 MiB is boto3's own
# choice (TransferConfig). Smaller objects go in one PUT at commit.
PART_BYTES = 8 * 1024 * 1024
UNFINISHED = " (unfinished)"  # how keys() lists a multipart upload still open


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


class _ObjectWriter:
    """An object sent as it is written: a multipart upload once it outgrows one part (each
    part leaves as soon as it is full), one PUT otherwise. Nothing is visible under the key
    before `commit`; `abort` drops the parts sent."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.where = client, {"Bucket": bucket, "Key": key}
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= PART_BYTES:
            self._send(bytes(self.buffer[:PART_BYTES]))
            del self.buffer[:PART_BYTES]

    def _send(self, part: bytes) -> None:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(**self.where)["UploadId"]
        number = len(self.parts) + 1
        sent = self.client.upload_part(
            **self.where, UploadId=self.upload_id, PartNumber=number, Body=part
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def commit(self) -> None:
        if self.upload_id is None:
            self.client.put_object(**self.where, Body=bytes(self.buffer))
            return
        if self.buffer:  # the last part, which may be smaller
            self._send(bytes(self.buffer))
        self.client.complete_multipart_upload(
            **self.where, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        self.buffer.clear()
        if self.upload_id is not None:
            self.client.abort_multipart_upload(**self.where, UploadId=self.upload_id)
            self.upload_id = None


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

    def writer(self, key: str) -> Writer:
        return _ObjectWriter(self.client, self.bucket, self._key(key))

    def put(self, key: str, data: bytes) -> None:
        put(self, key, data)

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

    def _pages(self, operation: str) -> Any:
        return self.client.get_paginator(operation).paginate(Bucket=self.bucket, Prefix=self.prefix)

    def _unfinished(self) -> list[dict[str, Any]]:
        pages = self._pages("list_multipart_uploads")
        return [item for page in pages for item in page.get("Uploads", [])]

    def keys(self) -> list[str]:
        found = [
            item["Key"][len(self.prefix) :]
            for page in self._pages("list_objects_v2")
            for item in page.get("Contents", [])
        ]
        found += [item["Key"][len(self.prefix) :] + UNFINISHED for item in self._unfinished()]
        return sorted(found)

    def drop_unfinished(self, before: datetime) -> int:
        """Abort the multipart uploads begun before `before` (a bucket's lifecycle rule
        for incomplete uploads does the same; this works without one)."""
        stale = [item for item in self._unfinished() if item["Initiated"] < before]
        for item in stale:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=item["Key"], UploadId=item["UploadId"]
            )
        return len(stale)
