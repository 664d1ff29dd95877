/**
 * The eval set: questions people ask, each with the AWS responses recorded for it (as the SDK
 * returns them, anonymised) and the figures a correct answer must state. Data files live in
 * `eval/cases/*.json` at the package root (next to `migrations/`), validated here at load.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** `eval/cases/` at the package root, from both `src/eval` (tests) and `dist/eval` (built CLI). */
export const CASES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'eval', 'cases');

const json: z.ZodType<unknown> = z.unknown();

/** One recorded AWS answer: replayed when the model asks for this service+operation with matching params. */
export const recordedCall = z
  .object({
    service: z.string().min(1),
    operation: z.string().min(1),
    /**
     * Params a request must carry (a subset match: objects compare member by member, arrays element
     * by element). Absent: any request for the operation matches. The most specific match wins.
     */
    params: z.record(z.string(), json).optional(),
    /** Only for requests in this region (regional operations fan out over the account's regions). */
    region: z.string().optional(),
    /** The SDK output (one page). ISO timestamps become Date objects, as the SDK returns them. */
    response: z.record(z.string(), json).optional(),
    /** Several pages: replayed one after the other through the operation's own paging. */
    pages: z.array(z.record(z.string(), json)).min(1).optional(),
    /** An AWS error instead (e.g. NoSuchPublicAccessBlockConfiguration, which hawk turns into an answer). */
    error: z.object({ code: z.string().min(1), message: z.string().default('') }).optional(),
  })
  .refine((c) => [c.response, c.pages, c.error].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of response, pages or error',
  });
export type RecordedCall = z.infer<typeof recordedCall>;

export const evalCase = z.object({
  /** Short kebab-case id, used by `--only`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'name: lower-case letters, digits and -'),
  /** What it covers (cost by service, Security Hub by severity …): for people reading the report. */
  topic: z.string().min(1),
  question: z.string().min(5),
  /** The account(s) the eval channel is bound to. */
  accounts: z
    .array(z.object({ name: z.string().min(1), accountId: z.string().regex(/^\d{12}$/), regions: z.array(z.string()).min(1) }))
    .min(1)
    .default([{ name: 'prod', accountId: '111122223333', regions: ['us-east-1'] }]),
  recorded: z.array(recordedCall).min(1),
  /**
   * Figures a correct answer must state, as a person would write them ("$4,182.37", "12.5%", "3").
   * Matched by value after normalising currency signs and thousands separators.
   */
  expect: z.array(z.string().regex(/\d/, 'an expected figure must contain digits')).min(1),
  /** Why these figures (how they follow from the recorded data), for whoever maintains the case. */
  notes: z.string().optional(),
});
export type EvalCase = z.infer<typeof evalCase>;

const caseFile = z.array(evalCase).min(1);

/** Loads and validates every case file; a bad file names itself and the problem. */
export function loadCases(dir = CASES_DIR): EvalCase[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new Error(`cannot read the eval cases in ${dir}: ${(err as Error).message}`);
  }
  if (files.length === 0) throw new Error(`no eval case files (*.json) in ${dir}`);
  const cases: EvalCase[] = [];
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      throw new Error(`eval case file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = caseFile.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `eval case file ${file} is invalid:\n  - ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  - ')}`,
      );
    }
    cases.push(...parsed.data);
  }
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`eval case name "${c.name}" is used twice`);
    seen.add(c.name);
  }
  return cases;
}
