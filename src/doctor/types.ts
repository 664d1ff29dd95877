/** One line of `plainfra doctor`: what was checked, whether it holds, and the exact fix when not. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found (✔) or what went wrong (✘). */
  detail: string;
  /** ✘ only: what to do, as a command or a setting to change. */
  fix?: string;
}

export type DoctorRole = 'bot' | 'hawk' | 'sentinel';

export const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });

/** Runs `check` with a deadline so one unreachable host cannot hang the whole report. */
export async function withDeadline<T>(what: string, ms: number, check: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function message(err: unknown): string {
  const e = err as { data?: { error?: string }; name?: string; message?: string; Code?: string };
  return e.data?.error ?? e.Code ?? (e.message || e.name || String(err));
}
