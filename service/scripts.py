"""Lua scripts, registered once per Redis client. Each touches keys of one partition (one hash tag).

Index entries live in bucket sorted sets (service/keys.py): score = the rest of the fingerprint (20 bits),
member = the article number (plus k * 2^32 for the k-th entry of one article in one bucket, so members
stay distinct); numbers are read back as member % 2^32. An entry keeps at most a given number of articles
(`keep`): past it, an entry shared by that many articles is no evidence, and a hot pair of names must
not grow a bucket without bound.
"""

from __future__ import annotations

# Adds an article, its metadata and all its index entries, or nothing if the id is taken.
# KEYS[1] = the id's bucket hash, KEYS[2] = the record string, KEYS[3] = the meta bucket hash,
# KEYS[4] = the partition's article count, KEYS[5..] = index bucket sorted sets
# ARGV[1] = article id, ARGV[2] = article number, ARGV[3] = content hash, ARGV[4] = record,
# ARGV[5] = meta value, ARGV[6] = lineage value ('' for none), ARGV[7..] = rest, member and keep of the
# entry in KEYS[5..], three values each
# Returns nil when added, else the id's current "<number> <content hash>", or 'taken' when the number
# already has a record (the counter went back: a Redis restored without its last writes, a failover), so
# that the caller takes another number instead of overwriting an article.
ADD_ARTICLE = """
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then
  return existing
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'taken'
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
redis.call('SET', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[2] .. ':l', ARGV[6])
end
redis.call('INCR', KEYS[4])
for i = 5, #KEYS do
  local a = 3 * i - 8
  if redis.call('ZCOUNT', KEYS[i], ARGV[a], ARGV[a]) < tonumber(ARGV[a + 2]) then
    redis.call('ZADD', KEYS[i], ARGV[a], ARGV[a + 1])
  end
end
return false
"""

# Removes an article, its metadata and its index entries, if the id still names the same article.
# KEYS[1] = the id's bucket hash, KEYS[2] = the record string, KEYS[3] = the meta bucket hash,
# KEYS[4] = the partition's article count, KEYS[5..] = index bucket sorted sets holding its entries
# ARGV[1] = article id, ARGV[2] = the "<number> <content hash>" read before, ARGV[3] = article number,
# ARGV[4..] = the member of the entry in KEYS[5..]
# Returns 1 when removed, 0 when the id no longer names that article.
DELETE_ARTICLE = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[3], ARGV[3] .. ':l')
redis.call('DECR', KEYS[4])
for i = 5, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[i - 1])
end
return 1
"""

# Sets (or clears, with '') an article's lineage if the article still exists.
# KEYS[1] = the meta bucket hash; ARGV[1] = article number, ARGV[2] = lineage value or ''
# Returns 1 when set, 0 when the article is gone.
SET_LINEAGE = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1] .. ':l')
else
  redis.call('HSET', KEYS[1], ARGV[1] .. ':l', ARGV[2])
end
return 1
"""

# Swaps an article's record and index entries for those of new fingerprints, if its record is unchanged.
# KEYS[1] = the record string, KEYS[2] = the meta bucket hash, KEYS[3 .. L+2] = bucket sorted sets it
# leaves, KEYS[L+3 ..] = bucket sorted sets it joins (L = ARGV[2])
# ARGV[1] = article number, ARGV[2] = L, how many entries it leaves, ARGV[3] = the record read before,
# ARGV[4] = the new record, ARGV[5] = the new meta value, ARGV[6 .. L+5] = the member it leaves in
# KEYS[3 .. L+2], then rest, member and keep of each entry it joins, three values each
# Returns 1 when swapped, 0 when the record is gone or changed meanwhile.
REINDEX_ARTICLE = """
if redis.call('GET', KEYS[1]) ~= ARGV[3] then
  return 0
end
local leaving = tonumber(ARGV[2])
for i = 3, leaving + 2 do
  redis.call('ZREM', KEYS[i], ARGV[i + 3])
end
for i = leaving + 3, #KEYS do
  local a = leaving + 6 + 3 * (i - leaving - 3)
  if redis.call('ZCOUNT', KEYS[i], ARGV[a], ARGV[a]) < tonumber(ARGV[a + 2]) then
    redis.call('ZADD', KEYS[i], ARGV[a], ARGV[a + 1])
  end
end
redis.call('SET', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
return 1
"""

# Finds index entries: in each bucket sorted set, the article numbers of the entry with the given rest
# (ZRANGEBYSCORE: a scan in Redis's C, not in Lua); of an entry shared by many articles, the earliest
# stored ones.
# KEYS = index bucket sorted sets; ARGV[2i - 1] = the rest sought in KEYS[i], ARGV[2i] = how many numbers
# of that entry at most
# Returns one array of article numbers per key, smallest (earliest stored) first when cut.
LOOKUP = """
local out = {}
for i, key in ipairs(KEYS) do
  local rest = ARGV[2 * i - 1]
  local most = tonumber(ARGV[2 * i])
  local found = redis.call('ZRANGEBYSCORE', key, rest, rest)
  for j, member in ipairs(found) do
    found[j] = tonumber(member) % 4294967296
  end
  if #found > most then
    table.sort(found)
    for j = #found, most + 1, -1 do
      found[j] = nil
    end
  end
  out[i] = found
end
return out
"""

# Reads the metadata (publication time and SimHash) of many articles of one partition.
# KEYS[i] = the meta bucket hash of article i; ARGV[i] = its number
# Returns one value per article, nil where it is gone. One command instead of one HGET per article: the
# shortlist of a query is hundreds of articles, and the client's cost per command dominated.
META = """
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('HGET', key, ARGV[i])
end
return out
"""
