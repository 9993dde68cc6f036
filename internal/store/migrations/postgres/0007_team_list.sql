-- Each user's teams, kept on the user's row in the text form the people
-- list reads (store.parseTeamList): per team "d" (disabled) or "e", its
-- ID, chr(31) and its name; teams separated by chr(30), in no order.
-- A page of users then reads its teams with its rows instead of one
-- subquery per user.
--
-- The triggers keep it right whichever way memberships and teams change,
-- cascades included. Only memberships and teams of the user's own org
-- count, so a membership row that crossed orgs would never show.
ALTER TABLE users ADD COLUMN team_list TEXT NOT NULL DEFAULT '';

-- roster_refresh_team_lists rewrites the lists of the given users. It
-- locks their rows first and reads the memberships in a statement of its
-- own, which (read committed) sees every change committed before the
-- lock was granted: two transactions changing one user's teams at once
-- cannot each write a list without the other's change. The lock is NO KEY
-- UPDATE, the one the UPDATE takes anyway: it leaves alone the KEY SHARE
-- locks that the membership rows' foreign keys hold on the user, where
-- FOR UPDATE would deadlock against them.
CREATE FUNCTION roster_refresh_team_lists(user_ids TEXT[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = ANY (user_ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE users u SET team_list = COALESCE((
        SELECT string_agg(CASE WHEN t.disabled THEN 'd' ELSE 'e' END || t.id || chr(31) || t.name, chr(30))
        FROM team_members tm JOIN teams t ON t.id = tm.team_id
        WHERE tm.user_id = u.id AND tm.org_id = u.org_id AND t.org_id = u.org_id), '')
    WHERE u.id = ANY (user_ids);
END
$$;

-- Membership changes refresh once per statement, for every user the
-- statement touched (a bulk insert of 400 memberships is one refresh, not
-- 400); cascades from deleted users and teams are statements too.
-- Each statement's transition tables exist only for its own kind, and a
-- PL/pgSQL branch is planned only when it runs, so one function serves
-- all three triggers.
CREATE FUNCTION roster_team_members_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM roster_refresh_team_lists(ARRAY(SELECT DISTINCT user_id FROM new_members));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM roster_refresh_team_lists(ARRAY(SELECT DISTINCT user_id FROM old_members));
    ELSE
        PERFORM roster_refresh_team_lists(ARRAY(SELECT user_id FROM old_members UNION SELECT user_id FROM new_members));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION roster_teams_list() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM roster_refresh_team_lists(ARRAY(SELECT user_id FROM team_members WHERE team_id = NEW.id));
    RETURN NULL;
END
$$;

CREATE TRIGGER team_members_list_insert AFTER INSERT ON team_members
    REFERENCING NEW TABLE AS new_members FOR EACH STATEMENT EXECUTE FUNCTION roster_team_members_list();
CREATE TRIGGER team_members_list_delete AFTER DELETE ON team_members
    REFERENCING OLD TABLE AS old_members FOR EACH STATEMENT EXECUTE FUNCTION roster_team_members_list();
-- A trigger with transition tables takes no column list, so this one also
-- runs when only a leader flag changes: a refresh for nothing, and rare.
CREATE TRIGGER team_members_list_update AFTER UPDATE ON team_members
    REFERENCING OLD TABLE AS old_members NEW TABLE AS new_members FOR EACH STATEMENT EXECUTE FUNCTION roster_team_members_list();
CREATE TRIGGER teams_list AFTER UPDATE OF org_id, name, disabled ON teams
    FOR EACH ROW EXECUTE FUNCTION roster_teams_list();

-- The triggers read a user's memberships with their org; this index has
-- both, and the team for the join.
DROP INDEX team_members_user;
CREATE INDEX team_members_user ON team_members (user_id, org_id, team_id);

UPDATE users u SET team_list = COALESCE((
    SELECT string_agg(CASE WHEN t.disabled THEN 'd' ELSE 'e' END || t.id || chr(31) || t.name, chr(30))
    FROM team_members tm JOIN teams t ON t.id = tm.team_id
    WHERE tm.user_id = u.id AND tm.org_id = u.org_id AND t.org_id = u.org_id), '')
WHERE u.id IN (SELECT user_id FROM team_members);
