"""Lua scripts, registered once per Redis client. Each touches keys of one partition (one hash tag)."""

from __future__ import annotations

# Adds an article and all its index entries, or nothing if the id is taken.
# KEYS[1] = ids hash of the partition (id -> "<number> <content hash>")
# KEYS[2] = the article's record hash (doc:<number>)
# KEYS[3..] = index sets the article joins (SimHash blocks, passages)
# ARGV[1] = article id, ARGV[2] = article number, ARGV[3] = content hash,
# ARGV[4..] = record field, value, field, value, ...
# Returns nil when added, else the id's current "<number> <content hash>".
ADD_ARTICLE = """
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return existing
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
redis.call('HSET', KEYS[2], unpack(ARGV, 4, #ARGV))
for i = 3, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[2])
end
return false
"""

# Removes an article and its index entries, if the id still names the same article.
# KEYS[1] = ids hash of the partition, KEYS[2] = the article's record hash, KEYS[3..] = its index sets
# ARGV[1] = article id, ARGV[2] = the "<number> <content hash>" read before, ARGV[3] = article number
# Returns 1 when removed, 0 when the id no longer names that article.
DELETE_ARTICLE = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
for i = 3, #KEYS do
  redis.call('SREM', KEYS[i], ARGV[3])
end
return 1
"""

# Sets lineage fields of an article's record if it still exists.
# KEYS[1] = the article's record hash; ARGV = field, value, field, value, ...
# Returns 1 when set, 0 when the record is gone.
SET_LINEAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""

# Swaps an article's index entries for those of new fingerprints, if its fingerprints are still the old.
# KEYS[1] = the article's record hash, KEYS[2 .. ARGV[2]+1] = index sets it leaves,
# KEYS[ARGV[2]+2 ..] = index sets it joins
# ARGV[1] = article number, ARGV[2] = how many sets it leaves, ARGV[3] = the packed fingerprints read
# before, ARGV[4] = new packed fingerprints, ARGV[5] = algorithm name, ARGV[6] = new SimHash (hex)
# Returns 1 when swapped, 0 when the record is gone or changed meanwhile.
REINDEX_ARTICLE = """
if redis.call('HGET', KEYS[1], 'fps') ~= ARGV[3] then
  return 0
end
local leaving = tonumber(ARGV[2])
for i = 2, leaving + 1 do
  redis.call('SREM', KEYS[i], ARGV[1])
end
for i = leaving + 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
end
redis.call('HSET', KEYS[1], 'fps', ARGV[4], 'algo', ARGV[5], 'fingerprint', ARGV[6])
return 1
"""
