-- A user's role must be a role of the user's own org: the role decides the
-- user's permissions.
ALTER TABLE roles ADD CONSTRAINT roles_org_id_id UNIQUE (org_id, id);
ALTER TABLE users ADD CONSTRAINT users_role_same_org
    FOREIGN KEY (org_id, role_id) REFERENCES roles (org_id, id);

-- Do-not-disturb lives in phone_settings alone.
ALTER TABLE presence DROP COLUMN dnd;
