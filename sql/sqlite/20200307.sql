-- SFTPGo 0.9.6 schema (schema_version 4): the users table and schema_version.
-- Idempotent: applying it to a database that already has the schema changes
-- nothing. `sftpgo initprovider` runs this very text (embedded at build time),
-- with "users" replaced by the configured users_table.
-- Times are milliseconds since the epoch; JSON columns hold SFTPGo's JSON.
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "schema_version" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS "users" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "username" varchar(255) NOT NULL UNIQUE, "password" varchar(255) NULL, "public_keys" text NULL, "home_dir" varchar(255) NOT NULL, "uid" integer NOT NULL, "gid" integer NOT NULL, "max_sessions" integer NOT NULL, "quota_size" bigint NOT NULL, "quota_files" integer NOT NULL, "permissions" text NOT NULL, "used_quota_size" bigint NOT NULL, "used_quota_files" integer NOT NULL, "last_quota_update" bigint NOT NULL, "upload_bandwidth" integer NOT NULL, "download_bandwidth" integer NOT NULL, "expiration_date" bigint NOT NULL DEFAULT 0, "last_login" bigint NOT NULL DEFAULT 0, "status" integer NOT NULL DEFAULT 1, "filters" text NULL, "filesystem" text NULL, "virtual_folders" text NULL);
INSERT INTO "schema_version" ("version") SELECT 4 WHERE NOT EXISTS (SELECT 1 FROM "schema_version");
COMMIT;
