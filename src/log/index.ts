import { pino, type Logger } from 'pino';

/**
 * One JSON logger per process. Secrets are redacted by path as a second line of defence; the first
 * is never passing them to a log call.
 */
export function createLogger(role: string, level: string = 'info'): Logger {
  return pino({
    name: `plainfra-${role}`,
    level,
    base: { role },
    redact: {
      paths: [
        'token',
        '*.token',
        'credentials',
        '*.credentials',
        'secretAccessKey',
        '*.secretAccessKey',
        'sessionToken',
        '*.sessionToken',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  });
}
export type { Logger };
