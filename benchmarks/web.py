"""The web page in headless Chromium: first paint of `/`, frame time with 8 candidates streaming, page weight.

`python -m benchmarks.web [tiny|full]`. The server is a real `writeit serve` on 127.0.0.1 (subprocess); the browser is
Debian's chromium through Playwright. References from the same run: a blank page's first paint from a bare HTTP
server on loopback; the frame time of that blank page changing one character a frame (what a frame costs this
browser on this machine); the shipped files' bytes on disk. Frames are measured with the frame-rate limit off, so
a requestAnimationFrame delta is the time the page takes to make a frame (with vsync on, every delta would read
16.7 ms whatever the work).
"""

from __future__ import annotations

import asyncio
import http.server
import shutil
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from benchmarks.common import Row, at_most, isolated_home, main, percentile, scaled, wait_listening

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
UNTHROTTLED = ["--disable-frame-rate-limit", "--disable-gpu-vsync"]
STATIC = Path(__file__).resolve().parents[1] / "src" / "entrypoints" / "web" / "static"
PAINT = "performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? null"
WEIGHT = """[performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
  .filter((e) => !e.name.includes('/api/')).reduce((sum, e) => sum + e.transferSize, 0)"""
# Collects requestAnimationFrame deltas until stopped; `window.frames_` holds them (ms). With `touch`, each frame
# also changes one character of the page, so that the browser has something to draw.
FRAMES = """(touch) => { window.frames_ = []; window.framing = true;
  let last = performance.now();
  const text = document.body.appendChild(document.createTextNode(""));
  const tick = (now) => { window.frames_.push(now - last); last = now; if (touch) text.data = String(now % 10);
    if (window.framing) requestAnimationFrame(tick); };
  requestAnimationFrame(tick); }"""
SHOWN = "() => new Promise((done) => requestAnimationFrame(() => done(performance.now())))"


@contextmanager
def served(root: Path) -> Iterator[str]:
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "writeit", "serve", "--port", "0"], stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield asyncio.run(wait_listening(process, log))
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextmanager
def blank_server() -> Iterator[str]:
    """The reference: a one-line page from the standard library's HTTP server on loopback."""
    body = b"<!doctype html><title>blank</title><p>blank</p>"

    class Blank(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def first_paint(browser: Browser, url: str, ready: str | None = None) -> tuple[float, float, float]:
    """(first contentful paint and `ready` drawn, ms after navigation; bytes transferred) of `url`, fresh context."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    if ready:
        page.wait_for_selector(ready)
    shown = page.evaluate(SHOWN)
    page.wait_for_function(f"() => ({PAINT}) !== null")
    paint, weight = page.evaluate(f"[{PAINT}, {WEIGHT}]")
    context.close()
    return float(paint), float(shown), float(weight)


def blank_frames(browser: Browser, url: str, seconds: float) -> list[float]:
    page = browser.new_page()
    page.goto(url)
    page.evaluate(FRAMES, True)
    page.wait_for_timeout(seconds * 1000)
    deltas: list[float] = page.evaluate("window.framing = false; window.frames_")
    page.close()
    return deltas[5:]


def frames(browser: Browser, url: str, models: int) -> list[float]:
    """Frame deltas while `models` candidates of markov (word by word) stream into the page."""
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.goto(url + "#/new/quick-article")
    page.fill("#input-topic", "Frames while streaming")
    page.fill("#input-model", ", ".join(["markov"] * models))
    page.evaluate(FRAMES, False)
    page.click("#start-form button[type=submit]")
    page.wait_for_selector(f"#candidates[data-count='{models}'] [data-status=pending]")
    page.evaluate("window.frames_.length = 0")
    page.wait_for_function("() => !document.querySelector('#candidates [data-status=pending]')", timeout=120_000)
    streaming: list[float] = page.evaluate("window.framing = false; window.frames_")
    page.context.close()
    return streaming


def run(size: str) -> list[Row]:
    loads = scaled(size, 3, 15)
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("error: chromium is not installed (apt-get install chromium)")
    on_disk = sum(p.stat().st_size for p in STATIC.iterdir() if p.is_file())
    with isolated_home() as root, served(root) as url, blank_server() as blank, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        first_paint(browser, url + "/", "#templates")  # warm up: the server's first requests, the browser's cache
        ours = [first_paint(browser, url + "/", "#templates") for _ in range(loads)]
        bare = [first_paint(browser, blank) for _ in range(loads)]
        browser.close()
        fast = pw.chromium.launch(executable_path=chromium, args=ARGS + UNTHROTTLED)
        streaming = frames(fast, url + "/", 8)
        blank_deltas = blank_frames(fast, blank, scaled(size, 1, 3))
        fast.close()
    paint, ref_paint = statistics.median(p for p, _, _ in ours), statistics.median(p for p, _, _ in bare)
    shown, weight = statistics.median(s for _, s, _ in ours), statistics.median(w for _, _, w in ours)
    p50, ref_p50 = percentile(streaming, 50), percentile(blank_deltas, 50)
    print(f"first paint {paint:.0f} ms, templates drawn {shown:.0f} ms (blank page {ref_paint:.0f} ms); "
          f"page weight {weight / 1000:.1f} kB")  # fmt: skip
    print(f"frames while streaming: {len(streaming)}, p50 {p50:.2f} ms, p99 {percentile(streaming, 99):.1f} ms, "
          f"max {max(streaming):.1f} ms; blank page p50 {ref_p50:.2f} ms")  # fmt: skip
    return [
        Row("web: first paint of / (loopback)", paint, "ms", "a blank page", ref_paint, "≤ 300 ms",
            at_most(paint, 300)),
        Row("web: template picker drawn (loopback)", shown, "ms", "a blank page's first paint", ref_paint),
        Row("web: frame time p50, 8 candidates streaming", p50, "ms", "a blank page, a character a frame", ref_p50,
            "≤ 16 ms", at_most(p50, 16)),
        Row("web: frame time p99, 8 candidates streaming", percentile(streaming, 99), "ms",
            "a blank page, a character a frame", percentile(blank_deltas, 99)),
        Row("web: page weight transferred", weight / 1000, "kB", "the shipped files on disk", on_disk / 1000,
            "≤ 200 kB", at_most(weight / 1000, 200)),
    ]  # fmt: skip


if __name__ == "__main__":
    main(run)
