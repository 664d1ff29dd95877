-- The sentinel's check of an answer's figures against the AWS data (src/grounding): one row per
-- check, kind `grounding`, so the trail shows which figures were sent back or removed and which
-- calls supplied the ones that stayed.
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_kind";
--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_kind" CHECK ("audit_events"."kind" IN ('message_in', 'llm_request', 'llm_response', 'tool_call', 'tool_result', 'refused', 'message_out', 'error', 'admin', 'grounding'));
