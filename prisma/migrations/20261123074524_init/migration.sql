-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "rules" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "description" TEXT,
    "match" JSONB NOT NULL,
    "algorithm" TEXT NOT NULL,
    "limits" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "shadow" BOOLEAN NOT NULL,
    "priority" INTEGER NOT NULL,
    "per_resource" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rule_audit" (
    "id" BIGSERIAL NOT NULL,
    "rule_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "rules_version" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_audit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rules_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "rules_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "rules_version" BIGINT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "rules_name_key" ON "rules"("name");

-- CreateIndex
CREATE INDEX "rule_audit_rule_id_id_idx" ON "rule_audit"("rule_id", "id");

-- CreateIndex
CREATE INDEX "outbox_published_at_id_idx" ON "outbox"("published_at", "id");


-- Hand-written below (Prisma's schema cannot express it). No semicolons inside comments or
-- strings here: the pg adapter's executeScript splits the script on them.

-- The single row that every rule write bumps in its own transaction.
ALTER TABLE "rules_version" ADD CONSTRAINT "rules_version_single_row" CHECK ("id" = 1);
INSERT INTO "rules_version" ("id", "version") VALUES (1, 0);

ALTER TABLE "rule_audit" ADD CONSTRAINT "rule_audit_action_check" CHECK ("action" IN ('create', 'update', 'delete', 'rollback'));
