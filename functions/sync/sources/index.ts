import { oauthClients, oauthSettings } from '../../oauth/config.ts';
import type { Platform } from '../../oauth/providers/port.ts';
import { facebookSource } from './facebook.ts';
import { instagramSource } from './instagram.ts';
import type { ContentSource, SourceOptions } from './port.ts';
import { tiktokSource } from './tiktok.ts';
import { twitterSource } from './twitter.ts';
import { youtubeSource } from './youtube.ts';

const sources: Record<Platform, (options: SourceOptions) => ContentSource> = {
  youtube: youtubeSource, instagram: instagramSource, tiktok: tiktokSource, facebook: facebookSource, twitter: twitterSource,
};

/** The platform's content source on this stage's hosts (the sandbox's under npm start), signing with its app secret where it must. */
export async function sourceFor(platform: Platform): Promise<ContentSource> {
  const client = (await oauthClients())[platform];
  return sources[platform]({ hosts: oauthSettings().hosts, clientSecret: client?.client_secret });
}
