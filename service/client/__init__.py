"""The Python client of the Provenance API, its CLI commands and the importer: over HTTP only, importing
nothing of the server (tests/test_layout.py keeps it so).

    from service.client import Client
"""

from service.client.client import (
    Article,
    BatchItem,
    BatchResult,
    Client,
    ClientError,
    Derivative,
    Evidence,
    Lineage,
    Match,
    Original,
    Page,
    Passage,
    ProblemError,
    Provenance,
    Signals,
    Submitted,
    Unreachable,
    rfc3339,
)

__all__ = [
    "Article",
    "BatchItem",
    "BatchResult",
    "Client",
    "ClientError",
    "Derivative",
    "Evidence",
    "Lineage",
    "Match",
    "Original",
    "Page",
    "Passage",
    "ProblemError",
    "Provenance",
    "Signals",
    "Submitted",
    "Unreachable",
    "rfc3339",
]
