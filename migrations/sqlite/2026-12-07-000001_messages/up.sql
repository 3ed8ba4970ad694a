-- Team conversations: direct (two people, one conversation per pair),
-- group, per team and per project. Each person's place in a conversation
-- keeps their unread count and read/delivered marks, so neither the list
-- of conversations nor a message's "read by" ever counts messages.
CREATE TABLE messages_conversations (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    kind text NOT NULL CHECK (kind IN ('direct', 'group', 'team', 'project')),
    title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    -- "<smaller user id>:<larger user id>" for a direct conversation: the
    -- unique index makes a second one with the same person the first.
    direct_key text,
    team_id TEXT,
    project_id TEXT,
    created_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL,
    last_message_id TEXT,
    message_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id)
);
CREATE UNIQUE INDEX messages_conversations_direct ON messages_conversations (tenant_id, direct_key)
    WHERE direct_key IS NOT NULL;
CREATE INDEX messages_conversations_team ON messages_conversations (tenant_id, team_id)
    WHERE team_id IS NOT NULL;
CREATE INDEX messages_conversations_project ON messages_conversations (tenant_id, project_id)
    WHERE project_id IS NOT NULL;
-- A team or project removed leaves its conversation as a plain group
-- (PostgreSQL says so with ON DELETE SET NULL (column); SQLite would null
-- the tenant too, so a trigger clears the one column first).
CREATE TRIGGER messages_conversations_team_gone BEFORE DELETE ON teams
BEGIN
    UPDATE messages_conversations SET team_id = NULL
        WHERE tenant_id = OLD.tenant_id AND team_id = OLD.id;
END;
CREATE TRIGGER messages_conversations_project_gone BEFORE DELETE ON projects_projects
BEGIN
    UPDATE messages_conversations SET project_id = NULL
        WHERE tenant_id = OLD.tenant_id AND project_id = OLD.id;
END;

CREATE TABLE messages_participants (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    joined_at TEXT NOT NULL,
    -- Set when the person leaves or is removed; re-adding clears it.
    left_at TEXT,
    muted boolean NOT NULL DEFAULT 0,
    -- Copied from the conversation on every message, so a person's list is
    -- one index range in order.
    last_message_at TEXT NOT NULL,
    unread integer NOT NULL DEFAULT 0,
    -- The newest message they have seen in a list (delivered) and opened (read).
    delivered_upto TEXT,
    read_upto TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, conversation_id, user_id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES messages_conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_participants_inbox ON messages_participants
    (tenant_id, user_id, last_message_at DESC, conversation_id DESC) WHERE left_at IS NULL;

CREATE TABLE messages_messages (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    author_id TEXT REFERENCES users (id),
    kind text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'file', 'image', 'system')),
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    body text NOT NULL DEFAULT '',
    reply_to_id TEXT,
    -- The thread's first message, for a reply (NULL for the main stream).
    thread_id TEXT,
    reply_count integer NOT NULL DEFAULT 0,
    last_reply_at TEXT,
    -- The user ids mentioned (a JSON array).
    mentions TEXT NOT NULL DEFAULT '[]',
    edited_at TEXT,
    deleted_at TEXT,
    created_at TEXT NOT NULL,
    -- This message's row in messages_search (set by the trigger below; the
    -- application never reads it).
    search_rowid INTEGER,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES messages_conversations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, reply_to_id) REFERENCES messages_messages (tenant_id, id),
    FOREIGN KEY (tenant_id, thread_id) REFERENCES messages_messages (tenant_id, id)
);
-- The main stream and a thread, each newest first by id (UUIDv7: time order).
CREATE INDEX messages_messages_stream ON messages_messages (tenant_id, conversation_id, id DESC)
    WHERE thread_id IS NULL;
CREATE INDEX messages_messages_thread ON messages_messages (tenant_id, thread_id, id)
    WHERE thread_id IS NOT NULL;

-- Full-text search (FTS5, Porter stemming like PostgreSQL's 'english'),
-- kept by triggers. Its rows carry the workspace and message ids; a search
-- joins back to messages_messages, which the workspace filter applies to.
CREATE VIRTUAL TABLE messages_search USING fts5(
    body, tenant_id UNINDEXED, message_id UNINDEXED, tokenize = 'porter unicode61'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages_messages
BEGIN
    INSERT INTO messages_search (body, tenant_id, message_id) VALUES (NEW.body, NEW.tenant_id, NEW.id);
    UPDATE messages_messages SET search_rowid = last_insert_rowid()
        WHERE tenant_id = NEW.tenant_id AND id = NEW.id;
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages_messages
BEGIN
    UPDATE messages_search SET body = NEW.body WHERE rowid = OLD.search_rowid;
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages_messages
BEGIN
    DELETE FROM messages_search WHERE rowid = OLD.search_rowid;
END;

-- Every earlier text of an edited message, for its history.
CREATE TABLE messages_edits (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body text NOT NULL,
    edited_by TEXT REFERENCES users (id),
    edited_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages_messages (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_edits_message ON messages_edits (tenant_id, message_id, id);
