/**
 * How much time and memory does hawk need to shape huge answers? Serves 50 000 Security Hub
 * findings (500 pages of 100) and 10 000 EC2 instances (10 pages of 1 000) from the fake AWS
 * server and runs them through the real runner: SDK clients, paginators, parsers, shaping,
 * redaction and the size budget.
 *
 *   npx tsx bench/hawk-shaping.ts
 *
 * Each scenario runs in its own child process so that `maxRSS` (a process-lifetime peak) belongs
 * to that scenario alone. The fake server builds each page on demand, so it adds little memory.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAwsQueryRunner } from '../src/tools/aws/index.js';
import {
  SAMPLE_ACCOUNT,
  assumeRoleHandler,
  describeInstancesXml,
  sampleFindings,
  sampleInstances,
  startFakeAws,
} from '../test/fakes/aws.js';

const SCENARIOS = {
  findings: { total: 50_000, pageSize: 100, input: { service: 'securityhub', operation: 'GetFindings', region: 'us-east-1' } },
  instances: { total: 10_000, pageSize: 1_000, input: { service: 'ec2', operation: 'DescribeInstances', region: 'us-east-1' } },
} as const;
type Name = keyof typeof SCENARIOS;

async function runScenario(name: Name): Promise<void> {
  const s = SCENARIOS[name];
  const fake = await startFakeAws({
    handlers: {
      'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }),
      'securityhub:GetFindings': (req) => {
        const offset = Number(req.json?.NextToken ?? 0);
        const next = offset + s.pageSize;
        return {
          result: {
            Findings: sampleFindings(Math.min(s.pageSize, s.total - offset), offset),
            ...(next < s.total && { NextToken: String(next) }),
          },
        };
      },
      'ec2:DescribeInstances': (req) => {
        const offset = Number(req.form?.NextToken ?? 0);
        const next = offset + s.pageSize;
        return {
          xml: describeInstancesXml(
            sampleInstances(Math.min(s.pageSize, s.total - offset), offset),
            next < s.total ? String(next) : undefined,
          ),
        };
      },
    },
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: fake.url,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
  });
  // The runner needs Redis only for Cost Explorer; lazyConnect means it never connects here.
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const runner = createAwsQueryRunner({
    redis,
    logger: pino({ level: 'silent' }),
    cacheKeyPrefix: 'bench:',
    limits: { maxPages: Math.ceil(s.total / s.pageSize), securityHubRps: 1e6, timeoutMs: 600_000 },
  });
  const rssBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const out = await runner.run(SAMPLE_ACCOUNT, { conversationId: 'bench', teamId: 'T', userId: 'U' }, s.input);
  const ms = performance.now() - t0;
  if (out.status !== 'ok') throw new Error(`bench ${name} failed: ${JSON.stringify(out)}`);
  const r = out.result as { count: number; items: unknown[] };
  console.log(
    JSON.stringify({
      scenario: name,
      items: r.count,
      pages: out.pages,
      truncated: out.truncated,
      ms: Math.round(ms),
      itemsPerSecond: Math.round(r.count / (ms / 1000)),
      maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      maxRssBeforeRunMiB: Math.round(rssBefore / 1024),
      shapedChars: JSON.stringify(out.result).length,
      shownItems: r.items.length,
    }),
  );
  await runner.close();
  redis.disconnect();
  await fake.close();
}

const arg = process.argv[2] as Name | undefined;
if (arg) {
  await runScenario(arg);
} else {
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, unknown>[] = [];
  for (const name of Object.keys(SCENARIOS) as Name[]) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, name], { encoding: 'utf8', env: process.env });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    rows.push(JSON.parse(child.stdout.trim().split('\n').pop()!));
  }
  console.log('hawk shaping benchmark (fake AWS on 127.0.0.1, real SDK clients and paginators)');
  console.table(rows);
}
