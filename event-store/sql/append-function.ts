// Group commit in one round trip: `ledger_append(requests, recorded_at)` does in the database what an
// append needs under the ledger_head row lock — check each request's expected revision and txIds, chain
// the hashes, assign positions, write the events and the head — so the lock is held for one statement
// and its commit instead of four client round trips. A stream's head (revision and last hash) is its
// last event, found through the (stream_id, revision) index: keeping it in a table of its own cost an
// upsert per event, which measured 40 % of the function's CPU (docs/architecture.md).
//
// requests: [{ streamId, expected: 'any'|'no_stream'|'stream_exists'|'<revision>',
//              events: [{ eventId, type, canonical (canonical JSON of data), metadata }] }]
// Returns { recordedAt, outcomes: ['ok <firstPosition> <firstRevision> <prevHash> <hash>…'
//          | { ok: false, reason: 'wrong_expected_revision', actual }
//          | { ok: false, reason: 'duplicate_tx', txId, existingStreamId }] }.
// An accepted request's outcome is one line of numbers and hex digits rather than a JSON object: built
// for every event of every append, the object was a tenth of the function's CPU.
// The hash is sha256(prevHash \n revision \n type \n canonicalJson(data)) over UTF-8, exactly as
// ledger-core's eventHash; the canonical text comes from ledger-core's canonicalJson, and data is stored
// as that text parsed to jsonb.

