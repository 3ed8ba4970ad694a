DROP TABLE messages_attachments;
