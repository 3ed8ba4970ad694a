-- Team conversations: direct (two people, one conversation per pair),
-- group, per team and per project. Each person's place in a conversation
-- keeps their unread count and read/delivered marks, so neither the list
-- of conversations nor a message's "read by" ever counts messages.
CREATE TABLE messages_conversations (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('direct', 'group', 'team', 'project')),
    title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    -- "<smaller user id>:<larger user id>" for a direct conversation: the
    -- unique index makes a second one with the same person the first.
    direct_key text,
    team_id uuid,
    project_id uuid,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    last_message_at timestamptz NOT NULL,
    last_message_id uuid,
    message_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    -- A team or project removed leaves its conversation as a plain group.
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE SET NULL (team_id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects_projects (tenant_id, id) ON DELETE SET NULL (project_id)
);
CREATE UNIQUE INDEX messages_conversations_direct ON messages_conversations (tenant_id, direct_key)
    WHERE direct_key IS NOT NULL;
CREATE INDEX messages_conversations_team ON messages_conversations (tenant_id, team_id)
    WHERE team_id IS NOT NULL;
CREATE INDEX messages_conversations_project ON messages_conversations (tenant_id, project_id)
    WHERE project_id IS NOT NULL;
SELECT atrium_tenant_rls('messages_conversations');

CREATE TABLE messages_participants (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id),
    joined_at timestamptz NOT NULL,
    -- Set when the person leaves or is removed; re-adding clears it.
    left_at timestamptz,
    muted boolean NOT NULL DEFAULT FALSE,
    -- Copied from the conversation on every message, so a person's list is
    -- one index range in order.
    last_message_at timestamptz NOT NULL,
    unread integer NOT NULL DEFAULT 0,
    -- The newest message they have seen in a list (delivered) and opened (read).
    delivered_upto uuid,
    read_upto uuid,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, conversation_id, user_id),
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES messages_conversations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_participants_inbox ON messages_participants
    (tenant_id, user_id, last_message_at DESC, conversation_id DESC) WHERE left_at IS NULL;
SELECT atrium_tenant_rls('messages_participants');

CREATE TABLE messages_messages (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    conversation_id uuid NOT NULL,
    author_id uuid REFERENCES users (id),
    kind text NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'file', 'image', 'system')),
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    body text NOT NULL DEFAULT '',
    reply_to_id uuid,
    -- The thread's first message, for a reply (NULL for the main stream).
    thread_id uuid,
    reply_count integer NOT NULL DEFAULT 0,
    last_reply_at timestamptz,
    -- The user ids mentioned (a JSON array).
    mentions jsonb NOT NULL DEFAULT '[]',
    edited_at timestamptz,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
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
CREATE INDEX messages_messages_search ON messages_messages USING GIN (search);
SELECT atrium_tenant_rls('messages_messages');

-- Every earlier text of an edited message, for its history.
CREATE TABLE messages_edits (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    message_id uuid NOT NULL,
    body text NOT NULL,
    edited_by uuid REFERENCES users (id),
    edited_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages_messages (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_edits_message ON messages_edits (tenant_id, message_id, id);
SELECT atrium_tenant_rls('messages_edits');
