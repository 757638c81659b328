"""Every Redis key the service uses, and nothing else formats keys.

Layout (`prov` is the configurable prefix, `v1` the layout version):
    prov:v1:{pN}:seq                 counter of article numbers in partition N
    prov:v1:{pN}:ids                 hash: article id -> "<number> <content hash>"
    prov:v1:{pN}:doc:<number>        hash: the article's record (metadata, text, fingerprints, lineage)
    prov:v1:{pN}:sh:<block>:<value>  set of article numbers whose SimHash has this 16-bit block value
    prov:v1:{pN}:ps:<hash>           set of article numbers with this passage fingerprint
    prov:v1:{pN}:an:<hash>           set of article numbers with this pair of rare anchor words
    prov:v1:{pN}:qt:<hash>           set of article numbers quoting this speech
    prov:v1:{pN}:drv:<id>            set of ids of the stored articles whose root original is <id>
    prov:v1:fpc:<algorithm>:<sha>    fingerprints of a text, cached by content hash and algorithm
An article lives wholly in one partition (chosen from its id), so writing or deleting it touches keys of
one hash tag `{pN}`: one Lua script does it atomically, on a single Redis or on one Redis Cluster slot.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

LAYOUT_VERSION = "v1"


@dataclass(frozen=True)
class Keys:
    prefix: str = "prov"
    partitions: int = 1

    @property
    def root(self) -> str:
        return f"{self.prefix}:{LAYOUT_VERSION}"

    def partition_of(self, article_id: str) -> int:
        return zlib.crc32(article_id.encode("utf-8")) % self.partitions

    def _tagged(self, partition: int) -> str:
        return f"{self.root}:{{p{partition}}}"

    def seq(self, partition: int) -> str:
        return f"{self._tagged(partition)}:seq"

    def ids(self, partition: int) -> str:
        return f"{self._tagged(partition)}:ids"

    def doc(self, partition: int, number: int) -> str:
        return f"{self._tagged(partition)}:doc:{number}"

    def simhash_block(self, partition: int, block: int, value: int) -> str:
        return f"{self._tagged(partition)}:sh:{block}:{value:04x}"

    def passage(self, partition: int, value: int) -> str:
        return f"{self._tagged(partition)}:ps:{value:012x}"

    def anchor(self, partition: int, value: int) -> str:
        return f"{self._tagged(partition)}:an:{value:012x}"

    def quote(self, partition: int, value: int) -> str:
        return f"{self._tagged(partition)}:qt:{value:012x}"

    def derivatives(self, original_id: str) -> str:
        return f"{self._tagged(self.partition_of(original_id))}:drv:{original_id}"

    def fingerprint_cache(self, algorithm: str, content_sha: str) -> str:
        return f"{self.root}:fpc:{algorithm}:{content_sha}"

    def pattern(self) -> str:
        """Glob of every key of this prefix: for tests and maintenance tools, never a request path."""
        return f"{self.root}:*"
