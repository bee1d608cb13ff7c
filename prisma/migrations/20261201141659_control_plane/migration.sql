-- Rule options of issue 5: a penalty, limits per load state, counting by outcome.
ALTER TABLE "rules" ADD COLUMN     "count_only" TEXT,
ADD COLUMN     "penalty" JSONB,
ADD COLUMN     "state_limits" JSONB;

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "secret_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "owner" TEXT,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "blocks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "public_reason" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allowlist" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "type" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "description" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allowlist_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "system_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "state" TEXT NOT NULL DEFAULT 'NORMAL',
    "reason" TEXT,
    "changed_by" TEXT NOT NULL DEFAULT 'migration',
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_audit" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "rules_version" BIGINT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "api_keys_tier_idx" ON "api_keys"("tier");

-- CreateIndex
CREATE INDEX "blocks_expires_at_idx" ON "blocks"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "allowlist_type_value_key" ON "allowlist"("type", "value");

-- CreateIndex
CREATE INDEX "admin_audit_target_type_target_id_id_idx" ON "admin_audit"("target_type", "target_id", "id");


-- The single row of the fleet's load state (written by PUT /v1/admin/system/state).
ALTER TABLE "system_state" ADD CONSTRAINT "system_state_single_row" CHECK ("id" = 1);
ALTER TABLE "system_state" ADD CONSTRAINT "system_state_known" CHECK ("state" IN ('NORMAL', 'DEGRADED'));
INSERT INTO "system_state" ("id", "state") VALUES (1, 'NORMAL');
