-- A message template saved (or restored) in the console: the text it had before, beside the new one in
-- `detail`, so the audit log shows what changed and an operator can put the old text back.
ALTER TABLE audit_log ADD COLUMN previous text;
-- A template's history on its edit page: its own rows, newest first, without reading the whole log.
CREATE INDEX audit_log_target ON audit_log(target, id);
