-- grain: (settings) the explorer's lockdown, run once on its own connection after the
-- store's views are defined and before any analyst query
-- params: $allowed_paths (the snapshot's Parquet files: the only files left readable),
-- $memory_limit, $threads (the [explorer] section of settings.toml)
-- File and network access off except the snapshot's own files; no spilling to temporary
-- files (a query needing more memory than the limit fails instead); no extension is
-- installed or loaded on demand; then the configuration is locked, so no query can undo
-- any of it.
SET allowed_paths = $allowed_paths;
SET memory_limit = $memory_limit;
SET temp_directory = '';
SET threads = $threads;
SET autoinstall_known_extensions = false;
SET autoload_known_extensions = false;
SET allow_community_extensions = false;
SET allow_unsigned_extensions = false;
SET enable_external_access = false;
SET lock_configuration = true;
