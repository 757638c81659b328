"""Lua scripts, registered once per Redis client. Each touches keys of one partition (one hash tag).

Index entries live in bucket sorted sets (service/store/keys.py): score = the rest of the fingerprint (20
bits), member = 5 bytes, the article number (4, big endian) then the slot (1: which of the article's entries
in that bucket it is, so members stay distinct). Members of one score sort as bytes, hence by article
number: the earliest stored articles of an entry are the first ones `ZRANGEBYSCORE … LIMIT 0 n` returns,
read in Redis's C however many the entry holds (layout v3 stored slot * 2^32 + number as decimal text,
which sorts by neither, so every member of an entry was read and sorted in Lua). An entry keeps at most
a given number of articles (`keep`): past it, an entry shared by that many articles is no evidence, and a
hot pair of names must not grow a bucket without bound.

ADD_ARTICLE and LOOKUP take all of a text's entries in one argument (service/store/index.py `packed_entries`),
10 bytes each, big endian: the view (1 byte: 1 SimHash block, 2 passage, 3 anchor pair, 4 quote), the
bucket (4), the rest (4) and the slot (1, which of the text's entries in that bucket it is). A bucket's key
is the partition's bucket key prefix, the view's code (h, p, a, q) and the bucket in hexadecimal, as
service/store/keys.py `entries` writes it; the bucket keys are not declared in KEYS but share the hash tag of
the keys that are, so the script runs on one Redis Cluster slot. View 5 is the term view (a content word of
the text, service/detect/terms.py).

Document frequencies (how many of a partition's articles hold a term) are kept in hashes of 4,096 buckets per
partition: a term's 36-bit hash names its bucket (its first 12 bits) and its field (3 bytes, the rest), and
the scripts take terms as DF_ENTRY, 5 bytes each: the bucket (2, big endian) then the field.
"""

from __future__ import annotations

# Adds an article, its metadata and all its index entries, or nothing if the id is taken.
# KEYS[1] = the id's bucket hash, KEYS[2] = the record string, KEYS[3] = the meta bucket hash,
# KEYS[4] = the partition's article count, KEYS[5] = its publication bound, KEYS[6] = the bound being
# computed (service/store/index.py `bound_publications`)
# ARGV[1] = article id, ARGV[2] = article number, ARGV[3] = content hash, ARGV[4] = record,
# ARGV[5] = meta value, ARGV[6] = lineage value ('' for none), ARGV[7] = the partition's bucket key prefix,
# ARGV[8] = the entries (as the module's docstring says), ARGV[9..13] = how many articles an entry of
# views 1..5 keeps, ARGV[14] = the partition's document-frequency key prefix, ARGV[15] = the terms whose
# document frequency the article raises (DF_ENTRY each)
# Copy alerts (service/alerts/): KEYS[7] = the partition's event stream, ARGV[16..] = the events the article
# triggers, four values each (event id, watch id, epoch seconds, JSON payload), appended to the stream
# with the article, so an event is queued exactly when its article is stored.
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
local count = redis.call('INCR', KEYS[4])
-- The publication bound: no stored article was published after it. The partition's only article sets it;
-- every add raises it (and the one being computed) while it exists. Deletes leave it: still a bound.
local published = struct.unpack('>d', ARGV[5])
local bounds = redis.call('MGET', KEYS[5], KEYS[6])
for i = 1, 2 do
  local bound = bounds[i]
  if (i == 1 and count == 1) or (bound and struct.unpack('>d', bound) < published) then
    redis.call('SET', KEYS[4 + i], string.sub(ARGV[5], 1, 8))
  end
end
local codes = {'h', 'p', 'a', 'q', 'w'}
local number = tonumber(ARGV[2])
local prefix, packed = ARGV[7], ARGV[8]
for pos = 1, #packed, 10 do
  local view, bucket, rest, slot = struct.unpack('>BI4I4B', packed, pos)
  local key = prefix .. codes[view] .. string.format('%x', bucket)
  local keep = tonumber(ARGV[8 + view])
  -- A bucket holding fewer members than the entry keeps cannot hold that many of the entry: ZCARD is
  -- O(1), ZCOUNT a scan of the bucket.
  if redis.call('ZCARD', key) < keep or redis.call('ZCOUNT', key, rest, rest) < keep then
    redis.call('ZADD', key, rest, struct.pack('>I4B', number, slot))
  end
