-- Templates (模板): ticket templates that pre-fill the customer's new-ticket
-- form, reply templates (macros) for staff, and rules that keep the cause
-- categories (问题原因) added by supervisors tidy.

-- A ticket template: shown to customers in their language, so every text has
-- a zh-CN and an en variant (a title or description is either given in both
-- languages or left empty in both; the application checks that).
CREATE TABLE ticket_templates (
    id              BIGSERIAL PRIMARY KEY,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    ticket_type     TEXT NOT NULL CHECK (ticket_type IN ('fault_repair', 'consultation', 'complaint',
                        'maintenance', 'return_exchange', 'account', 'service_process')),
    urgency         TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'critical')),
    -- Empty: the customer chooses.
    desired_outcome TEXT CHECK (desired_outcome IN ('repair', 'replacement', 'refund', 'explanation', 'other')),
    title_zh        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    description_zh  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Two templates with one name would be indistinguishable in the customer's picker.
CREATE UNIQUE INDEX ticket_templates_name_zh_key ON ticket_templates (name_zh);
CREATE UNIQUE INDEX ticket_templates_name_en_key ON ticket_templates (lower(name_en));

-- A reply template (快捷回复) with placeholders such as {customer_name}, in both languages.
CREATE TABLE reply_macros (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX reply_macros_name_key ON reply_macros (lower(name));

-- Two categories with one name could not be told apart in the resolve form.
CREATE UNIQUE INDEX cause_categories_name_zh_key ON cause_categories (name_zh);
CREATE UNIQUE INDEX cause_categories_name_en_key ON cause_categories (lower(name_en));

-- Deleting an added category checks (through the foreign key) that no ticket
-- uses it; without this index that check would read every ticket.
CREATE INDEX tickets_cause_code_idx ON tickets (cause_code) WHERE cause_code IS NOT NULL;
