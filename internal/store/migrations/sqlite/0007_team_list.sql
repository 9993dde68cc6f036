-- Each user's teams, kept on the user's row in the text form the people
-- list reads (store.parseTeamList): per team "d" (disabled) or "e", its
-- ID, char(31) and its name; teams separated by char(30), in no order.
-- A page of users then reads its teams with its rows instead of one
-- subquery per user, which cost a third of the list's time.
--
-- The triggers keep it right whichever way memberships and teams change,
-- cascades included. Only memberships and teams of the user's own org
-- count, so a membership row that crossed orgs would never show.
ALTER TABLE users ADD COLUMN team_list TEXT NOT NULL DEFAULT '';

-- team_list_items are the entries of team_list, one per membership whose
-- team is of the membership's org; the triggers aggregate a user's,
-- within the user's org, onto the user's row.
CREATE VIEW team_list_items AS
SELECT tm.user_id AS user_id, tm.org_id AS org_id,
       CASE WHEN t.disabled THEN 'd' ELSE 'e' END || t.id || char(31) || t.name AS item
FROM team_members tm JOIN teams t ON t.id = tm.team_id AND t.org_id = tm.org_id;

CREATE TRIGGER team_members_list_insert AFTER INSERT ON team_members BEGIN
    UPDATE users SET team_list = COALESCE((SELECT group_concat(item, char(30)) FROM team_list_items
        WHERE user_id = users.id AND org_id = users.org_id), '')
    WHERE id = new.user_id;
END;

CREATE TRIGGER team_members_list_delete AFTER DELETE ON team_members BEGIN
    UPDATE users SET team_list = COALESCE((SELECT group_concat(item, char(30)) FROM team_list_items
        WHERE user_id = users.id AND org_id = users.org_id), '')
    WHERE id = old.user_id;
END;

CREATE TRIGGER team_members_list_update AFTER UPDATE OF org_id, team_id, user_id ON team_members BEGIN
    UPDATE users SET team_list = COALESCE((SELECT group_concat(item, char(30)) FROM team_list_items
        WHERE user_id = users.id AND org_id = users.org_id), '')
    WHERE id IN (old.user_id, new.user_id);
END;

CREATE TRIGGER teams_list_update AFTER UPDATE OF org_id, name, disabled ON teams BEGIN
    UPDATE users SET team_list = COALESCE((SELECT group_concat(item, char(30)) FROM team_list_items
        WHERE user_id = users.id AND org_id = users.org_id), '')
    WHERE id IN (SELECT user_id FROM team_members WHERE team_id = new.id);
END;

-- The triggers read a user's memberships with their org; this index has
-- both, and the team for the join.
DROP INDEX team_members_user;
CREATE INDEX team_members_user ON team_members (user_id, org_id, team_id);

UPDATE users SET team_list = COALESCE((SELECT group_concat(item, char(30)) FROM team_list_items
        WHERE user_id = users.id AND org_id = users.org_id), '')
WHERE id IN (SELECT user_id FROM team_members);
