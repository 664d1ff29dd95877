-- A digest schedule's scope and period (`channels bind … --digest CRON --tz TZ --what cost --period 30d`).
-- NULL means the default (all, 7d), so schedules made before these columns keep their weekly digest.
ALTER TABLE "channel_bindings" ADD COLUMN "digest_what" text;--> statement-breakpoint
ALTER TABLE "channel_bindings" ADD COLUMN "digest_period" text;--> statement-breakpoint
ALTER TABLE "channel_bindings" ADD CONSTRAINT "channel_bindings_digest_what" CHECK ("digest_what" IS NULL OR "digest_what" IN ('cost', 'security', 'all'));--> statement-breakpoint
ALTER TABLE "channel_bindings" ADD CONSTRAINT "channel_bindings_digest_period" CHECK ("digest_period" IS NULL OR "digest_period" IN ('7d', '30d', 'mtd', 'last-month'));
