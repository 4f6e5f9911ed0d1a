/** Tokens expiring within this are refreshed (the schedule runs every 5 minutes, so each gets three chances). */
export const REFRESH_AHEAD_MINUTES = 15;
