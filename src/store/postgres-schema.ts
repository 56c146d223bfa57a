/**
 * The PostgreSQL layout (`agent-audit migrate`): one table in the classic audit-log shape — `id`,
 * `ts timestamptz`, `session_id`, `user_id`, `log_type`, `data jsonb` — plus the envelope columns,
 * indexed on session, user, time and type, and the hot fields of `data` (tool, model, tokens, cost,
 * error type) as generated columns that stats and session lists group by. Append-only in the database too: a trigger rejects
 * UPDATE and DELETE unless they come from the erasure and retention functions, which record
 * themselves in a maintenance log. `--roles` adds a writer role (INSERT only), a reader role
 * (SELECT only) and an admin role (may run erasure and retention).
 *
 * Erasure is a signed fact here too: `<t>_erasures` (append-only) holds the signed erasure records
 * (erasure-records.ts) that `agent-audit erase` computes and signs outside the database, and
 * `<t>_erase_signed` tombstones exactly the rows they name, in the transaction that read them. The
 * older `<t>_erase_user` / `<t>_erase_traces` still work for a DBA, but nothing signs what they do:
 * `agent-audit verify postgres://…` reports their tombstones as `forged_erasure`.
 */
import type { PgPoolClientLike, PgPoolLike } from "./pg-pool-like.js";
import { hotFieldsSql } from "./postgres-hot-fields.js";

export const DEFAULT_TABLE = "agent_audit_events";

export function checkTableName(table: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(table)) throw new Error(`table "${table}" must be a lower-case SQL identifier (letters, digits, _), up to 41 characters`);
  return table;
}

export const COLUMNS = [
  "id", "ts", "seq", "chain_id", "session_id", "user_id", "log_type", "level", "trace_id", "run_id", "parent_run_id", "name", "tags",
  "metadata", "data", "duration_ms", "status", "redactions", "truncated", "salt", "content_hash", "prev_hash", "hash", "enc", "erased", "schema_version",
] as const;

