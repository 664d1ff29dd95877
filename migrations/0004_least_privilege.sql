-- Least privilege inside the installation (issue 7): a hash-chained audit trail, an actor per
-- database role, and retention through one SECURITY DEFINER function. The roles themselves and their
-- grants are created by `plainfra migrate` (src/db/roles.ts), because their names are configurable.

-- 1. Who may write which actor. `plainfra migrate` fills this with the process roles it creates; a
--    login listed here may only insert audit rows under its own actor, so a compromised sentinel
--    cannot forge the bot's message_in (the record hawk derives its scope from). Logins not listed
--    (the owner, used by the admin CLI) are not restricted. No process role can read or write it.
CREATE TABLE "plainfra_role_actors" (
	"role_name" text PRIMARY KEY NOT NULL,
	"actor" text NOT NULL CHECK ("actor" IN ('bot', 'hawk', 'sentinel'))
);
--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_actor";
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor" CHECK ("audit_events"."actor" IN ('bot', 'hawk', 'sentinel', 'admin'));
--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_kind";
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_kind" CHECK ("audit_events"."kind" IN ('message_in', 'llm_request', 'llm_response', 'tool_call', 'tool_result', 'refused', 'message_out', 'error', 'admin'));
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text;
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text;
--> statement-breakpoint
-- 2. The canonical content of one audit row, version 1 (src/audit/chain.ts implements the same):
--    "plainfra-audit-v1" followed by, for each of id, created_at (microseconds since the Unix epoch),
--    conversation_id, actor, kind, step_key, payload (Postgres's jsonb text form), either
--    "<UTF-8 byte length>:<text>," or "~" for NULL. Length prefixes make the encoding unambiguous.
--    hash = hex(sha256(UTF-8(prev_hash || canonical))); the first row of a conversation has
--    prev_hash = 64 zeros.
CREATE FUNCTION plainfra_audit_canonical(p_id bigint, p_created_at timestamptz, p_conversation uuid, p_actor text, p_kind text, p_step_key text, p_payload jsonb)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  fields text[] := ARRAY[p_id::text, ((extract(epoch FROM p_created_at) * 1000000)::bigint)::text, p_conversation::text, p_actor, p_kind, p_step_key, p_payload::text];
  out text := 'plainfra-audit-v1';
  f text;
BEGIN
  FOREACH f IN ARRAY fields LOOP
    IF f IS NULL THEN out := out || '~';
    ELSE out := out || octet_length(f)::text || ':' || f || ',';
    END IF;
  END LOOP;
  RETURN out;
END;
$$;
--> statement-breakpoint
-- Backfill the chain of rows written before this migration, oldest first per conversation.
ALTER TABLE "audit_events" DISABLE TRIGGER "audit_events_append_only";
--> statement-breakpoint
DO $$
DECLARE r record; prev text; conv uuid;
BEGIN
  FOR r IN SELECT * FROM audit_events ORDER BY conversation_id, id LOOP
    IF conv IS DISTINCT FROM r.conversation_id THEN conv := r.conversation_id; prev := repeat('0', 64); END IF;
    UPDATE audit_events SET prev_hash = prev,
      hash = encode(sha256(convert_to(prev || plainfra_audit_canonical(r.id, r.created_at, r.conversation_id, r.actor, r.kind, r.step_key, r.payload), 'UTF8')), 'hex')
      WHERE id = r.id RETURNING hash INTO prev;
  END LOOP;
END;
$$;
--> statement-breakpoint
ALTER TABLE "audit_events" ENABLE TRIGGER "audit_events_append_only";
--> statement-breakpoint
-- 3. Every insert: enforce the login's actor, then link the row to the conversation's chain. The
--    advisory lock serialises writers of one conversation until commit, and the id is drawn only
--    after the lock, so id order and chain order agree even with concurrent writers. SECURITY DEFINER
--    so it can read plainfra_role_actors; session_user is the login, whatever the definer.
CREATE FUNCTION plainfra_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  mapped text;
  prev text;
BEGIN
  SELECT actor INTO mapped FROM plainfra_role_actors WHERE role_name = session_user;
  IF mapped IS NOT NULL THEN
    IF NEW.actor IS DISTINCT FROM mapped THEN
      RAISE EXCEPTION 'database role % may only write audit rows as actor "%", not "%"', session_user, mapped, NEW.actor
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Process roles cannot backdate a row (retention goes by created_at).
    NEW.created_at := now();
  END IF;
  PERFORM pg_advisory_xact_lock(1886152040, hashtext(NEW.conversation_id::text));
  NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
  SELECT hash INTO prev FROM audit_events WHERE conversation_id = NEW.conversation_id ORDER BY id DESC LIMIT 1;
  NEW.prev_hash := coalesce(prev, repeat('0', 64));
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || plainfra_audit_canonical(NEW.id, NEW.created_at, NEW.conversation_id, NEW.actor, NEW.kind, NEW.step_key, NEW.payload), 'UTF8')), 'hex');
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION plainfra_audit_chain();
--> statement-breakpoint
-- 4. Retention: the only way any process role deletes. Whole conversations go (by last activity),
--    so a chain is never cut in the middle. Roles listed in plainfra_role_actors cannot shorten the
--    retention below the documented periods (90 days, 365 for digests, 1 day of Slack event ids).
CREATE FUNCTION plainfra_prune_expired(conversation_days int, report_days int, slack_event_days int)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  conv_days int := greatest(1, conversation_days);
  rep_days int := greatest(1, conversation_days, report_days);
  ev_days int := greatest(1, slack_event_days);
  n_audit bigint;
  n_convs bigint;
  n_events bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM plainfra_role_actors WHERE role_name = session_user) THEN
    conv_days := greatest(conv_days, 90);
    rep_days := greatest(rep_days, 365);
  END IF;
  PERFORM set_config('plainfra.retention', 'on', true);
  DELETE FROM audit_events WHERE conversation_id IN (
    SELECT a.conversation_id FROM audit_events a GROUP BY a.conversation_id
    HAVING max(a.created_at) < now() - make_interval(days => CASE
      WHEN bool_or(a.kind = 'message_in' AND a.payload->>'report' = 'true') THEN rep_days ELSE conv_days END));
  GET DIAGNOSTICS n_audit = ROW_COUNT;
  DELETE FROM conversations c
    WHERE c.created_at < now() - make_interval(days => conv_days)
      AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.conversation_id = c.id);
  GET DIAGNOSTICS n_convs = ROW_COUNT;
  DELETE FROM slack_events WHERE received_at < now() - make_interval(days => ev_days);
  GET DIAGNOSTICS n_events = ROW_COUNT;
  PERFORM set_config('plainfra.retention', 'off', true);
  RETURN jsonb_build_object('auditRows', n_audit, 'conversations', n_convs, 'slackEvents', n_events);
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION plainfra_prune_expired(int, int, int) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION plainfra_audit_chain() FROM PUBLIC;
