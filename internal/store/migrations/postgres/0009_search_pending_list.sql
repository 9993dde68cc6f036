-- The trigram index takes new entries into a pending list, merged into
-- the index by (auto)vacuum or, once it passes gin_pending_list_limit, by
-- the writer that fills it; until then every search reads the whole list.
-- At the default 4 MB that was about 470 pages after 8 s of single-user
-- creates, and name searches at concurrency 8 fell from 505-582 to
-- 369-391 requests/s. At 256 kB the list stays under 32 pages and the
-- creates ran as fast (docs/benchmarks.md).
ALTER INDEX users_search_trgm SET (gin_pending_list_limit = 256);
