"""docs/webhooks.md stays true: its bash blocks run in order in one working directory against a real
service (werkzeug in a thread over the test's Redis) and a real delivery worker, each printing the lines
of the `text` block after it; its `# file: receiver.py` block is the receiver that the events reach, and
what that receiver prints is the untagged block after the guide's last bash block and its `text` answer.
As tools/docs_answers.py runs the docs, `.venv` in the working directory is this checkout's virtualenv."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis as redis_lib

from service.app import create_app
from service.config import AlertSettings
from tests.live import serving
from tests.processes import free_port, wait_for
from tests.test_alerts import WorkerProcess

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "webhooks.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
API_KEY = "webhooks-guide-key"


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]


def test_the_guide_has_a_receiver_and_examples() -> None:
    kinds = [kind for kind, _ in blocks()]
    assert "bash" in kinds and "text" in kinds
    assert sum(code.startswith("# file: receiver.py") for kind, code in blocks() if kind == "python") == 1


def test_the_guides_examples_and_receiver_run_against_a_real_service_and_worker(
    app_config: dict[str, Any], redis: redis_lib.Redis, redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PROVENANCE_API_KEY": API_KEY,
        "RECEIVER_URL": f"http://127.0.0.1:{port}/hooks/provenance",
        "PORT": str(port),
    }
    (tmp_path / ".venv").symlink_to(sys.prefix)  # the virtualenv running the tests
    settings = {**app_config, "api_keys": f"{API_KEY}:write", "alerts": AlertSettings(allow_private=True)}
    worker = WorkerProcess(redis_url, key_prefix, tmp_path / "worker.log").start()
    receiver: subprocess.Popen[str] | None = None
    try:
        with serving(create_app(settings)) as url:
            env["PROVENANCE_URL"] = url
            found = blocks()
            for n, (kind, code) in enumerate(found):
                expected = found[n + 1][1] if n + 1 < len(found) and found[n + 1][0] == "text" else ""
                if kind == "python" and code.startswith("# file: receiver.py"):
                    (tmp_path / "receiver.py").write_text(code, encoding="utf-8")
                    secret = json.loads((tmp_path / "watch.json").read_text())["secret"]
                    receiver = subprocess.Popen(
                        [sys.executable, "receiver.py"],
                        cwd=tmp_path,
                        env={**env, "PROVENANCE_WEBHOOK_SECRET": secret},
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                elif kind == "bash":
                    done = subprocess.run(
                        ["bash", "-e", "-o", "pipefail", "-c", code],
                        cwd=tmp_path,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=120,
                        check=False,
                    )
                    assert done.returncode == 0, (
                        f"block {n} exited {done.returncode}:\n{done.stdout}{done.stderr}"
                    )
                    assert_printed_in_order(done.stdout, _lines(expected), f"docs/webhooks.md bash block {n}")
            assert receiver is not None and receiver.stdout is not None
            ready, _, _ = select.select([receiver.stdout], [], [], 60)
            assert ready, "the receiver printed nothing within 60 s"
            printed = receiver.stdout.readline()
            last = max(n for n, (kind, _) in enumerate(found) if kind == "bash")
            assert [kind for kind, _ in found[last + 1 : last + 3]] == ["text", ""]
            assert_printed_in_order(printed, _lines(found[last + 2][1]), "the receiver of docs/webhooks.md")
            wait_for("the delivery to be logged", lambda: _delivered(url, tmp_path))
    finally:
        if receiver is not None:
            receiver.kill()
            receiver.communicate()  # waits, and closes its stdout
        worker.stop()


def assert_printed_in_order(output: str, expected: list[str], where: str) -> None:
    rest = output
    for line in expected:
        position = rest.find(line)
        assert position >= 0, f"{where}: {line!r} not printed in order; the output was:\n{output}"
        rest = rest[position + len(line) :]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _delivered(url: str, directory: Path) -> bool:
    import httpx

    watch_id = json.loads((directory / "watch.json").read_text())["id"]
    answer = httpx.get(
        f"{url}/v1/watches/{watch_id}/deliveries", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    return [d["status"] for d in answer.json()["items"]] == ["delivered"]