end
local df_prefix, terms = ARGV[14], ARGV[15]
for pos = 1, #terms, 5 do
  local bucket, field = struct.unpack('>I2c3', terms, pos)
  redis.call('HINCRBY', df_prefix .. string.format('%x', bucket), field, 1)
end
for i = 16, #ARGV, 4 do
  redis.call('XADD', KEYS[7], '*', 'id', ARGV[i], 'watch', ARGV[i + 1], 'at', ARGV[i + 2],
    'payload', ARGV[i + 3])
end
return false
"""

# Removes an article, its metadata and its index entries, if the id still names the same article.
# KEYS[1] = the id's bucket hash, KEYS[2] = the record string, KEYS[3] = the meta bucket hash,
# KEYS[4] = the partition's article count, KEYS[5..] = index bucket sorted sets holding its entries
# ARGV[1] = article id, ARGV[2] = the "<number> <content hash>" read before, ARGV[3] = article number,
# ARGV[4] = the partition's document-frequency key prefix, ARGV[5] = the terms whose document frequency the
# article raised (DF_ENTRY each), ARGV[6..] = the member of the entry in KEYS[5..]
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
  redis.call('ZREM', KEYS[i], ARGV[i + 1])
end
local df_prefix, terms = ARGV[4], ARGV[5]
for pos = 1, #terms, 5 do
  local bucket, field = struct.unpack('>I2c3', terms, pos)
  local key = df_prefix .. string.format('%x', bucket)
  if redis.call('HINCRBY', key, field, -1) <= 0 then
    redis.call('HDEL', key, field)
  end
end
return 1
"""

# The document frequencies of terms in a partition, and how many articles it holds.
# KEYS[1] = the partition's article count; ARGV[1] = its document-frequency key prefix, ARGV[2] = the terms
# (DF_ENTRY each). Returns {article count, the frequencies as 4 bytes each, big endian, in order}.
DF_READ = """
local df_prefix, terms = ARGV[1], ARGV[2]
local out = {}
for pos = 1, #terms, 5 do
  local bucket, field = struct.unpack('>I2c3', terms, pos)
  local n = redis.call('HGET', df_prefix .. string.format('%x', bucket), field)
  out[#out + 1] = struct.pack('>I4', tonumber(n or 0))
end
return {tonumber(redis.call('GET', KEYS[1]) or 0), table.concat(out)}
"""

# Sets (or clears, with '') an article's lineage if the article still exists.
# KEYS[1] = the meta bucket hash; ARGV[1] = article number, ARGV[2] = lineage value or ''
# Copy alerts: KEYS[2] = the partition's event stream, ARGV[3..] = events, as ADD_ARTICLE takes them.
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
for i = 3, #ARGV, 4 do
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[i], 'watch', ARGV[i + 1], 'at', ARGV[i + 2],
    'payload', ARGV[i + 3])
end
return 1
"""

# Sets a partition's publication bound to the largest of the one computed (ARGV[1]), the one every add
# raised meanwhile, and the bound itself if another computation set it first (a bound is only ever
# raised), and ends the computation. KEYS[1] = the bound being computed, KEYS[2] = the bound.
SET_BOUND = """
local bound = ARGV[1]
for k = 1, 2 do
  local other = redis.call('GET', KEYS[k])
  if other and struct.unpack('>d', other) > struct.unpack('>d', bound) then
    bound = other
  end
end
redis.call('SET', KEYS[2], bound)
redis.call('DEL', KEYS[1])
return 1
"""

# Swaps an article's record and index entries for those of new fingerprints, if its record is unchanged.
# KEYS[1] = the record string, KEYS[2] = the meta bucket hash, KEYS[3 .. L+2] = bucket sorted sets it
# leaves, KEYS[L+3 ..] = bucket sorted sets it joins (L = ARGV[2])
# ARGV[1] = article number, ARGV[2] = L, how many entries it leaves, ARGV[3] = the record read before,
# ARGV[4] = the new record, ARGV[5] = the new meta value, ARGV[6] = the partition's document-frequency key
# prefix, ARGV[7] and ARGV[8] = the terms whose document frequency it lowers and raises (DF_ENTRY each),
# ARGV[9 .. L+8] = the member it leaves in KEYS[3 .. L+2], then rest, member and keep of each entry it
# joins, three values each
# Returns 1 when swapped, 0 when the record is gone or changed meanwhile.
REINDEX_ARTICLE = """
if redis.call('GET', KEYS[1]) ~= ARGV[3] then
  return 0
