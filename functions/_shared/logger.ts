import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs; the middy stack adds the request id and function context to every line. */
export const logger = new Logger({ serviceName: 'streamvibe', logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
