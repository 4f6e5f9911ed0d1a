/** What the jobs routes share. */
export const tags = ['Jobs'];
export const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