end
local leaving = tonumber(ARGV[2])
for i = 3, leaving + 2 do
  redis.call('ZREM', KEYS[i], ARGV[i + 6])
end
for i = leaving + 3, #KEYS do
  local a = leaving + 9 + 3 * (i - leaving - 3)
  local keep = tonumber(ARGV[a + 2])
  if redis.call('ZCARD', KEYS[i]) < keep or redis.call('ZCOUNT', KEYS[i], ARGV[a], ARGV[a]) < keep then
    redis.call('ZADD', KEYS[i], ARGV[a], ARGV[a + 1])
  end
end
redis.call('SET', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[5])
for k = 7, 8 do
  local by = (k == 7) and -1 or 1
  for pos = 1, #ARGV[k], 5 do
    local bucket, field = struct.unpack('>I2c3', ARGV[k], pos)
    local key = ARGV[6] .. string.format('%x', bucket)
    if redis.call('HINCRBY', key, field, by) <= 0 then
      redis.call('HDEL', key, field)
    end
  end
end
return 1
"""

# Finds the articles sharing index entries with a text, best first, with their metadata. In each bucket sorted
# set, the article numbers of the entry with the given rest (ZRANGEBYSCORE: a scan in Redis's C, not in Lua);
# of an entry shared by many articles, the earliest stored ones, and only those are read (LIMIT). Per article,
# how many entries of each view it shares, and its evidence (the weighted sum of its shares of views 2..5).
# The ranking is the one of service/trace.py: a SimHash within the near distance first (decided from the
# meta value of every article sharing a SimHash block: its publication time and SimHash), then the most
# evidence, then the earliest stored; articles neither near nor of enough evidence are left out. Rows are then
# taken in that order, reading each one's meta value, until two quotas are full: articles published at or
# before the cutoff, and articles published after it. So a query reads the metadata of the few articles it may
# verify, not of every article sharing a pair of names with it: its cost is its entries' buckets, not the
# index. A passage entry found in more than ARGV[3] articles is counted as view 6, a stock phrase, not view 2,
# and yields its ARGV[10] earliest stored articles at most: the articles of stock phrases grow with the index
# (at 180k synthetic articles they were 64% of what a lookup counted), and are the weakest evidence.
# KEYS[1] = the partition's article count (not read: it names the partition's slot), KEYS[2] = its
# publication bound (absent: unknown). When no stored article was published after the cutoff, none can
# fill the second quota, and rows are taken until the first is full: an ingest in publication order
# otherwise read the metadata of every ranked article (97 HGETs against 16 at 10,000 articles; more as
# the index grows) to find none published after it.
# ARGV[1] = the quota of articles published at or before the cutoff, ARGV[2] = the partition's meta key
# prefix (the meta key of article n is the prefix followed by n // 64 in hexadecimal), ARGV[3] = the most
# articles of a passage entry that is not a stock phrase, ARGV[4..9] = the evidence weights of views 1..6
# (SimHash block, passage, anchor pair, quote, term, stock phrase), ARGV[10] = how many articles a stock
# phrase yields at most, ARGV[11] = the cutoff (epoch seconds), ARGV[12] = the quota of articles published
# after it, ARGV[13] = the near distance in bits (-1: none is near), ARGV[14], ARGV[15] = the high and low
# 32 bits of the text's SimHash, ARGV[16] = the least evidence of an article not near, ARGV[17] = the
# partition's record key prefix, ARGV[18] = how many passages spare an article the word-signature check,
# ARGV[19] = the bytes of a record's head to read for its signature, ARGV[20] = the partition's bucket key
# prefix, ARGV[21] = the text's entries (the slot is not read), ARGV[22..26] = how many articles an entry of
# views 1..5 yields at most
# Returns {number, shared of view 1, 2, 3, 4, 5, 6, meta value, record head or false} for each article
# taken, best first, then a string: how many articles each of the text's passage entries was read in
# (bucket 4 bytes, rest 4, count 2, up to the most read: its boilerplate, service/trace.py). The record
# head (its word signature, service/detect/align.py) is read for the articles
# the tracer would check by signature (not near, no quote, fewer than ARGV[18] passages), so that the check
# costs no round trip of its own.
LOOKUP = """
local before_quota = tonumber(ARGV[1])
local prefix = ARGV[2]
local stock = tonumber(ARGV[3])
local weights = {}
for v = 1, 6 do
  weights[v] = tonumber(ARGV[3 + v])
