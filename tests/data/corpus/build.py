"""Rebuild the false-positive corpus: ordinary traffic that must scan clean.

Deterministic (fixed seeds, gzip mtime 0): `python tests/data/corpus/build.py` rewrites the
*.jsonl.gz files next to it. Each line is {"name", "content_type", "body"}; the test scans
every body as a request and expects zero findings.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import sys
import uuid
import zlib
from pathlib import Path

HERE = Path(__file__).parent
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
PACKAGES = (
    "mitmproxy",
    "h2",
    "httpx",
    "httpcore",
    "flask",
    "jinja2",
    "click",
    "idna",
    "attr",
    "anyio",
    "certifi",
)
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "agent",
    "sandbox",
    "proxy",
    "request",
    "response",
    "policy",
    "secret",
    "token",
    "password",
    "api",
    "key",
    "value",
    "header",
    "body",
    "json",
    "encode",
    "decode",
    "compress",
    "archive",
    "commit",
    "branch",
    "merge",
    "review",
    "function",
    "class",
    "method",
    "module",
    "package",
    "import",
    "return",
    "yield",
    "async",
    "await",
    "error",
    "exception",
    "retry",
    "timeout",
]


def write(name: str, items: list[dict[str, str]]) -> int:
    raw = "".join(json.dumps(item, sort_keys=True) + "\n" for item in items).encode()
    with (HERE / f"{name}.jsonl.gz").open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw)
    return len(raw)


def source_code() -> list[dict[str, str]]:
    items = []
    for pkg in PACKAGES:
        for path in sorted((SITE / pkg).rglob("*.py")):
            text = path.read_text("utf-8", "replace")
            if "test" in path.parts or "PRIVATE KEY-----\n" in text:
                continue
            items.append(
                {"name": f"py:{path.relative_to(SITE)}", "content_type": "text/x-python", "body": text}
            )
    return items


def prose() -> list[dict[str, str]]:
    items = []
    for meta in sorted(SITE.glob("*.dist-info/METADATA")) + sorted(
        p for p in SITE.glob("*.dist-info/licenses/*") if p.is_file()
    ):
        text = meta.read_text("utf-8", "replace")
        items.append({"name": f"prose:{meta.relative_to(SITE)}", "content_type": "text/plain", "body": text})
    return items


def api_json(rng: random.Random) -> list[dict[str, str]]:
    items = []
    for i in range(300):
        sha = hashlib.sha1(f"commit{i}".encode()).hexdigest()
        doc = {
            "id": rng.randrange(10**6, 10**10),
            "node_id": base64.b64encode(f"04:Commit{rng.randrange(10**9)}:{sha}".encode()).decode(),
            "sha": sha,
            "tree": {
                "sha": hashlib.sha1(sha.encode()).hexdigest(),
                "url": f"https://api.github.com/repos/acme/app/git/trees/{sha}",
            },
            "sha256": hashlib.sha256(sha.encode()).hexdigest(),
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "request_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "etag": f'W/"{hashlib.md5(sha.encode()).hexdigest()}"',
            "created_at": f"2024-0{1 + i % 9}-1{i % 10}T12:{i % 60:02d}:00Z",
            "timestamp_ms": 1700000000000 + rng.randrange(10**9),
            "version": f"{rng.randrange(10)}.{rng.randrange(30)}.{rng.randrange(100)}",
            "message": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 40))),
            "author": {"name": "Dev Person", "email": f"dev{i % 7}@users.noreply.github.com"},
            "page_token": base64.urlsafe_b64encode(rng.randbytes(24)).decode(),
            "next_cursor": base64.b64encode(rng.randbytes(18)).decode(),
            "max_tokens": 4096,
            "token_type": "bearer",
            "phone": f"+1-555-{rng.randrange(1000, 9999)}",
            "amount": rng.randrange(100, 999999),
            "ids": [rng.randrange(10**15, 10**17) for _ in range(5)],
        }
        items.append(
            {"name": f"api:{i}", "content_type": "application/json", "body": json.dumps(doc, indent=1)}
        )
    return items


def lockfiles(rng: random.Random) -> list[dict[str, str]]:
    packages = {}
    for i in range(1500):
        name = f"pkg-{rng.choice(WORDS)}-{i}"
        packages[f"node_modules/{name}"] = {
            "version": f"{rng.randrange(10)}.{rng.randrange(30)}.{rng.randrange(100)}",
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
            "integrity": "sha512-" + base64.b64encode(rng.randbytes(64)).decode(),
            "license": "MIT",
        }
    npm = json.dumps({"name": "app", "lockfileVersion": 3, "packages": packages}, indent=2)
    poetry = []
    reqs = []
    for i in range(800):
        name = f"{rng.choice(WORDS)}-lib{i}"
        h1, h2 = hashlib.sha256(rng.randbytes(8)).hexdigest(), hashlib.sha256(rng.randbytes(8)).hexdigest()
        poetry.append(
            f'[[package]]\nname = "{name}"\nversion = "1.{i}.0"\ndescription = "A library"\noptional = false\n'
            f'files = [\n    {{file = "{name}-1.{i}.0-py3-none-any.whl", hash = "sha256:{h1}"}},\n'
            f'    {{file = "{name}-1.{i}.0.tar.gz", hash = "sha256:{h2}"}},\n]\n'
        )
        reqs.append(f"{name}==1.{i}.0 \\\n    --hash=sha256:{h1} \\\n    --hash=sha256:{h2}\n")
    return [
        {"name": "lock:package-lock.json", "content_type": "application/json", "body": npm},
        {"name": "lock:poetry.lock", "content_type": "text/plain", "body": "\n".join(poetry)},
        {"name": "lock:requirements.txt", "content_type": "text/plain", "body": "".join(reqs)},
    ]


def png(rng: random.Random, size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    pixels = bytes(rng.randrange(256) if rng.random() < 0.3 else 0 for _ in range(size))
    ihdr = (64).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def llm_chats(rng: random.Random) -> list[dict[str, str]]:
    items = []
    for i in range(120):
        messages = [{"role": "system", "content": "You are a helpful coding agent. Never reveal secrets."}]
        for _ in range(rng.randrange(2, 8)):
            messages.append(
                {
                    "role": rng.choice(["user", "assistant"]),
                    "content": " ".join(rng.choice(WORDS) for _ in range(60)),
                }
            )
        if i % 4 == 0:
            image = base64.b64encode(png(rng, 6000)).decode()
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": image},
                        }
                    ],
                }
            )
        doc = {
            "model": rng.choice(["claude-sonnet-4-5", "gpt-4o-2024-08-06", "gemini-1.5-pro"]),
            "max_tokens": 1024,
            "temperature": 0.2,
            "messages": messages,
            "tools": [
                {
                    "name": "read_file",
                    "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
                }
            ],
            "metadata": {"user_id": hashlib.sha256(f"user{i}".encode()).hexdigest()},
        }
        items.append({"name": f"llm:{i}", "content_type": "application/json", "body": json.dumps(doc)})
    return items


def main() -> None:
    rng = random.Random(20240605)
    total = 0
    total += write("source_code", source_code())
    total += write("prose", prose())
    total += write("api_json", api_json(rng))
    total += write("lockfiles", lockfiles(rng))
    total += write("llm_chats", llm_chats(rng))
    print(f"corpus: {total / 1e6:.1f} MB uncompressed")


if __name__ == "__main__":
    main()
