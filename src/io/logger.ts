import type { Writable } from 'node:stream';

// Diagnostics go to stderr only, as pino JSON lines, quiet unless STRATA_LOG_LEVEL asks for more.
// pino is loaded on the first message that is actually logged: a successful render at the default level
// never pays for it (cold start matters inside Argo CD).

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

export interface Logger {
  enabled(level: Exclude<Level, 'silent'>): boolean;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function levelFrom(env: Readonly<Record<string, string | undefined>>): Level {
  const l = (env.STRATA_LOG_LEVEL ?? '').toLowerCase();
  return Object.hasOwn(RANK, l) ? (l as Level) : 'warn';
}

export function createLogger(level: Level, stream: Writable, name = 'strata'): Logger {
  let pinoLogger: { [k: string]: (obj: object, msg: string) => void } | undefined;
  const get = () => {
    if (!pinoLogger) {
      const pino = require('pino') as typeof import('pino');
      pinoLogger = pino.default({ level, base: { name } }, stream) as unknown as typeof pinoLogger;
    }
    return pinoLogger!;
  };
  const at = (l: Exclude<Level, 'silent'>) => (obj: object, msg: string) => {
    if (RANK[l] >= RANK[level]) get()[l](obj, msg);
  };
  return { enabled: (l) => RANK[l] >= RANK[level], debug: at('debug'), info: at('info'), warn: at('warn') };
}
