import type { Platform } from '../providers/port.ts';

export const tags = ['Connections'];

export const PLATFORM_NAMES: Record<Platform, string> = {
  youtube: 'YouTube', instagram: 'Instagram', tiktok: 'TikTok', facebook: 'Facebook', twitter: 'X',
};
