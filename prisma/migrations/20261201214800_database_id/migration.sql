-- Identifies the database to the nodes that share one Redis: a node takes a rules snapshot stored in
-- Redis only when it was read from its own database. The existing row gets its random id here.
ALTER TABLE "rules_version" ADD COLUMN     "database_id" UUID NOT NULL DEFAULT gen_random_uuid();
