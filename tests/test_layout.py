"""The layout keeps its one direction of imports: http -> core -> tracer -> store/detect, client apart;
core -> alerts -> store/detect for copy alerts.

Every import of every module of service/ and schemas/ (at the top or inside a function) is read with `ast`
and checked against the layer rules below; a new module must find its place in LAYERS.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Layer of each module (the longest matching prefix decides), and what each layer may import.
LAYERS = {
    "service.app": "top",
    "service.cli": "top",
    "service.gunicorn_conf": "top",
    "service.api": "http",
    "schemas": "schemas",
    "service.core": "core",
    "service.trace": "tracer",
    "service.lineage": "tracer",
    "service.alerts": "alerts",
    "service.store": "store",
    "service.detect": "detect",
    "service.config": "base",
    "service.errors": "base",
    "service.client": "client",
    "service": "package",  # service/__init__.py
}
MAY_IMPORT = {
    "top": {"top", "http", "schemas", "core", "tracer", "alerts", "store", "detect", "base", "client"}
    | {"package"},
    "http": {"http", "schemas", "core", "base", "package"},
    "schemas": {"schemas"},
    "core": {"core", "tracer", "alerts", "store", "detect", "base"},
    # Copy alerts: below the service layer, beside the tracer (which reaches it only through a hook).
    "alerts": {"alerts", "store", "detect", "base"},
    "tracer": {"tracer", "store", "detect", "base"},
    "store": {"store", "detect", "base"},
    "detect": {"detect"},
    "base": {"base"},
    "client": {"client"},
    "package": set(),
}
# Single edges the layer rules would refuse, each with its reason.
EXCEPTIONS = {
    # The settings carry the detection thresholds (PROVENANCE_* overrides of them).
    ("service.config", "service.detect.thresholds"),
}


def layer_of(module: str) -> str:
    best = max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")), key=len)
    return LAYERS[best]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(module: str, source: str, is_package: bool = False) -> set[str]:
    """The project modules a module's source imports: `import a.b`, `from a.b import c` (a.b, and a.b.c
    when that is a module), relative imports resolved."""
    tree = ast.parse(source)
    package = module if is_package else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            modules = [f"{base}.{alias.name}" for alias in node.names if is_module(f"{base}.{alias.name}")]
            # `from package import module` imports the module (and the package's docstring-only __init__)
            found.update(modules if len(modules) == len(node.names) else [base, *modules])
    return {name for name in found if name.split(".")[0] in ("service", "schemas")}


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def sources() -> list[Path]:
    return sorted([*ROOT.joinpath("service").rglob("*.py"), *ROOT.joinpath("schemas").rglob("*.py")])


def test_every_module_has_a_layer() -> None:
    for path in sources():
        assert layer_of(module_name(path)) in MAY_IMPORT, path


def against_the_layout(module: str, source: str, is_package: bool = False) -> list[str]:
    here = layer_of(module)
    return sorted(
        target
        for target in imported(module, source, is_package)
        if layer_of(target) not in MAY_IMPORT[here]
        and (module, target) not in EXCEPTIONS
        and not target.startswith(module + ".")  # a package's own submodules
    )


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path: Path) -> None:
    module = module_name(path)
    against = against_the_layout(module, path.read_text(), path.name == "__init__.py")
    assert not against, f"{module} ({layer_of(module)}) imports against the layout: {against}"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("service.detect.text", "from service.store.index import Index"),
        ("service.store.index", "def f():\n    from service.trace import Tracer"),
        ("service.trace", "from service import core"),
        ("service.errors", "from service.api.observability import current_request_id"),
        ("service.client.importer", "import service.detect.text"),
        ("service.api.articles", "from ..store import index"),
        ("service.api.watches", "from service.alerts.watches import WatchStore"),
        ("service.lineage", "from service.alerts.events import Alerts"),
        ("service.alerts.events", "from service.trace import Provenance"),
    ],
)
def test_a_back_edge_is_caught(module: str, source: str) -> None:
    assert against_the_layout(module, source)


def test_detection_has_no_redis_and_no_flask() -> None:
    for path in ROOT.joinpath("service", "detect").rglob("*.py"):
        tree = ast.parse(path.read_text())
        roots = {
            (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not roots & {"redis", "flask", "werkzeug"}, path