export function schemaSql(t: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${t} (
  id uuid PRIMARY KEY,
  ts timestamptz NOT NULL,
  seq bigint NOT NULL,
  chain_id uuid NOT NULL,
  session_id text,
  user_id text,
  log_type text NOT NULL,
  level text NOT NULL,
  trace_id text,
  run_id text,
  parent_run_id text,
  name text,
  tags text[],
  metadata jsonb,
  data jsonb NOT NULL,
  duration_ms double precision,
  status text,
  redactions jsonb,
  salt text,
  content_hash text,
  prev_hash text,
  hash text,
  enc text,
  erased jsonb,
  schema_version text NOT NULL,
  inserted_at timestamptz NOT NULL DEFAULT now()
);
-- Added after the first release: the envelope hash covers it, so verify needs it back as written.
ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS truncated text[];
-- Added for scale: hot fields extracted from data (postgres-hot-fields.ts).
${hotFieldsSql(t)}CREATE INDEX IF NOT EXISTS ${t}_session_idx ON ${t} (session_id, ts);
CREATE INDEX IF NOT EXISTS ${t}_user_idx ON ${t} (user_id, ts);
CREATE INDEX IF NOT EXISTS ${t}_ts_idx ON ${t} (ts);
CREATE INDEX IF NOT EXISTS ${t}_type_idx ON ${t} (log_type, ts);
CREATE INDEX IF NOT EXISTS ${t}_trace_idx ON ${t} (trace_id);
-- verify reads each chain in seq order, a page at a time.
CREATE INDEX IF NOT EXISTS ${t}_chain_idx ON ${t} (chain_id, seq, id);

CREATE TABLE IF NOT EXISTS ${t}_maintenance (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  detail jsonb NOT NULL
);

-- Signed erasure records, one per chain per erasure: {type, chain_id, events: [{seq, content_hash}], at, by, reason, key_id, sig}.
CREATE TABLE IF NOT EXISTS ${t}_erasures (
  id bigserial PRIMARY KEY,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  chain_id uuid NOT NULL,
  record jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS ${t}_erasures_chain_idx ON ${t}_erasures (chain_id, id);

CREATE OR REPLACE FUNCTION ${t}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('agent_audit.maintenance', true) IS DISTINCT FROM 'on' THEN
    RAISE EXCEPTION 'agent-audit-trail: % on % is not allowed (append-only); use ${t}_erase_user / ${t}_purge', TG_OP, TG_TABLE_NAME;
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
DROP TRIGGER IF EXISTS ${t}_append_only ON ${t};
CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${t}_append_only();
DROP TRIGGER IF EXISTS ${t}_maintenance_append_only ON ${t}_maintenance;
CREATE TRIGGER ${t}_maintenance_append_only BEFORE UPDATE OR DELETE ON ${t}_maintenance FOR EACH ROW EXECUTE FUNCTION ${t}_append_only();
DROP TRIGGER IF EXISTS ${t}_erasures_append_only ON ${t}_erasures;
CREATE TRIGGER ${t}_erasures_append_only BEFORE UPDATE OR DELETE ON ${t}_erasures FOR EACH ROW EXECUTE FUNCTION ${t}_append_only();

-- Right to erasure, unsigned (for DBAs): content columns replaced by a tombstone; the hash chain
-- columns stay. Nothing signs it, so verify reports these tombstones as forged_erasure.
CREATE OR REPLACE FUNCTION ${t}_erase(p_where text, p_value text[], p_actor text, p_reason text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE n integer;
BEGIN
  PERFORM set_config('agent_audit.maintenance', 'on', true);
  EXECUTE format('UPDATE ${t} SET session_id = NULL, user_id = NULL, name = NULL, tags = NULL, metadata = NULL, data = ''{}'', salt = NULL, enc = NULL,
      erased = jsonb_build_object(''at'', to_char(now() AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.MS"Z"''), ''by'', $1, ''reason'', $2)
    WHERE %I = ANY($3) AND erased IS NULL', p_where) USING p_actor, p_reason, p_value;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO ${t}_maintenance (actor, action, detail) VALUES (p_actor, 'erase', jsonb_build_object('by', p_where, 'count', n, 'reason', p_reason));
  PERFORM set_config('agent_audit.maintenance', 'off', true);
  RETURN n;
END $$;
CREATE OR REPLACE FUNCTION ${t}_erase_user(p_user text, p_actor text, p_reason text) RETURNS integer
LANGUAGE sql SECURITY DEFINER AS $$ SELECT ${t}_erase('user_id', ARRAY[p_user], p_actor, p_reason) $$;
CREATE OR REPLACE FUNCTION ${t}_erase_traces(p_traces text[], p_actor text, p_reason text) RETURNS integer
LANGUAGE sql SECURITY DEFINER AS $$ SELECT ${t}_erase('trace_id', p_traces, p_actor, p_reason) $$;

-- Right to erasure, signed: tombstones exactly the rows the records name (chain, seq and the
-- content_hash read with them), or nothing. The records were signed outside the database with the
-- trail key; this cannot check the signatures (verify does), it only keeps rows and records together.
-- p_unsealed: rows written without a hash chain (integrity: false), which no record can name.
CREATE OR REPLACE FUNCTION ${t}_erase_signed(p_records jsonb, p_marker jsonb, p_unsealed uuid[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE n integer; m integer; wanted integer;
BEGIN
  IF jsonb_typeof(p_records) IS DISTINCT FROM 'array' OR jsonb_typeof(p_marker) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION 'agent-audit-trail: ${t}_erase_signed needs an array of signed erasure records and the tombstone marker';
  END IF;
  SELECT count(*) INTO wanted FROM jsonb_array_elements(p_records) r, jsonb_array_elements(r->'events') ev;
  PERFORM set_config('agent_audit.maintenance', 'on', true);
  UPDATE ${t} e SET session_id = NULL, user_id = NULL, name = NULL, tags = NULL, metadata = NULL, data = '{}', salt = NULL, enc = NULL, erased = p_marker
    FROM (SELECT (r->>'chain_id')::uuid AS chain_id, (ev->>'seq')::bigint AS seq, ev->>'content_hash' AS content_hash
          FROM jsonb_array_elements(p_records) r, jsonb_array_elements(r->'events') ev) named
    WHERE e.chain_id = named.chain_id AND e.seq = named.seq AND e.content_hash = named.content_hash AND e.erased IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n <> wanted THEN
    RAISE EXCEPTION 'agent-audit-trail: the erasure records name % event(s) but % row(s) matched (changed or erased meanwhile); nothing was erased', wanted, n;
  END IF;
  UPDATE ${t} SET session_id = NULL, user_id = NULL, name = NULL, tags = NULL, metadata = NULL, data = '{}', salt = NULL, enc = NULL, erased = p_marker
    WHERE id = ANY(coalesce(p_unsealed, '{}')) AND content_hash IS NULL AND erased IS NULL;
  GET DIAGNOSTICS m = ROW_COUNT;
  INSERT INTO ${t}_erasures (chain_id, record) SELECT (r->>'chain_id')::uuid, r FROM jsonb_array_elements(p_records) r;
  INSERT INTO ${t}_maintenance (actor, action, detail)
    VALUES (coalesce(p_marker->>'by', 'unknown'), 'erase', jsonb_build_object('signed', true, 'count', n + m, 'records', jsonb_array_length(p_records), 'reason', p_marker->'reason'));
  PERFORM set_config('agent_audit.maintenance', 'off', true);
  RETURN n + m;
END $$;

-- Retention: whole rows older than the limit, recorded.
CREATE OR REPLACE FUNCTION ${t}_purge(p_before timestamptz, p_actor text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE n integer;
BEGIN
  PERFORM set_config('agent_audit.maintenance', 'on', true);
  DELETE FROM ${t} WHERE ts < p_before;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO ${t}_maintenance (actor, action, detail) VALUES (p_actor, 'purge', jsonb_build_object('before', p_before, 'count', n));
  PERFORM set_config('agent_audit.maintenance', 'off', true);
  RETURN n;
END $$;
REVOKE ALL ON FUNCTION ${t}_erase(text, text[], text, text), ${t}_erase_user(text, text, text), ${t}_erase_traces(text[], text, text), ${t}_erase_signed(jsonb, jsonb, uuid[]), ${t}_purge(timestamptz, text) FROM PUBLIC;
`;
}

export function rolesSql(t: string): string {
  const role = (name: string) => `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} NOLOGIN; END IF; END $$;`;
  return `
${role(`${t}_writer`)}
${role(`${t}_reader`)}
${role(`${t}_admin`)}
GRANT INSERT ON ${t} TO ${t}_writer;
GRANT SELECT ON ${t}, ${t}_maintenance, ${t}_erasures TO ${t}_reader;
GRANT SELECT ON ${t}, ${t}_maintenance, ${t}_erasures TO ${t}_admin;
GRANT EXECUTE ON FUNCTION ${t}_erase_user(text, text, text), ${t}_erase_traces(text[], text, text), ${t}_erase_signed(jsonb, jsonb, uuid[]), ${t}_purge(timestamptz, text) TO ${t}_admin;
`;
}

export async function migrate(db: PgPoolLike | PgPoolClientLike, table: string, roles = false): Promise<void> {
  const t = checkTableName(table);
  // One migration at a time per table (concurrent first uses by several processes); the lock is
  // per session, so it needs one connection throughout.
  const client = "release" in db ? db : await db.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [t]);
    try {
      await client.query(schemaSql(t));
      if (roles) await client.query(rolesSql(t));
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [t]);
    }
  } finally {
    if (client !== db) (client as PgPoolClientLike).release();
  }
}
