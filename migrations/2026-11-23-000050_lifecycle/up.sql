-- Ticket lifecycle: resolutions with a cause category, satisfaction surveys.

-- 问题原因. The built-in ones cannot be removed; supervisors add more.
CREATE TABLE cause_categories (
    code       TEXT PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{1,40}$'),
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    builtin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO cause_categories (code, name_zh, name_en, builtin) VALUES
    ('user_error', '操作失误', 'User error', TRUE),
    ('quality_defect', '质量问题', 'Quality defect', TRUE),
    ('design_defect', '设计缺陷', 'Design defect', TRUE),
    ('parts', '配件', 'Parts', TRUE),
    ('logistics', '物流', 'Logistics', TRUE),
    ('not_reproducible', '无法复现', 'Not reproducible', TRUE),
    ('other', '其他', 'Other', TRUE);

ALTER TABLE tickets
    ADD COLUMN solution TEXT,
    ADD COLUMN cause_code TEXT REFERENCES cause_categories (code);

-- One survey per ticket, after it is closed.
CREATE TABLE surveys (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets (id),
    customer_id BIGINT NOT NULL REFERENCES users (id),
    score       SMALLINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
