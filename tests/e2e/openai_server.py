"""A small OpenAI-compatible chat server for tests: real HTTP streaming, real 429s and 500s, real dropped connections.

Each model name has a `Behaviour`. Replies stream as server-sent events over chunked transfer encoding, one
word per chunk, with the usage chunk `stream_options.include_usage` asks for, so a dropped connection is a
truncated body the client notices, exactly as with a real provider.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

FOREVER = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Behaviour:
    """How the server answers one model name. Counters are per model name, over the server's lifetime.

    `fail_first` requests get `status` (an OpenAI-style JSON error); the next `drops` requests stream
    `drop_after` chunks then lose the connection; `hang` requests get nothing until the server stops.
    The next `stalls` requests stream `stall_after` chunks then go silent until the server stops; the next
    `garbles` requests stream `garble_after` chunks then `garbage` (not an event a client can parse) and end.
    The answer is `reply`, else "<model name> says: <the prompt>". A failure carries `retry_after` as its
    Retry-After header when set.
    """

    reply: str | None = None
    delay: float = 0.0
    fail_first: int = 0
    status: int = 429
    retry_after: str | None = None
    drops: int = 0
    drop_after: int = 2
    hang: bool = False
    stalls: int = 0
    stall_after: int = 2
    garbles: int = 0
    garble_after: int = 2
    garbage: bytes = b"data: {not json at all\n\n"


class OpenAICompatibleServer:
    """Serves /v1/chat/completions on 127.0.0.1 from a thread; use it as a context manager."""

    def __init__(self, behaviours: dict[str, Behaviour] | None = None) -> None:
        self.behaviours: dict[str, Behaviour] = dict(behaviours or {})
        self.requests: Counter[str] = Counter()
        self.disconnects: Counter[str] = Counter()  # clients that went away mid-stream
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="openai-test-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> OpenAICompatibleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def register(
        self,
        user_dir: Path,
        models: dict[str, str],
        *,
        api_key_name: str | None = None,
        aliases: dict[str, str] | None = None,
    ) -> None:
        """Add `models` (llm model id → model name here) to llm's extra-openai-models.yaml in `user_dir`."""
        path = user_dir / "extra-openai-models.yaml"
        entries = yaml.safe_load(path.read_text()) if path.exists() else []
        for model_id, name in models.items():
            entry: dict[str, Any] = {"model_id": model_id, "model_name": name, "api_base": self.url}
            if api_key_name:
                entry["api_key_name"] = api_key_name
            if aliases and model_id in aliases:
                entry["aliases"] = [aliases[model_id]]
            entries.append(entry)
        path.write_text(yaml.safe_dump(entries))

    def next_request(self, name: str) -> int:
        with self.lock:
            self.requests[name] += 1
            return self.requests[name]


def reply_for(name: str, body: dict[str, Any], behaviour: Behaviour) -> str:
    if behaviour.reply is not None:
        return behaviour.reply
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    return f"{name} says: {prompt}"


def words(text: str) -> list[str]:
    """The reply's chunks: one word each, with the space that follows it, so they join back exactly."""
    return re.findall(r"\s*\S+\s*?(?=\s|$)|\s+$", text) or [text]


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops simultaneous connects, which the client retries a second later.
    request_queue_size = 128
    owner: OpenAICompatibleServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    @property
    def owner(self) -> OpenAICompatibleServer:
        assert isinstance(self.server, _Server)
        return self.server.owner

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        with self.owner.lock:
            self.owner.bodies.append(body)
        name = str(body.get("model", ""))
        behaviour = self.owner.behaviours.get(name)
        if self.path.rstrip("/") != "/v1/chat/completions" or behaviour is None:
            self._error(404, f"The model `{name}` does not exist", "model_not_found")
            return
        n = self.owner.next_request(name)
        if n <= behaviour.fail_first:
            self._fail(behaviour.status, n, behaviour.retry_after)
        elif behaviour.hang:
            self.owner.stopping.wait()
            self.close_connection = True
        elif body.get("stream"):
            self._stream(name, body, behaviour, _fault(behaviour, n))
        else:
            self._whole(name, body, behaviour)

    def _fail(self, status: int, n: int, retry_after: str | None = None) -> None:
        if status == 401:  # as OpenAI does, quoting the key it was given
            key = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self._error(401, f"Incorrect API key provided: {key}.", "invalid_api_key")
        else:
            kind = "rate_limit_exceeded" if status == 429 else "server_error"
            self._error(status, f"simulated {status} for request {n}", kind, retry_after)

    def _error(self, status: int, message: str, code: str, retry_after: str | None = None) -> None:
        payload = json.dumps({"error": {"message": message, "type": code, "code": code, "param": None}}).encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _whole(self, name: str, body: dict[str, Any], behaviour: Behaviour) -> None:
        text = reply_for(name, body, behaviour)
        message = {"role": "assistant", "content": text}
        payload = json.dumps(
            _completion(name, [{"index": 0, "message": message, "finish_reason": "stop"}], _usage(body, text))
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _stream(self, name: str, body: dict[str, Any], behaviour: Behaviour, fault: tuple[str, int] | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        text = reply_for(name, body, behaviour)
        try:
            for index, piece in enumerate(words(text)):
                if fault is not None and index == fault[1]:
                    self._misbehave(fault[0], behaviour)
                    return
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                delta = {"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}
                self._event(_completion(name, [delta], None, chunk=True))
            self._event(_completion(name, [{"index": 0, "delta": {}, "finish_reason": "stop"}], None, chunk=True))
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event(_completion(name, [], _usage(body, text), chunk=True))
            self._send(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            with self.owner.lock:
                self.owner.disconnects[name] += 1
            self.close_connection = True

    def _misbehave(self, fault: str, behaviour: Behaviour) -> None:
        if fault == "drop":
            self._drop()
        elif fault == "stall":  # the connection stays open and silent, as a provider that froze mid-answer
            self.owner.stopping.wait()
            self.close_connection = True
        else:
            self._send(behaviour.garbage)
            self.wfile.write(b"0\r\n\r\n")

    def _event(self, data: dict[str, Any]) -> None:
        self._send(f"data: {json.dumps(data)}\n\n".encode())

    def _send(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Lose the connection mid-body: the client sees a truncated chunked stream."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True


def _fault(behaviour: Behaviour, n: int) -> tuple[str, int] | None:
    """What goes wrong with the `n`th request of a model once it streams: (fault, after how many chunks)."""
    n -= behaviour.fail_first
    for fault, count, after in (
        ("drop", behaviour.drops, behaviour.drop_after),
        ("stall", behaviour.stalls, behaviour.stall_after),
        ("garble", behaviour.garbles, behaviour.garble_after),
    ):
        if n <= count:
            return fault, after
        n -= count
    return None


def _completion(name: str, choices: list[dict[str, Any]], usage: dict[str, int] | None, chunk: bool = False) -> Any:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk" if chunk else "chat.completion",
        "created": 0,
        "model": name,
        "choices": choices,
        "usage": usage,
    }


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(words(text))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
