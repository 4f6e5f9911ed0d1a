export const tags = ['AI'];
export const TONES = ['neutral', 'casual', 'professional', 'playful'] as const;
export const ACTION_MODES = ['manual', 'approve', 'auto'] as const;
