ALTER TABLE user_sessions DROP COLUMN password_confirmed_at;
DROP TABLE two_factor_devices;
DROP TABLE two_factor_recovery_codes;
DROP TABLE two_factor_secrets;
