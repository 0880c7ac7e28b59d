-- SFTPGo 0.9.6 schema (schema_version 4) for MySQL/MariaDB: same tables and column
-- order as sql/sqlite/20200307.sql. Idempotent. Use a utf8 database so that
-- varchar(255) UNIQUE fits the index limit.
BEGIN;
CREATE TABLE IF NOT EXISTS `schema_version` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `version` integer NOT NULL);
CREATE TABLE IF NOT EXISTS `users` (`id` integer AUTO_INCREMENT NOT NULL PRIMARY KEY, `username` varchar(255) NOT NULL UNIQUE, `password` varchar(255) NULL, `public_keys` longtext NULL, `home_dir` varchar(255) NOT NULL, `uid` integer NOT NULL, `gid` integer NOT NULL, `max_sessions` integer NOT NULL, `quota_size` bigint NOT NULL, `quota_files` integer NOT NULL, `permissions` longtext NOT NULL, `used_quota_size` bigint NOT NULL, `used_quota_files` integer NOT NULL, `last_quota_update` bigint NOT NULL, `upload_bandwidth` integer NOT NULL, `download_bandwidth` integer NOT NULL, `expiration_date` bigint NOT NULL DEFAULT 0, `last_login` bigint NOT NULL DEFAULT 0, `status` integer NOT NULL DEFAULT 1, `filters` longtext NULL, `filesystem` longtext NULL, `virtual_folders` longtext NULL);
INSERT INTO `schema_version` (`version`) SELECT 4 FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM `schema_version`);
COMMIT;
