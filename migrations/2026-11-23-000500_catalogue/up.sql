-- Product catalogue (产品目录), kept by supervisors: each model with its
-- warranty, so a ticket's page can tell in warranty / expired / unknown.
CREATE TABLE products (
    id              BIGSERIAL PRIMARY KEY,
    -- Stored trimmed, as typed; matched without regard to case.
    model_code      TEXT NOT NULL CHECK (model_code <> '' AND model_code = btrim(model_code)),
    name_zh         TEXT,
    name_en         TEXT,
    product_line    TEXT,
    -- 0 means the model has no warranty at all.
    warranty_months INTEGER NOT NULL CHECK (warranty_months BETWEEN 0 AND 600),
    updated_by      BIGINT REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (name_zh IS NOT NULL OR name_en IS NOT NULL)
);
-- One product per model code, whatever its case; the same expression serves the
-- ticket page's lookup (lower(model_code) = lower(the ticket's trimmed model))
-- and the settings list's order.
CREATE UNIQUE INDEX products_model_key ON products (lower(model_code));

-- Keyword rules (自动分类): keywords found in a new ticket's title or description
-- suggest its type and/or urgency. Rules are few (hundreds at most) and are read
-- whole, in priority order, for each suggestion: no index beyond the key.
CREATE TABLE keyword_rules (
    id          BIGSERIAL PRIMARY KEY,
    keywords    TEXT[] NOT NULL CHECK (cardinality(keywords) BETWEEN 1 AND 20),
    ticket_type TEXT CHECK (ticket_type IN ('fault_repair', 'consultation', 'complaint',
                    'maintenance', 'return_exchange', 'account', 'service_process')),
    urgency     TEXT CHECK (urgency IN ('normal', 'urgent', 'critical')),
    -- Smaller first; ties go to the older rule.
    priority    INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 9999),
    updated_by  BIGINT REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ticket_type IS NOT NULL OR urgency IS NOT NULL)
);
