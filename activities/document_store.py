"""Where documents are filed: the local documents folder (the default) or an S3-compatible bucket.

A sale's state names each document by reference: a file path, or `s3://bucket/key` when the
bucket is set, so every worker on every host reads the same document (README "Where
documents are kept").
Any store reads (and typesets beside) a local path, so sales begun on the folder go on after a
move to a bucket.
"""

import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from settings import Settings

S3_SCHEME = "s3://"


class DocumentMissing(Exception):
    """No document at a reference (not filed yet, or storage not shared by the workers)."""


class DocumentStore(Protocol):
    """Files and reads documents by reference; blocking calls, run off the event loop."""

    def reference(self, folder: str, name: str) -> str:
        """Where `name` of `folder` is (or will be) filed."""
        ...

    def put(self, reference: str, data: bytes) -> None:
        """File the document whole at its reference: a reader never sees half of one."""
        ...

    def get(self, reference: str) -> bytes:
        """The document's bytes; DocumentMissing when nothing is filed there."""
        ...


def _read_file(reference: str) -> bytes:
    try:
        return Path(reference).read_bytes()
    except FileNotFoundError as err:
        raise DocumentMissing("nothing is filed there") from err


def _write_file(reference: str, data: bytes) -> None:
    path = Path(reference)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A retried activity may overwrite the file; readers never see half of one.
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)


class LocalDocuments:
    """The documents folder: enough for one host, or for several sharing the folder."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def reference(self, folder: str, name: str) -> str:
        return str((self._root / folder).resolve() / name)

    def put(self, reference: str, data: bytes) -> None:
        _write_file(reference, data)

    def get(self, reference: str) -> bytes:
        return _read_file(reference)


class S3Documents:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph, R2): every worker on every host reads it.

    Credentials come the usual AWS way (`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, a
    profile, or the host's role); an upload is whole or absent, so no reader sees half of one.
    """

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self._bucket = bucket
        self._prefix = prefix.strip("/")
        self._client = client

    def _key(self, folder: str, name: str) -> str:
        return "/".join(part for part in (self._prefix, folder, name) if part)

    def reference(self, folder: str, name: str) -> str:
        return f"{S3_SCHEME}{self._bucket}/{self._key(folder, name)}"

    def put(self, reference: str, data: bytes) -> None:
        if not reference.startswith(S3_SCHEME):  # a sale's document from before the move
            _write_file(reference, data)
            return
        bucket, key = _bucket_and_key(reference)
        self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def get(self, reference: str) -> bytes:
        if not reference.startswith(S3_SCHEME):
            return _read_file(reference)
        bucket, key = _bucket_and_key(reference)
        try:
            response = self._client.get_object(Bucket=bucket, Key=key)
        except self._client.exceptions.NoSuchKey as err:
            raise DocumentMissing("nothing is filed there") from err
        body: bytes = response["Body"].read()
        return body


def _bucket_and_key(reference: str) -> tuple[str, str]:
    bucket, _, key = reference.removeprefix(S3_SCHEME).partition("/")
    return bucket, key


def document_store(settings: Settings) -> DocumentStore:
    """The store the settings name: the bucket when `documents_bucket` is set, else the folder."""
    if not settings.documents_bucket:
        return LocalDocuments(settings.documents_dir)
    import boto3  # type: ignore[import-untyped]  # only a worker filing to a bucket loads it
    from botocore.config import Config  # type: ignore[import-untyped]

    secret = settings.documents_secret_access_key
    endpoint = settings.documents_endpoint_url
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        # MinIO and most self-hosted stores serve buckets by path, not by host name.
        config=Config(s3={"addressing_style": "path"}) if endpoint else None,
        region_name=settings.documents_region,
        aws_access_key_id=settings.documents_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
    )
    return S3Documents(settings.documents_bucket, settings.documents_prefix, client)


def name_of(reference: str) -> str:
    """The file name a reference ends in (an attachment's name)."""
    return reference.rstrip("/").rsplit("/", 1)[-1]
