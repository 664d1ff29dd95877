-- Account lifecycle without SQL (issue 7 §5): ExternalId rotation, verification time, and an admin
-- audit chain per workspace that retention keeps.

-- 1. Rotation: `plainfra accounts rotate-external-id` stores the new id here; hawk tries it first
--    and falls back to external_id until `plainfra accounts verify` succeeds with it, which moves it
--    to external_id and clears these two columns (the old id is retired). Only hawk and the owner may
--    read pending_external_id (src/db/roles.ts grants the other roles named columns only).
ALTER TABLE "aws_accounts" ADD COLUMN "pending_external_id" text;
--> statement-breakpoint
ALTER TABLE "aws_accounts" ADD COLUMN "pending_since" timestamp with time zone;
--> statement-breakpoint
-- 2. When `plainfra accounts verify` last passed (NULL: never since the account or its current id).
ALTER TABLE "aws_accounts" ADD COLUMN "verified_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "aws_accounts" ADD CONSTRAINT "aws_accounts_pending_complete" CHECK (("pending_external_id" IS NULL) = ("pending_since" IS NULL));
--> statement-breakpoint
ALTER TABLE "aws_accounts" ADD CONSTRAINT "aws_accounts_pending_differs" CHECK ("pending_external_id" IS DISTINCT FROM "external_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "aws_accounts_pending_external_id" ON "aws_accounts" USING btree ("pending_external_id");
--> statement-breakpoint
-- 3. Retention keeps admin chains. Admin rows (actor 'admin', written only by the owner login: the
--    chain trigger holds every process role to its own actor) live in one chain per workspace
--    (src/audit/admin.ts); they are the record of who could query which account when, so the
--    retention job never deletes them. Otherwise unchanged from 0004.
CREATE OR REPLACE FUNCTION plainfra_prune_expired(conversation_days int, report_days int, slack_event_days int)
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
    HAVING NOT bool_or(a.actor = 'admin')
      AND max(a.created_at) < now() - make_interval(days => CASE
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
