"""Lua scripts of the delivery workers. Each touches keys of one hash tag: a partition's queue keys
({pN}: events, retry, outbox) or a watch's keys ({w<id>}: watch, deliveries, delivery:<event>).

An event waits in its partition's stream until its first attempt is done (the consumer group's pending
list holds it while a worker delivers it, and XAUTOCLAIM hands it to another worker if that one died).
A failed attempt moves it, in one script, from the stream to the outbox and the retry schedule; a retry
is leased (its due time moved past the time a delivery may take) so that one worker delivers it, and a
worker that dies mid-delivery leaves it due again when the lease runs out.
"""

from __future__ import annotations

# The due retries of a partition, leased to the caller.
# KEYS[1] = the retry sorted set, KEYS[2] = the outbox hash
# ARGV[1] = now (epoch seconds), ARGV[2] = the lease's end, ARGV[3] = how many at most
# Returns the state (JSON) of each event leased.
LEASE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(due) do
  local state = redis.call('HGET', KEYS[2], id)
  if state then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    out[#out + 1] = state
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
"""

# Schedules an event's next attempt: from the stream (its first attempt failed) or from a lease.
# KEYS[1] = the event stream, KEYS[2] = the retry sorted set, KEYS[3] = the outbox hash
# ARGV[1] = the consumer group, ARGV[2] = the stream entry id ('' for a retry), ARGV[3] = the event id,
# ARGV[4] = when the next attempt is due, ARGV[5] = the event's state (JSON), ARGV[6] = the lease the
# caller holds ('' from the stream)
# Returns 1 when scheduled, 0 when another worker took the event over meanwhile (and delivers it).
TO_RETRY = """
if ARGV[2] ~= '' then
  if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
    return 0
  end
  redis.call('XDEL', KEYS[1], ARGV[2])
else
  local lease = redis.call('ZSCORE', KEYS[2], ARGV[3])
  if not lease or tonumber(lease) ~= tonumber(ARGV[6]) then
    return 0
  end
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
return 1
"""

# Ends an event: delivered, given up, or dropped (its watch is gone or disabled).
# KEYS as TO_RETRY; ARGV[1] = the consumer group, ARGV[2] = the stream entry id ('' for a retry),
# ARGV[3] = the event id
FINISH = """
if ARGV[2] ~= '' then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
return 1
"""

# Writes an attempt into the watch's delivery log and its failure state; disables a watch that has
# failed since longer than allowed.
# KEYS[1] = the watch hash, KEYS[2] = its deliveries sorted set, KEYS[3] = the event's delivery hash
# ARGV[1] = the event id, ARGV[2] = the event's time (the log's order), ARGV[3] = now, ARGV[4] = '1' when
# delivered, ARGV[5] = how long a watch may fail before it is disabled (seconds), ARGV[6] = how many
# deliveries the log keeps, ARGV[7] = the watch's delivery key prefix, ARGV[8] = why it would be
# disabled, ARGV[9..] = field, value pairs of the delivery hash
# Returns 'gone' (no such watch: nothing written), 'ok', 'failing' or 'disabled' (by this attempt).
RECORD = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'gone'
end
for i = 9, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
local kept, n = tonumber(ARGV[6]), redis.call('ZCARD', KEYS[2])
if n > kept then
  local old = redis.call('ZPOPMIN', KEYS[2], n - kept)
  for i = 1, #old, 2 do
    redis.call('DEL', ARGV[7] .. old[i])
  end
end
if ARGV[4] == '1' then
  redis.call('HDEL', KEYS[1], 'failing_since')
  return 'ok'
end
local since = redis.call('HGET', KEYS[1], 'failing_since')
if not since then
  since = ARGV[3]
  redis.call('HSET', KEYS[1], 'failing_since', since)
end
local failing_for = tonumber(ARGV[3]) - tonumber(since)
if redis.call('HGET', KEYS[1], 'status') == 'active' and failing_for >= tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'status', 'disabled', 'disabled_at', ARGV[3], 'disabled_reason', ARGV[8])
  return 'disabled'
end
return 'failing'
"""
