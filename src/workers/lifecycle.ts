import type { Logger } from 'pino';

/**
 * One lifecycle for every long-running process (bot, hawk, sentinel). Start-up registers, for each
 * thing it starts, how to stop it; closing stops them in reverse order (the worker before the
 * connections it uses). A start-up that fails midway stops what had already started, so a failed
 * start leaves no open connection or port behind.
 */
export interface Lifecycle {
  /** Registers how to stop something that has just started; stopped in reverse order of registration. */
  defer(what: string, stop: () => unknown): void;
  /** Stops everything registered, newest first; an error in one step is logged and the rest still run. Idempotent. */
  close(): Promise<void>;
}

export function createLifecycle(logger: Logger, role: string): Lifecycle {
  const steps: { what: string; stop: () => unknown }[] = [];
  let closing: Promise<void> | undefined;
  return {
    defer(what, stop) {
      steps.push({ what, stop });
    },
    // A second close() waits for the first rather than stopping things twice.
    close: () =>
      (closing ??= (async () => {
        for (const { what, stop } of [...steps].reverse()) {
          try {
            await stop();
          } catch (err) {
            logger.warn({ step: what, err: (err as Error).message }, 'error while closing');
          }
        }
        logger.info(`${role} closed`);
      })()),
  };
}

/**
 * Runs a process's start-up under a lifecycle: on failure, what started is stopped (reverse order)
 * and the error rethrown; on success, what `start` returned comes back with the lifecycle's close().
 */
export async function startProcess<T extends object>(
  logger: Logger,
  role: string,
  start: (lifecycle: Lifecycle) => Promise<T>,
): Promise<T & { close(): Promise<void> }> {
  const lifecycle = createLifecycle(logger, role);
  try {
    return { ...(await start(lifecycle)), close: lifecycle.close };
  } catch (err) {
    logger.error({ err: (err as Error).message }, `${role} failed to start; stopping what had started`);
    await lifecycle.close();
    throw err;
  }
}

/**
 * SIGTERM/SIGINT → graceful close (stop taking work, finish the jobs in hand) within `deadlineMs`
 * overall, then exit 0; past the deadline, exit 1. A second signal → exit 1 at once. Jobs cut off
 * either way are re-run by another worker after their lock expires (PLAINFRA_JOB_LOCK_MS).
 */
export function onShutdown(logger: Logger, close: () => Promise<void>, deadlineMs: number): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal, deadlineMs }, 'shutting down gracefully');
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), deadlineMs).unref());
    Promise.race([close().then(() => 'closed' as const), deadline])
      .then((result) => {
        if (result === 'deadline') {
          logger.error({ deadlineMs }, 'graceful shutdown did not finish in time (PLAINFRA_SHUTDOWN_TIMEOUT_MS); exiting');
          process.exit(1);
        }
        process.exit(0);
      })
      .catch((err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
