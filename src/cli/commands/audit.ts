import { flags, UsageError, withAdminDb, type Command } from '../command.js';

/** `plainfra audit --thread CHANNEL:TS`: one conversation's trail, as stored. */
export const auditCommand: Command = {
  name: 'audit',
  usage: [
    "  audit --thread CHANNEL:THREAD_TS [--json] print one conversation's audit trail",
    '  audit --admin --team T [--json]           print the admin changes of a team (accounts, bindings)',
    '  audit verify [--since DATE] [--json]      recompute every hash chain; exit 1 at any broken link',
  ],
  async run(args) {
    if (args[0] === 'verify') return verifyChains(args.slice(1));
    const { values } = flags(args, {
      thread: { type: 'string' },
      json: { type: 'boolean' },
      admin: { type: 'boolean' },
      team: { type: 'string' },
    });
    if (values.admin) return adminTrail(values);
    if (values.thread === undefined) throw new UsageError('audit needs --thread CHANNEL:THREAD_TS, or --admin --team T');
    const m = /^([A-Z0-9]+):(\d+\.\d+)$/.exec(String(values.thread));
    if (!m) throw new UsageError('--thread must be CHANNEL:THREAD_TS, e.g. C0123ABCD:1732540000.000100');
    return withAdminDb(async (db) => {
      const { findThreadConversations, readTrailRows, formatTrail, trailToJson } = await import('../../audit/index.js');
      const convs = await findThreadConversations(db, m[1]!, m[2]!);
      if (convs.length === 0) {
        console.error(`no conversation for thread ${String(values.thread)}`);
        return 1;
      }
      // Rows as stored, not parsed: the operator sees a malformed row too.
      const rows = (await Promise.all(convs.map((c) => readTrailRows(db, c.id)))).flat().sort((a, b) => a.id - b.id);
      console.log(values.json ? trailToJson(rows) : formatTrail(rows));
      return 0;
    });
  },
};

/** `plainfra audit --admin --team T`: the team's admin chain (src/audit/admin.ts). */
async function adminTrail(values: Record<string, string | boolean | undefined>): Promise<number> {
  if (typeof values.team !== 'string') throw new UsageError('audit --admin needs --team T');
  const teamId = values.team;
  return withAdminDb(async (db) => {
    const { readAdminTrail, formatTrail, trailToJson } = await import('../../audit/index.js');
    const rows = await readAdminTrail(db, teamId);
    if (rows.length === 0 && !values.json) {
      console.log(`no admin changes recorded for team ${teamId}`);
      return 0;
    }
    console.log(values.json ? trailToJson(rows) : formatTrail(rows));
    return 0;
  });
}

/** `plainfra audit verify`: recomputes every conversation's hash chain (src/audit/chain.ts). */
async function verifyChains(args: string[]): Promise<number> {
  const { values } = flags(args, { since: { type: 'string' }, json: { type: 'boolean' } });
  const since = values.since === undefined ? undefined : new Date(String(values.since));
  if (since && Number.isNaN(since.getTime())) throw new UsageError(`--since "${String(values.since)}" is not a date (e.g. 2026-11-01)`);
  return withAdminDb(async (db) => {
    const { verifyAuditChains, formatVerifyResult } = await import('../../audit/index.js');
    const result = await verifyAuditChains(db, { since });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatVerifyResult(result));
    return result.breaks.length === 0 ? 0 : 1;
  });
}
