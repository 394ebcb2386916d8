-- The app data lives in POSTGRES_DATABASE (created by the image); Dagster's own storage beside it.
CREATE DATABASE dagster;
-- Dagster stores one event per asset and hour of a range run, most of them in a transaction of
-- their own. Its commits need not wait for the WAL to reach the disk: a PostgreSQL crash can lose
-- the last fraction of a second of Dagster events (never corrupt them; run monitoring fails the
-- runs they belonged to). The app data keeps full durability.
ALTER DATABASE dagster SET synchronous_commit = off;
