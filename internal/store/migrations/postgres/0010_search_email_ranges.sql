-- A search in the list's default order reads its matches range by range
-- of emails, in order, and stops once the page is full, so that only the
-- matches that can be on the page are read from the table and sorted:
-- before, every match was (about a microsecond each; a fragment matched
-- up to 2,000 users before the search walked the email order instead).
-- Each range has a trigram index of its own, partial on the range, which
-- the search's branch for that range names in the same words
-- (store.pgEmailSearchPage). The ranges split the email order at '0',
-- 'a', 'b', 'd', 'g', 'j', 'k', 'm', 'n', 'r', 's', 't' and '{'
-- (store.emailRangeBounds), a few hundredths of a typical org each, by how
-- often names start with each letter; they cover the order whole in any
-- collation. Every branch costs a little even when its range holds no
-- match, which is why there are not more.
--
-- They replace the index over every user's text: searches in other orders
-- and with other filters find their matches through all the ranges'
-- indexes (store.pgSearchPage), so that a new user is written to one
-- trigram index, not two. Each keeps its pending list as short as the old
-- one's (migration 0009).
DO $$
DECLARE
    ext_schema text;
    bounds text[] := string_to_array('0,a,b,d,g,j,k,m,n,r,s,t,{', ',');
    n int := array_length(bounds, 1);
BEGIN
    SELECT ns.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace ns ON ns.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    FOR i IN 0 .. n LOOP
        EXECUTE format('CREATE INDEX %I ON users USING gin (search %I.gin_trgm_ops) WITH (gin_pending_list_limit = 256) WHERE %s',
            'users_search_email_' || lpad(i::text, 2, '0'), ext_schema,
            concat_ws(' AND ',
                CASE WHEN i > 0 THEN format('email >= %L', bounds[i]) END,
                CASE WHEN i < n THEN format('email < %L', bounds[i + 1]) END));
    END LOOP;
END
$$;

DROP INDEX users_search_trgm;
