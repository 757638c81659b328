"""A real 3-master Redis Cluster on 127.0.0.1, started from the redis-server binary for the tests."""

from __future__ import annotations

import random
import socket
import subprocess
from pathlib import Path

import redis

from tests.processes import redis_server_binary, wait_for

SLOTS = 16384


BUS_OFFSET = 10000  # a cluster node also listens on port + 10000 for the cluster bus


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """Ports free for a node and for its cluster bus (so below 55536)."""
    rng = random.Random()
    ports: list[int] = []
    while len(ports) < count:
        port = rng.randrange(20000, 30000)
        if port not in ports and _bindable(port) and _bindable(port + BUS_OFFSET):
            ports.append(port)
    return ports


class LocalCluster:
    """Three masters, no replicas, slots split evenly; stopped and removed by `stop`."""

    def __init__(self, workdir: Path, masters: int = 3):
        self.workdir = workdir
        self.ports = _free_ports(masters)
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def start(self, timeout: float = 30) -> LocalCluster:
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> LocalCluster:
        binary = redis_server_binary()
        for port in self.ports:
            node_dir = self.workdir / str(port)
            node_dir.mkdir(parents=True)
            self.processes.append(subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-config-file", str(node_dir / "nodes.conf"), "--dir", str(node_dir),
                 "--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        clients = [self._wait_for(port, timeout) for port in self.ports]
        share = SLOTS // len(clients)
        for i, client in enumerate(clients):
            last = SLOTS if i == len(clients) - 1 else (i + 1) * share
            client.execute_command("CLUSTER ADDSLOTS", *range(i * share, last))
        for port in self.ports[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
        wait_for(
            "the test cluster's cluster_state:ok",
            lambda: all(c.cluster("info")["cluster_state"] == "ok" for c in clients),
            timeout,
        )
        for c in clients:
            c.close()
        return self

    def _wait_for(self, port: int, timeout: float) -> redis.Redis:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(f"redis-server on port {port}", answers, timeout)
        return client

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
