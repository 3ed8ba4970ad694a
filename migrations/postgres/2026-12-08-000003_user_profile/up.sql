-- The seed's personal profile: first and last name (the display name stays
-- what pages show) and a phone number in E.164 form.
ALTER TABLE users ADD COLUMN first_name text NOT NULL DEFAULT '' CHECK (length(first_name) <= 80);
ALTER TABLE users ADD COLUMN last_name text NOT NULL DEFAULT '' CHECK (length(last_name) <= 80);
ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (phone = '' OR phone ~ '^\+[1-9][0-9]{6,14}$');
