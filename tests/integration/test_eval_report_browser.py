"""``report.html`` renders in a real browser (headless Chromium), offline, with its charts."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.eval_runs import run_cli, use_compatible, write_topics
from tests.support.scenarios import ScenarioServer, scenario_topics

pytestmark = pytest.mark.slow  # headless Chromium

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
)  # fmt: skip
WIDTH, HEIGHT = 1200, 2600


@pytest.fixture(scope="module")
def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless Chromium here: install Debian's chromium package (.ci/run does)")


@pytest.fixture
def report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Path]:
    """A report comparing two configurations, with failures (one with hostile raw output)."""
    topics = scenario_topics({"clean": 7, "repair": 2, "broken": 1})
    server = ScenarioServer(topics, by_model={"other": dict.fromkeys(list(topics)[:3], "broken")})
    server.start()
    try:
        use_compatible(monkeypatch, server)
        monkeypatch.setenv("DGS_SQLITE_PATH", str(tmp_path / "user.sqlite3"))
        a, b = tmp_path / "scripted.env", tmp_path / "other.env"
        a.write_text("DGS_STRUCTURER_MODEL=scripted-structurer\n", encoding="utf-8")
        b.write_text("DGS_STRUCTURER_MODEL=other\n", encoding="utf-8")
        out = tmp_path / "out"
        code, _, _ = run_cli(
            capsys, "eval", "--topics", str(write_topics(tmp_path / "t.jsonl", topics)),
            "--compare", str(a), str(b), "--out", str(out),
        )  # fmt: skip
        assert code == 0
        yield out / "report.html"
    finally:
        server.stop()


def chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def test_the_html_report_renders_its_figures_in_headless_chromium(
    browser: str, report: Path, tmp_path: Path
) -> None:
    html = report.read_text(encoding="utf-8")
    # Self-contained: no script, no stylesheet or image from anywhere, and a policy saying so.
    assert "default-src 'none'" in html
    assert "<script" not in html
    assert not re.findall(r"(?:src|href)=", html)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg"}

    dom = chromium(browser, tmp_path / "profile-dom", "--dump-dom", report.as_uri()).stdout
    assert "<h1>DGS evaluation report</h1>" in dom
    figures = re.findall(r"<figure>.*?</figure>", dom, flags=re.S)
    assert len(figures) >= 6
    assert all("<svg" in figure and "<rect" in figure for figure in figures)
    assert len(re.findall(r"<rect ", dom)) > 60
    for caption in (
        "Outcome of every run",
        "95% Wilson intervals",
        "Latency per step",
        "Widget mix",
        "Failed runs by error code",
    ):
        assert caption in dom
    assert "<h2>Comparison</h2>" in dom
    assert "Newcombe" in dom
    assert "invalid_after_repair" in dom
    assert "Scenario broken topic 001" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # the raw output, escaped

    screenshot = tmp_path / "report.png"  # kept under the test's tmp dir for a look
    chromium(
        browser, tmp_path / "profile-shot", f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars", f"--screenshot={screenshot}", report.as_uri(),
    )  # fmt: skip
    width, height, pixels = read_png(screenshot)
    assert (width, height) == (WIDTH, HEIGHT)
    # Not a blank page: many colours (charts, text) and most rows unlike the first.
    assert len(set(pixels)) > 40
    stride = len(pixels) // height
    rows = {pixels[i * stride : (i + 1) * stride] for i in range(0, height, 10)}
    assert len(rows) > 50


def read_png(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (filtered) pixel rows of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, width, height, compressed = 8, 0, 0, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            compressed += chunk
        position += 12 + length
    return width, height, zlib.decompress(compressed)