end
local stock_cap = tonumber(ARGV[10])
local cutoff = tonumber(ARGV[11])
local after_quota = tonumber(ARGV[12])
local bound = redis.call('GET', KEYS[2])
if bound and struct.unpack('>d', bound) <= cutoff then
  after_quota = 0
end
local near_bits = tonumber(ARGV[13])
local text_high, text_low = tonumber(ARGV[14]), tonumber(ARGV[15])
local least = tonumber(ARGV[16])
local doc_prefix = ARGV[17]
local sure_passages = tonumber(ARGV[18])
local head = tonumber(ARGV[19]) - 1
local codes = {'h', 'p', 'a', 'q', 'w'}
local bucket_prefix, packed = ARGV[20], ARGV[21]
local shared, seen, passage_counts = {}, {}, {}
for pos = 1, #packed, 10 do
  local view, bucket, rest = struct.unpack('>BI4I4', packed, pos)
  local cap = tonumber(ARGV[21 + view])
  local key = bucket_prefix .. codes[view] .. string.format('%x', bucket)
  -- The earliest stored first (members sort by article number): the entry's cap; for a passage, stock + 1
  -- to tell a stock phrase, and no more than a stock phrase yields (an entry of at most `stock` articles
  -- is read whole): reading up to the cap (500) of a phrase that yields 32 made a lookup's cost grow
  -- with the index.
  local most = cap
  if view == 2 then
    most = math.max(stock + 1, math.min(cap, stock_cap))
  end
  local found = redis.call('ZRANGEBYSCORE', key, rest, rest, 'LIMIT', 0, most)
  if view == 2 then
    passage_counts[#passage_counts + 1] = struct.pack('>I4I4I2', bucket, rest, math.min(#found, 65535))
  end
  if view == 2 and #found > stock then
    view = 6
    cap = math.min(cap, stock_cap)
  end
  for j = 1, math.min(#found, cap) do
    local n = struct.unpack('>I4', found[j])
    local counts = shared[n]
    if not counts then
      counts = {0, 0, 0, 0, 0, 0, 0}
      shared[n] = counts
      seen[#seen + 1] = n
    end
    counts[view] = counts[view] + 1
    counts[7] = counts[7] + weights[view]
  end
end
local function meta_of(n)
  return redis.call('HGET', prefix .. string.format('%x', math.floor(n / 64)), string.format('%d', n))
end
local function bits(x)
  local count = 0
  while x ~= 0 do
    x = bit.band(x, x - 1)
    count = count + 1
  end
  return count
end
-- One number per article, sorted without a comparator: near first, then evidence, then the earliest stored.
local metas, order = {}, {}
for _, n in ipairs(seen) do
  local counts = shared[n]
  local near = 0
  if counts[1] > 0 and near_bits >= 0 then
    local meta = meta_of(n)
    metas[n] = meta
    if meta then
      local _, high, low = struct.unpack('>dI4I4', meta)
      if bits(bit.bxor(high, text_high)) + bits(bit.bxor(low, text_low)) <= near_bits then
        near = 1
      end
    end
  end
  if near == 1 or counts[7] >= least then
    order[#order + 1] = n - (near * 1048576 + counts[7]) * 4294967296
    counts[8] = near
  end
end
table.sort(order)
local out, before, after = {}, 0, 0
for _, key in ipairs(order) do
  if before >= before_quota and after >= after_quota then
    break
  end
  local n = key % 4294967296
  local meta = metas[n]
  if meta == nil then
    meta = meta_of(n)
  end
  if meta then
    local published = struct.unpack('>d', meta)
    local take = false
    if published <= cutoff then
      if before < before_quota then
        before = before + 1
        take = true
      end
    elseif after < after_quota then
      after = after + 1
      take = true
    end
    if take then
      local counts = shared[n]
      local row = {n, counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], meta, false}
      if counts[8] == 0 and counts[4] == 0 and counts[2] < sure_passages then
        row[9] = redis.call('GETRANGE', doc_prefix .. string.format('%d', n), 0, head)
      end
      out[#out + 1] = row
    end
  end
end
out[#out + 1] = table.concat(passage_counts)
return out
"""
