-- Files and images attached to messages. The bytes live in the data folder,
-- content-addressed by SHA-256 per workspace (the same file twice is stored
-- once); a row points at them only after they were written whole.
CREATE TABLE messages_attachments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    -- As sniffed from the content, never as the browser claimed.
    content_type text NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256 text NOT NULL CHECK (length(sha256) = 64),
    is_image boolean NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, message_id) REFERENCES messages_messages (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX messages_attachments_message ON messages_attachments (tenant_id, message_id);
CREATE INDEX messages_attachments_blob ON messages_attachments (tenant_id, sha256);

