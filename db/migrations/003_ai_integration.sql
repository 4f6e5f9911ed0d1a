-- 003 AI integration: providers and models (prices per 1k tokens, in USD), per-user AI settings,
-- suggestions and what was applied, usage with cost in cents, trending keywords.

CREATE TABLE ai_provider (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug           text NOT NULL UNIQUE,
  display_name   text NOT NULL,
  api_base_url   text,
  is_active      boolean NOT NULL DEFAULT true,
  sort_order     integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ai_model (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  provider_id                 uuid NOT NULL REFERENCES ai_provider (id),
  slug                        text NOT NULL,  -- the provider's model id, as sent in API requests
  display_name                text NOT NULL,
  input_cost_per_1k_tokens    numeric(12, 8) NOT NULL CHECK (input_cost_per_1k_tokens >= 0),   -- USD per 1,000 tokens
  output_cost_per_1k_tokens   numeric(12, 8) NOT NULL CHECK (output_cost_per_1k_tokens >= 0),  -- USD per 1,000 tokens
  context_window_tokens       integer NOT NULL CHECK (context_window_tokens > 0),
  max_output_tokens           integer NOT NULL CHECK (max_output_tokens > 0),
  is_default                  boolean NOT NULL DEFAULT false,
  is_active                   boolean NOT NULL DEFAULT true,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider_id, slug)
);
CREATE UNIQUE INDEX ai_model_single_default_idx ON ai_model (is_default) WHERE is_default;

