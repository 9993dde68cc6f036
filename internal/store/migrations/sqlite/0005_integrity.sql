-- A user's role must be a role of the user's own org: the role decides the
-- user's permissions. SQLite cannot add a composite foreign key to an
-- existing table, so triggers hold the rule.
CREATE TRIGGER users_role_same_org_insert BEFORE INSERT ON users
WHEN (SELECT org_id FROM roles WHERE id = NEW.role_id) IS NOT NEW.org_id
BEGIN
    SELECT RAISE(ABORT, 'a user''s role must belong to the user''s org');
END;

CREATE TRIGGER users_role_same_org_update BEFORE UPDATE OF role_id, org_id ON users
WHEN (SELECT org_id FROM roles WHERE id = NEW.role_id) IS NOT NEW.org_id
BEGIN
    SELECT RAISE(ABORT, 'a user''s role must belong to the user''s org');
END;

-- Do-not-disturb lives in phone_settings alone.
ALTER TABLE presence DROP COLUMN dnd;
