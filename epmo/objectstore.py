"""The store on object storage: options for the Delta library, a filesystem for DuckDB.

`EPMO_STORE=s3://bucket/prefix` puts every table under that prefix. Credentials and the
endpoint come from the standard environment variables (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION,
AWS_ENDPOINT_URL for an S3-compatible server such as MinIO) or from the `[objectstore]`
section of the settings; the environment wins.

Two libraries read the store, and both get the same location and credentials from here:

* the Delta library (deltalake / delta-rs) reads the logs and writes commits, with
  `storage_options()`. On S3 a commit is a conditional put (`If-None-Match`, option
  `conditional_put = "etag"`): two writers on two machines racing for the same log
  version cannot both win, which is what makes concurrent appends safe without a lock
  service. AWS S3 (since 2024), MinIO and Cloudflare R2 honour it; a store that does not
  must use delta-rs' DynamoDB locking provider instead (AWS_S3_LOCKING_PROVIDER=dynamodb,
  not tested here) -- see docs/deployment.md.
* DuckDB reads the Parquet files the Delta log lists. It has no S3 extension offline (its
  httpfs extension is downloaded on first use), so pyarrow's own S3 client is handed to it
  as an fsspec filesystem (`con.register_filesystem`): the "current files from the Delta
  log" rule is unchanged, only the bytes come over the network.

Azure (az://, abfss://) and Google Cloud Storage (gs://) URIs get pyarrow's filesystems the
same way and the Delta library reads its own environment variables for them; neither is
tested here (no emulator is installable offline): docs/deployment.md says so.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlparse

import pyarrow.fs as pafs
from fsspec.implementations.arrow import ArrowFSWrapper

from epmo.settings import current

S3_SCHEMES = ("s3", "s3a")
GCS_SCHEMES = ("gs", "gcs")
AZURE_SCHEMES = ("az", "abfs", "abfss", "adl", "azure")


def scheme(uri: str) -> str:
    """'' for a local path (or file://), else the URI's scheme in lower case."""
    if "://" not in uri:
        return ""
    s = uri.split("://", 1)[0].lower()
    return "" if s == "file" else s


def is_remote(uri: str) -> bool:
    return scheme(uri) != ""


def _env(*names: str, default: str = "") -> str:
    """The first of these environment variables that is set, else the default (a setting)."""
    for n in names:
        v = os.environ.get(n)
        if v:
            return v
    return default


# The variables a child process (the explorer's worker) needs to reach the same store.
ENV_NAMES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_S3_LOCKING_PROVIDER",
    "DELTA_DYNAMO_TABLE_NAME",
    "EPMO_S3_CONDITIONAL_PUT",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_STORAGE_ACCOUNT_NAME",
    "AZURE_STORAGE_ACCOUNT_KEY",
)


def environment() -> dict[str, str]:
    """The object-store variables set in this process (for a child that reads the store)."""
    return {k: os.environ[k] for k in ENV_NAMES if os.environ.get(k)}


def s3_endpoint() -> str:
    return _env("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", default=current().objectstore.s3_endpoint)


def s3_region() -> str:
    return _env("AWS_REGION", "AWS_DEFAULT_REGION", default=current().objectstore.s3_region) or "us-east-1"


