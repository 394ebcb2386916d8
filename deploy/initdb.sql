-- The app data lives in POSTGRES_DATABASE (created by the image); Dagster's own storage beside it.
CREATE DATABASE dagster;