CREATE TABLE user_ai_setting (
  user_id               uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferred_model_id    uuid REFERENCES ai_model (id) ON DELETE SET NULL,
  action_mode           action_mode_enum NOT NULL DEFAULT 'manual',
  tone                  text NOT NULL DEFAULT 'neutral' CHECK (tone IN ('neutral', 'casual', 'professional', 'playful')),
  target_language       text NOT NULL DEFAULT 'en' CHECK (target_language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  max_tags              integer NOT NULL DEFAULT 15 CHECK (max_tags BETWEEN 1 AND 50),
  custom_instructions   text CHECK (char_length(custom_instructions) <= 2000),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_ai_setting_model_idx ON user_ai_setting (preferred_model_id);
CREATE TRIGGER user_ai_setting_updated_at BEFORE UPDATE ON user_ai_setting FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE ai_suggestion (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_item_id         uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  model_id                uuid REFERENCES ai_model (id) ON DELETE SET NULL,
  job_id                  uuid,  -- the job_queue row that produced it (006)
  suggested_titles        text[] NOT NULL DEFAULT '{}',
  suggested_description   text,
  suggested_tags          text[] NOT NULL DEFAULT '{}',
  trending_keywords       text[] NOT NULL DEFAULT '{}',
  trending_score          numeric(5, 2) CHECK (trending_score BETWEEN 0 AND 100),
  seo_score               numeric(5, 2) CHECK (seo_score BETWEEN 0 AND 100),
  prompt_tokens           integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens       integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  total_cost_cents        numeric(12, 4) NOT NULL DEFAULT 0 CHECK (total_cost_cents >= 0),
  status                  text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'applied', 'partially_applied', 'rejected', 'expired')),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_suggestion_content_idx ON ai_suggestion (content_item_id, created_at DESC);
CREATE INDEX ai_suggestion_user_idx ON ai_suggestion (user_id, created_at DESC);
CREATE INDEX ai_suggestion_model_idx ON ai_suggestion (model_id);
CREATE TRIGGER ai_suggestion_updated_at BEFORE UPDATE ON ai_suggestion FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE ai_suggestion_application (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  suggestion_id     uuid NOT NULL REFERENCES ai_suggestion (id) ON DELETE CASCADE,
  content_item_id   uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  field             text NOT NULL CHECK (field IN ('title', 'description', 'tags')),
  previous_value    jsonb,
  applied_value     jsonb NOT NULL,
  applied_mode      action_mode_enum NOT NULL,
  applied_by        uuid,  -- the approving user; null when applied automatically
  applied_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_suggestion_application_suggestion_idx ON ai_suggestion_application (suggestion_id);
CREATE INDEX ai_suggestion_application_content_idx ON ai_suggestion_application (content_item_id, applied_at DESC);
CREATE INDEX ai_suggestion_application_user_idx ON ai_suggestion_application (user_id, applied_at DESC);

CREATE TABLE ai_usage (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  model_id            uuid NOT NULL REFERENCES ai_model (id),
  suggestion_id       uuid REFERENCES ai_suggestion (id) ON DELETE SET NULL,
  operation_type      text NOT NULL CHECK (operation_type IN
                        ('generate_tags', 'generate_title', 'generate_description', 'bulk_tag', 'analyze')),
  prompt_tokens       integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens   integer NOT NULL CHECK (completion_tokens >= 0),
  total_tokens        integer GENERATED ALWAYS AS (prompt_tokens + completion_tokens) STORED,
  cost_cents          numeric(12, 4) NOT NULL CHECK (cost_cents >= 0),  -- filled from the model's prices when omitted
  latency_ms          integer CHECK (latency_ms >= 0),
  success             boolean NOT NULL DEFAULT true,
  error_message       text,
  provider_request_id text,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_usage_user_created_idx ON ai_usage (user_id, created_at DESC);
CREATE INDEX ai_usage_model_created_idx ON ai_usage (model_id, created_at);
CREATE INDEX ai_usage_suggestion_idx ON ai_usage (suggestion_id);

CREATE TABLE trending_keyword (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  keyword         text NOT NULL CHECK (keyword = lower(keyword) AND char_length(keyword) BETWEEN 1 AND 100),
  category_code   text,  -- FK to content_category(code), added in 005
  platform_id     uuid REFERENCES platform (id),
  search_volume   bigint NOT NULL DEFAULT 0 CHECK (search_volume >= 0),
  trend_score     numeric(8, 2) NOT NULL DEFAULT 0,
  growth_rate     numeric(8, 4),
  source          text NOT NULL DEFAULT 'internal',
  captured_at     timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL DEFAULT now() + interval '7 days',
  UNIQUE NULLS NOT DISTINCT (keyword, category_code, platform_id)
);
CREATE INDEX trending_keyword_score_idx ON trending_keyword (category_code, trend_score DESC);
CREATE INDEX trending_keyword_expires_idx ON trending_keyword (expires_at);

INSERT INTO ai_provider (slug, display_name, api_base_url, sort_order) VALUES
  ('openai',    'OpenAI',    'https://api.openai.com/v1',                          1),
  ('anthropic', 'Anthropic', 'https://api.anthropic.com/v1',                       2),
  ('google',    'Google AI', 'https://generativelanguage.googleapis.com/v1beta',   3),
  ('local',     'Local',     'http://localhost:11434',                             4);

-- List prices are quoted per 1M tokens; the columns are per 1k: GPT-4o $2.50 / $10.00 per 1M = 0.0025 / 0.01 per 1k.
INSERT INTO ai_model (provider_id, slug, display_name, input_cost_per_1k_tokens, output_cost_per_1k_tokens,
                      context_window_tokens, max_output_tokens, is_default)
SELECT p.id, m.slug, m.display_name, m.input_per_1m / 1000, m.output_per_1m / 1000, m.context_window, m.max_output, m.is_default
FROM (VALUES
  ('openai',    'gpt-4o',                     'GPT-4o',            2.50, 10.00, 128000, 16384, false),
  ('openai',    'gpt-4o-mini',                'GPT-4o Mini',       0.15,  0.60, 128000, 16384, true),
  ('anthropic', 'claude-3-5-sonnet-20241022', 'Claude 3.5 Sonnet', 3.00, 15.00, 200000,  8192, false),
  ('google',    'gemini-1.5-pro',             'Gemini 1.5 Pro',    1.25,  5.00, 2000000, 8192, false),
  ('local',     'llama3.2',                   'Llama 3.2',         0.00,  0.00, 128000,  4096, false)
) AS m(provider, slug, display_name, input_per_1m, output_per_1m, context_window, max_output, is_default)
JOIN ai_provider p ON p.slug = m.provider;

-- Cost of a call in cents: tokens / 1000 * USD per 1k * 100.
CREATE FUNCTION calculate_ai_cost_cents(p_model_id uuid, p_prompt_tokens integer, p_completion_tokens integer)
RETURNS numeric
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT round((p_prompt_tokens * m.input_cost_per_1k_tokens + p_completion_tokens * m.output_cost_per_1k_tokens) / 10, 4)
  FROM public.ai_model m WHERE m.id = p_model_id
$$;

CREATE FUNCTION fill_ai_usage_cost() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.cost_cents IS NULL THEN
    NEW.cost_cents := public.calculate_ai_cost_cents(NEW.model_id, NEW.prompt_tokens, NEW.completion_tokens);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ai_usage_fill_cost BEFORE INSERT ON ai_usage FOR EACH ROW EXECUTE FUNCTION fill_ai_usage_cost();

GRANT EXECUTE ON FUNCTION calculate_ai_cost_cents(uuid, integer, integer) TO service_role;

-- Privileges and row-level security
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_provider, ai_model, user_ai_setting, ai_suggestion, ai_suggestion_application,
  ai_usage, trending_keyword TO service_role;
GRANT SELECT ON ai_provider, ai_model, trending_keyword TO anon, authenticated;
GRANT SELECT, INSERT (user_id, preferred_model_id, action_mode, tone, target_language, max_tags, custom_instructions),
  UPDATE (preferred_model_id, action_mode, tone, target_language, max_tags, custom_instructions) ON user_ai_setting TO authenticated;
GRANT SELECT ON ai_suggestion, ai_suggestion_application, ai_usage TO authenticated;

ALTER TABLE ai_provider ENABLE ROW LEVEL SECURITY;                ALTER TABLE ai_provider FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_model ENABLE ROW LEVEL SECURITY;                   ALTER TABLE ai_model FORCE ROW LEVEL SECURITY;
ALTER TABLE user_ai_setting ENABLE ROW LEVEL SECURITY;            ALTER TABLE user_ai_setting FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_suggestion ENABLE ROW LEVEL SECURITY;              ALTER TABLE ai_suggestion FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_suggestion_application ENABLE ROW LEVEL SECURITY;  ALTER TABLE ai_suggestion_application FORCE ROW LEVEL SECURITY;
ALTER TABLE ai_usage ENABLE ROW LEVEL SECURITY;                   ALTER TABLE ai_usage FORCE ROW LEVEL SECURITY;
ALTER TABLE trending_keyword ENABLE ROW LEVEL SECURITY;           ALTER TABLE trending_keyword FORCE ROW LEVEL SECURITY;

CREATE POLICY ai_provider_service ON ai_provider TO service_role USING (true) WITH CHECK (true);
CREATE POLICY ai_provider_read ON ai_provider FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY ai_model_service ON ai_model TO service_role USING (true) WITH CHECK (true);
CREATE POLICY ai_model_read ON ai_model FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY trending_keyword_service ON trending_keyword TO service_role USING (true) WITH CHECK (true);
CREATE POLICY trending_keyword_read ON trending_keyword FOR SELECT TO anon, authenticated USING (expires_at > now());

CREATE POLICY user_ai_setting_service ON user_ai_setting TO service_role USING (true) WITH CHECK (true);
CREATE POLICY user_ai_setting_read_own ON user_ai_setting FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY user_ai_setting_insert_own ON user_ai_setting FOR INSERT TO authenticated WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY user_ai_setting_update_own ON user_ai_setting FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

CREATE POLICY ai_suggestion_service ON ai_suggestion TO service_role USING (true) WITH CHECK (true);
CREATE POLICY ai_suggestion_read_own ON ai_suggestion FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY ai_suggestion_application_service ON ai_suggestion_application TO service_role USING (true) WITH CHECK (true);
CREATE POLICY ai_suggestion_application_read_own ON ai_suggestion_application FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY ai_usage_service ON ai_usage TO service_role USING (true) WITH CHECK (true);
CREATE POLICY ai_usage_read_own ON ai_usage FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