def storage_options(uri: str) -> dict[str, str] | None:
    """Options for the Delta library, or None for a local store (or a scheme whose
    credentials the Delta library reads from its own environment variables)."""
    s = scheme(uri)
    if s not in S3_SCHEMES:
        return None
    opts: dict[str, str] = {"AWS_REGION": s3_region()}
    endpoint = s3_endpoint()
    if endpoint:
        opts["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            opts["AWS_ALLOW_HTTP"] = "true"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        if os.environ.get(name):
            opts[name] = os.environ[name]
    if os.environ.get("AWS_S3_LOCKING_PROVIDER"):
        opts["AWS_S3_LOCKING_PROVIDER"] = os.environ["AWS_S3_LOCKING_PROVIDER"]
        for name in ("DELTA_DYNAMO_TABLE_NAME", "AWS_ENDPOINT_URL_DYNAMODB"):
            if os.environ.get(name):
                opts[name] = os.environ[name]
    else:
        opts["conditional_put"] = (
            _env("EPMO_S3_CONDITIONAL_PUT", default=current().objectstore.s3_conditional_put) or "etag"
        )
    if _env("AWS_S3_ADDRESSING_STYLE") == "virtual" or current().objectstore.s3_virtual_hosted:
        opts["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "true"
    return opts


def arrow_filesystem(uri: str, allow_bucket_creation: bool = False) -> pafs.FileSystem:
    """pyarrow's filesystem for the store's scheme, with the same endpoint and credentials."""
    s = scheme(uri)
    if s in S3_SCHEMES:
        endpoint = s3_endpoint()
        kwargs: dict[str, Any] = {"region": s3_region(), "allow_bucket_creation": allow_bucket_creation}
        if endpoint:
            parsed = urlparse(endpoint)
            kwargs["endpoint_override"] = parsed.netloc or endpoint
            kwargs["scheme"] = parsed.scheme or "https"
        if os.environ.get("AWS_ACCESS_KEY_ID"):
            kwargs["access_key"] = os.environ["AWS_ACCESS_KEY_ID"]
            kwargs["secret_key"] = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
            if os.environ.get("AWS_SESSION_TOKEN"):
                kwargs["session_token"] = os.environ["AWS_SESSION_TOKEN"]
        return pafs.S3FileSystem(**kwargs)
    if s in GCS_SCHEMES:
        return pafs.GcsFileSystem()
    if s in AZURE_SCHEMES:
        account = os.environ.get("AZURE_STORAGE_ACCOUNT_NAME") or os.environ.get("AZURE_STORAGE_ACCOUNT", "")
        return pafs.AzureFileSystem(account_name=account)
    if s == "":
        return pafs.LocalFileSystem()
    raise ValueError(f"unsupported store URI scheme {s!r}: use a path, s3://, gs:// or az://")


class _StoreFS(ArrowFSWrapper):  # type: ignore[misc]
    """pyarrow's filesystem as fsspec, answering to every spelling of its scheme (DuckDB
    picks the filesystem whose protocol prefixes the path).

    The objects a Delta log lists are immutable (a new version writes new files, never
    rewrites one), so what is learnt about an object (its size, its time) is kept: DuckDB
    asks for it on every connection, and each question is a HEAD request otherwise. An
    object is still opened with a HEAD (pyarrow's Python API cannot pass the size in)."""

    MAX_KNOWN = 200_000

    def __init__(self, fs: pafs.FileSystem, protocols: tuple[str, ...]):
        super().__init__(fs)
        self._protocols = protocols
        self._known: dict[str, dict[str, Any]] = {}

    @property
    def protocol(self) -> tuple[str, ...]:  # type: ignore[override]
        return self._protocols

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        path = str(path)
        if "://" in path:
            path = path.split("://", 1)[1]
        return path.rstrip("/")

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        key = self._strip_protocol(path)
        hit = self._known.get(key)
        if hit is None:
            hit = super().info(key, **kwargs)
            if hit.get("type") == "file" and key.endswith(".parquet"):
                if len(self._known) >= self.MAX_KNOWN:
                    self._known.clear()
                self._known[key] = hit
        return hit

    def exists(self, path: str, **kwargs: Any) -> bool:
        if self._strip_protocol(path) in self._known:
            return True
        return bool(super().exists(path))

    def modified(self, path: str) -> Any:
        hit = self._known.get(self._strip_protocol(path))
        return hit["mtime"] if hit is not None and "mtime" in hit else super().modified(path)


_cache: dict[tuple[str, str, str], _StoreFS] = {}
_cache_lock = threading.Lock()


def filesystem_key(uri: str) -> tuple[str, str, str] | None:
    """Which filesystem `attach` registers for `uri` (None: a local disk needs none)."""
    if not is_remote(uri):
        return None
    return (scheme(uri), s3_endpoint(), os.environ.get("AWS_ACCESS_KEY_ID", ""))


def duckdb_filesystem(uri: str) -> _StoreFS:
    """The fsspec filesystem DuckDB reads the store's Parquet files through (one a
    process per scheme and endpoint: pyarrow's S3 client keeps its connections)."""
    s = scheme(uri)
    key = filesystem_key(uri)
    assert key is not None
    with _cache_lock:
        fs = _cache.get(key)
        if fs is None:
            protocols = S3_SCHEMES if s in S3_SCHEMES else GCS_SCHEMES if s in GCS_SCHEMES else AZURE_SCHEMES
            fs = _StoreFS(arrow_filesystem(uri), protocols)
            _cache[key] = fs
        return fs


def attach(con: Any, uri: str) -> None:
    """Let a DuckDB connection read the store's files (nothing to do on a local disk)."""
    if is_remote(uri):
        fs = duckdb_filesystem(uri)
        if not con.filesystem_is_registered(fs.protocol[0]):
            con.register_filesystem(fs)


def files_missing(uri: str, files: list[str]) -> list[str]:
    """Which of `files` (full URIs) the object store does not hold."""
    if not files:
        return []
    fs = arrow_filesystem(uri)
    infos = fs.get_file_info([f.split("://", 1)[1] if "://" in f else f for f in files])
    return [f for f, info in zip(files, infos, strict=True) if info.type == pafs.FileType.NotFound]


def make_bucket(uri: str) -> None:
    """Create the bucket of an s3:// store if it is missing (a test server, a fresh MinIO:
    `python -m epmo demo` on an empty store). The app itself never creates buckets: they are
    the platform's to provision, with their access policy."""
    if scheme(uri) not in S3_SCHEMES:
        return
    bucket = uri.split("://", 1)[1].split("/", 1)[0]
    fs = arrow_filesystem(uri, allow_bucket_creation=True)
    if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
        fs.create_dir(bucket)
