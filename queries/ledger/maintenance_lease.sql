-- grain: the rows of the maintenance lease table (one row: holder, token, taken_at, expires_at, checkpoints), read from its Parquet $files
-- params: $files
SELECT lease, holder, token, taken_at, expires_at, checkpoints
FROM read_parquet($files)