export const appendFunctionSql = `
CREATE OR REPLACE FUNCTION ledger_append(requests jsonb, recorded_at_text text) RETURNS jsonb
LANGUAGE plpgsql AS $function$
DECLARE
  head_position bigint;
  head_recorded_at timestamptz;
  at timestamptz;
  at_text text;
  request jsonb;
  event jsonb;
  expected text;
  stream text;
  current_revision integer;
  previous_hash text;
  first_hash text;
  new_hash text;
  tx text;
  taken_stream text;
  taken_tx text;
  first_position bigint;
  hashes text;
  outcomes jsonb := '[]'::jsonb;
BEGIN
  SELECT position, recorded_at INTO head_position, head_recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN RAISE EXCEPTION 'ledger_head is missing: run the event store migration'; END IF;
  at := recorded_at_text::timestamptz;
  at_text := recorded_at_text;
  IF head_recorded_at IS NOT NULL AND head_recorded_at > at THEN
    at := head_recorded_at;
    at_text := to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  END IF;

  -- The common case, one event per request on distinct streams with distinct txIds (what the command
  -- handler sends), set-based: no request can depend on another, so one statement decides and writes all.
  -- It runs after the lock above, so its snapshot sees every append committed before ours.
  IF (SELECT bool_and(jsonb_array_length(value->'events') = 1)
             AND count(DISTINCT value->>'streamId') = count(*)
             AND count(DISTINCT value->'events'->0->'metadata'->>'txId') = count(value->'events'->0->'metadata'->>'txId')
        FROM jsonb_array_elements(requests)) THEN
    WITH incoming AS (
      SELECT r.ordinality AS i, r.value->>'streamId' AS stream_id, r.value->>'expected' AS wanted,
             r.value->'events'->0 AS ev
        FROM jsonb_array_elements(requests) WITH ORDINALITY AS r
    ), looked_up AS (
      SELECT incoming.*, coalesce(s.revision, -1) AS cur_rev, coalesce(s.last_hash, repeat('0', 64)) AS prev_hash,
             (SELECT e.stream_id FROM ledger_events e WHERE e.tx_id = incoming.ev->'metadata'->>'txId') AS taken_by
        FROM incoming LEFT JOIN LATERAL (
               SELECT e.revision, e.metadata->>'hash' AS last_hash FROM ledger_events e
                WHERE e.stream_id = incoming.stream_id ORDER BY e.revision DESC LIMIT 1
             ) s ON true
    ), verdict AS (
      SELECT looked_up.*,
             CASE WHEN NOT (wanted = 'any'
                         OR (wanted = 'no_stream' AND cur_rev = -1)
                         OR (wanted = 'stream_exists' AND cur_rev >= 0)
                         OR (wanted ~ '^[0-9]+$' AND cur_rev = wanted::integer)) THEN 'wrong_expected_revision'
                  WHEN taken_by IS NOT NULL THEN 'duplicate_tx'
                  ELSE 'ok' END AS result
        FROM looked_up
    ), accepted AS (
      SELECT verdict.i, verdict.stream_id, verdict.ev, verdict.cur_rev, verdict.prev_hash,
             head_position + row_number() OVER (ORDER BY verdict.i) AS new_position,
             encode(sha256(convert_to(verdict.prev_hash || E'\\n' || (verdict.cur_rev + 1)::text || E'\\n'
               || (verdict.ev->>'type') || E'\\n' || (verdict.ev->>'canonical'), 'UTF8')), 'hex') AS hash
        FROM verdict WHERE verdict.result = 'ok'
    ), written_events AS (
      INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at)
      SELECT a.new_position, (a.ev->>'eventId')::uuid, a.stream_id, a.cur_rev + 1, a.ev->>'type',
             (a.ev->>'canonical')::jsonb,
             (a.ev->'metadata') || jsonb_build_object('recordedAt', at_text, 'prevHash', a.prev_hash, 'hash', a.hash),
             a.ev->'metadata'->>'txId', at
        FROM accepted a
      RETURNING 1
    ), written_head AS (
      UPDATE ledger_head SET position = head_position + (SELECT count(*) FROM accepted), recorded_at = at WHERE id = 1
      RETURNING 1
    )
    SELECT jsonb_build_object('recordedAt', at_text, 'outcomes', jsonb_agg(
             CASE v.result
               WHEN 'ok' THEN to_jsonb(concat_ws(' ', 'ok', a.new_position, v.cur_rev + 1, v.prev_hash, a.hash))
               WHEN 'wrong_expected_revision' THEN jsonb_build_object('ok', false, 'reason', 'wrong_expected_revision',
                 'actual', v.cur_rev)
               ELSE jsonb_build_object('ok', false, 'reason', 'duplicate_tx',
                 'txId', v.ev->'metadata'->>'txId', 'existingStreamId', v.taken_by)
             END ORDER BY v.i))
      INTO outcomes
      FROM verdict v LEFT JOIN accepted a ON a.i = v.i;
    RETURN outcomes;
  END IF;

  -- Otherwise request by request, so later requests see what earlier ones wrote.

  FOR request IN SELECT value FROM jsonb_array_elements(requests) LOOP
    stream := request->>'streamId';
    expected := request->>'expected';
    SELECT e.revision, e.metadata->>'hash' INTO current_revision, previous_hash
      FROM ledger_events e WHERE e.stream_id = stream ORDER BY e.revision DESC LIMIT 1;
    IF NOT FOUND THEN
      current_revision := -1;
      previous_hash := repeat('0', 64);
    END IF;
    IF NOT (expected = 'any'
         OR (expected = 'no_stream' AND current_revision = -1)
         OR (expected = 'stream_exists' AND current_revision >= 0)
         OR (expected ~ '^[0-9]+$' AND current_revision = expected::integer)) THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object(
        'ok', false, 'reason', 'wrong_expected_revision', 'actual', current_revision));
      CONTINUE;
    END IF;

    -- A txId already in the ledger (including earlier requests of this batch, written above), or twice
    -- in this request.
    SELECT e.tx_id, e.stream_id INTO taken_tx, taken_stream
      FROM ledger_events e
     WHERE e.tx_id IN (SELECT value->'metadata'->>'txId' FROM jsonb_array_elements(request->'events'))
     LIMIT 1;
    IF NOT FOUND THEN
      SELECT value->'metadata'->>'txId', stream INTO taken_tx, taken_stream
        FROM jsonb_array_elements(request->'events')
       WHERE value->'metadata'->>'txId' IS NOT NULL
       GROUP BY 1 HAVING count(*) > 1
       LIMIT 1;
    END IF;
    IF taken_tx IS NOT NULL THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object(
        'ok', false, 'reason', 'duplicate_tx', 'txId', taken_tx, 'existingStreamId', taken_stream));
      taken_tx := NULL;
      CONTINUE;
    END IF;

    first_position := head_position + 1;
    first_hash := previous_hash;
    hashes := NULL;
    FOR event IN SELECT value FROM jsonb_array_elements(request->'events') LOOP
      current_revision := current_revision + 1;
      head_position := head_position + 1;
      new_hash := encode(sha256(convert_to(
        previous_hash || E'\\n' || current_revision::text || E'\\n' || (event->>'type') || E'\\n' || (event->>'canonical'),
        'UTF8')), 'hex');
      tx := event->'metadata'->>'txId';
      INSERT INTO ledger_events (position, event_id, stream_id, revision, type, data, metadata, tx_id, recorded_at)
      VALUES (head_position, (event->>'eventId')::uuid, stream, current_revision, event->>'type',
              (event->>'canonical')::jsonb,
              (event->'metadata') || jsonb_build_object('recordedAt', at_text, 'prevHash', previous_hash, 'hash', new_hash),
              tx, at);
      hashes := concat_ws(' ', hashes, new_hash);
      previous_hash := new_hash;
    END LOOP;
    outcomes := outcomes || jsonb_build_array(concat_ws(' ', 'ok', first_position,
      current_revision - jsonb_array_length(request->'events') + 1, first_hash, hashes));
  END LOOP;

  UPDATE ledger_head SET position = head_position, recorded_at = at WHERE id = 1;
  RETURN jsonb_build_object('recordedAt', at_text, 'outcomes', outcomes);
END
$function$
`;
