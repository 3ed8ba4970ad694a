DROP TABLE messages_edits;
DROP TABLE messages_messages;
DROP TABLE messages_participants;
DROP TABLE messages_conversations;
