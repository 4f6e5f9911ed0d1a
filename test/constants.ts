/** The migrated database every test file clones. */
export const TEMPLATE_DATABASE = 'streamvibe_template';
export const TEST_OWNER_PASSWORD = 'owner';
export const TEST_APP_PASSWORD = 'app';
