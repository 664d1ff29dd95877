/**
 * A fake AWS for tests: a real `node:http` server on 127.0.0.1 that speaks the wire protocols the
 * AWS SDK v3 uses, so tests exercise real clients, signing, retries and parsers.
 *
 * ## Use
 * ```ts
 * const fake = await startFakeAws({ handlers: {
 *   'sts:AssumeRole': assumeRoleHandler({ externalId: SAMPLE_ACCOUNT.externalId }),
 *   'ce:GetCostAndUsage': () => ({ result: sampleCostAndUsage() }),
 * } });
 * process.env.AWS_ENDPOINT_URL = fake.url;        // before creating SDK clients
 * process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKEHAWK';  // dummy identity for hawk itself
 * process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
 * process.env.AWS_REGION = 'us-east-1';
 * …
 * fake.requests            // every request, in order (RecordedRequest below)
 * fake.requestsFor('ce:GetCostAndUsage')
 * fake.handle('ce:GetCostAndUsage', handler) // add/replace a handler later
 * await fake.close();
 * ```
 *
 * ## Keys
 * Handlers are keyed `<service>:<Action>`, where `<service>` is the SigV4 signing name found in the
 * Authorization header's credential scope (`sts`, `iam`, `ce`, `securityhub`, `ec2`, `lambda`,
 * `tagging` …) and `<Action>` comes from `X-Amz-Target` (JSON protocols), the `Action` form field
 * (query protocols) or the REST route table below (restJson1). A request without a handler gets a
 * protocol-correct `UnknownOperationException`-style 400 error.
 *
 * ## Replies (what a handler returns)
 * - `{ result: {...} }` — SDK-shaped data (PascalCase members as in the SDK types), serialised for the
 *   service's protocol: JSON for awsJson1_1/restJson1 (Dates → epoch seconds); `<XResponse><XResult>`
 *   XML with `<member>` lists for awsQuery (sts, iam). EC2 is irregular: use `{ xml }` with
 *   `ec2Response()` / `describeInstancesXml()`.
 * - `{ json, status? }`, `{ xml, status? }` — a body as is.
 * - `{ error: { code, message?, status? } }` — a protocol-correct AWS error (403 for AccessDenied,
 *   429 for TooManyRequestsException, else 400 unless given).
 * - `throttled()` — shorthand for a 429 throttling error.
 *
 * Sample data builders (`SAMPLE_ACCOUNT`, `sampleFindings`, `sampleInstances`, `sampleCostAndUsage`,
 * `sampleLambdaFunctions`) and paging helpers (`pagedJson`) are at the bottom.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /**
   * Parsed JSON body (JSON protocols). `any` on purpose: it is the request of whichever operation a
   * test scripts, and the tests read its fields and assert on them; a type per operation would be a
   * second copy of the AWS models.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the raw wire body of any AWS JSON operation; tests assert on the fields they read
  json?: any;
  /** Parsed form body (query protocols: sts, iam, ec2). */
  form?: Record<string, string>;
  /** X-Amz-Target, if any. */
  target?: string;
  /** Operation name: from X-Amz-Target, the Action form field or the REST route table. */
  action: string;
  /** SigV4 signing name from the Authorization header's credential scope ('unknown' if unsigned). */
  service: string;
  /** SigV4 region from the credential scope. */
  region?: string;
  /** Access key id that signed the request (temporary ASIA… ids for assumed-role sessions). */
  accessKeyId?: string;
  /** True if an `AWS4-HMAC-SHA256` Authorization header with a credential scope was present. */
  signed: boolean;
  /** `<service>:<action>`, the handler key. */
  key: string;
}

export type FakeReply =
  | { result: Record<string, unknown>; status?: number }
  | { json: unknown; status?: number; headers?: Record<string, string> }
  | { xml: string; status?: number }
  | { error: { code: string; message?: string; status?: number; type?: 'Sender' | 'Receiver' } };

export type FakeHandler = (req: RecordedRequest) => FakeReply | Promise<FakeReply>;

export interface FakeAws {
  url: string;
  requests: RecordedRequest[];
  requestsFor(key: string): RecordedRequest[];
  handle(key: string, handler: FakeHandler): void;
  close(): Promise<void>;
}

type Protocol = 'query' | 'ec2' | 'json' | 'rest-json';
const PROTOCOL: Record<string, Protocol> = {
  sts: 'query',
  iam: 'query',
  ec2: 'ec2',
  ce: 'json',
  tagging: 'json',
  securityhub: 'rest-json',
  lambda: 'rest-json',
  monitoring: 'query',
  rds: 'query',
  elasticloadbalancing: 'query',
  autoscaling: 'query',
  budgets: 'json',
  support: 'json',
  health: 'json',
  organizations: 'json',
  config: 'json',
  cloudtrail: 'json',
  'compute-optimizer': 'json',
  guardduty: 'rest-json',
  'access-analyzer': 'rest-json',
  ecs: 'json',
  eks: 'rest-json',
  s3: 'rest-json',
};
const QUERY_XMLNS: Record<string, string> = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** restJson1 routes: [service, method, path pattern, action]. */
const REST_ROUTES: [string, string, RegExp, string][] = [
  ['securityhub', 'POST', /^\/findings\/?$/, 'GetFindings'],
  ['securityhub', 'GET', /^\/accounts\/?$/, 'DescribeHub'],
  ['securityhub', 'POST', /^\/standards\/get\/?$/, 'GetEnabledStandards'],
  ['securityhub', 'GET', /^\/standards\/?$/, 'DescribeStandards'],
  ['lambda', 'GET', /^\/2015-03-31\/functions\/?$/, 'ListFunctions'],
  ['lambda', 'GET', /^\/2015-03-31\/functions\/[^/]+\/configuration\/?$/, 'GetFunctionConfiguration'],
  ['access-analyzer', 'POST', /^\/finding\/?$/, 'ListFindings'],
];

function credentialScope(auth: string | undefined): { accessKeyId?: string; region?: string; service?: string } {
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth ?? '');
  return m ? { accessKeyId: m[1], region: m[2], service: m[3] } : {};
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** awsQuery-style XML for SDK-shaped data: objects nest, arrays become `<member>` lists. */
export function queryXmlMembers(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => `<member>${queryXmlMembers(x)}</member>`).join('');
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => (x === undefined ? '' : `<${k}>${queryXmlMembers(x)}</${k}>`))
      .join('');
  return escapeXml(String(v));
}

/** JSON as the AWS JSON protocols send it: Dates as epoch seconds. */
function awsJson(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}

export const throttled = (): FakeReply => ({ error: { code: 'TooManyRequestsException', message: 'Rate exceeded', status: 429 } });

/** An EC2 response document around `inner` XML. */
export function ec2Response(action: string, inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>fake-${Date.now()}</requestId>` +
    `${inner}</${action}Response>`
  );
}

let requestCounter = 0;

function writeReply(res: ServerResponse, req: RecordedRequest, reply: FakeReply): void {
  const proto = PROTOCOL[req.service] ?? 'json';
  const requestId = `fake-req-${++requestCounter}`;
  res.setHeader('x-amzn-RequestId', requestId);
  if ('error' in reply) {
    const { code, message = code } = reply.error;
    const status =
      reply.error.status ??
      (code === 'AccessDenied' || code === 'AccessDeniedException' ? 403 : code === 'TooManyRequestsException' ? 429 : 400);
    res.statusCode = status;
    if (proto === 'query') {
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<ErrorResponse xmlns="${QUERY_XMLNS[req.service] ?? ''}">` +
          `<Error><Type>${reply.error.type ?? (status >= 500 ? 'Receiver' : 'Sender')}</Type>` +
          `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    } else if (proto === 'ec2') {
      res.setHeader('content-type', 'text/xml');
      res.end(
        `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>` +
          `<RequestID>${requestId}</RequestID></Response>`,
      );
    } else if (proto === 'rest-json') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-amzn-ErrorType', code);
      res.end(JSON.stringify({ message }));
    } else {
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify({ __type: code, message }));
    }
    return;
  }
  res.statusCode = reply.status ?? 200;
  if ('xml' in reply) {
    res.setHeader('content-type', 'text/xml');
    res.end(reply.xml);
  } else if ('json' in reply) {
    res.setHeader('content-type', 'application/json');
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    res.end(awsJson(reply.json));
  } else if (proto === 'query') {
    res.setHeader('content-type', 'text/xml');
    const xmlns = QUERY_XMLNS[req.service] ?? `https://${req.service}.amazonaws.com/doc/`;
    res.end(
      `<${req.action}Response xmlns="${xmlns}">` +
        `<${req.action}Result>${queryXmlMembers(reply.result)}</${req.action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${req.action}Response>`,
    );
  } else if (proto === 'ec2') {
    throw new Error('EC2 replies need { xml } (EC2 element names are irregular); see describeInstancesXml()');
  } else {
    res.setHeader('content-type', proto === 'json' ? 'application/x-amz-json-1.1' : 'application/json');
    res.end(awsJson(reply.result));
  }
}

function record(req: IncomingMessage, body: string): RecordedRequest {
  const url = new URL(req.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const scope = credentialScope(headers.authorization);
  const service = scope.service ?? 'unknown';
  const contentType = headers['content-type'] ?? '';
  let json: unknown;
  let form: Record<string, string> | undefined;
  if (contentType.includes('x-www-form-urlencoded')) form = Object.fromEntries(new URLSearchParams(body));
  else if (body && contentType.includes('json')) {
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
  }
  const target = headers['x-amz-target'];
  const route = REST_ROUTES.find(([s, m, p]) => s === service && m === req.method && p.test(url.pathname));
  const action = target?.split('.').pop() ?? form?.Action ?? route?.[3] ?? `${req.method} ${url.pathname}`;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    json,
    form,
    target,
    action,
    service,
    region: scope.region,
    accessKeyId: scope.accessKeyId,
    signed: scope.service !== undefined,
    key: `${service}:${action}`,
  };
}

export async function startFakeAws(opts: { handlers?: Record<string, FakeHandler> } = {}): Promise<FakeAws> {
  const handlers = new Map(Object.entries(opts.handlers ?? {}));
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rec = record(req, Buffer.concat(chunks).toString('utf8'));
      requests.push(rec);
      const handler = handlers.get(rec.key);
      try {
        const reply: FakeReply = handler
          ? await handler(rec)
          : { error: { code: 'UnknownOperationException', message: `fake AWS has no handler for ${rec.key}`, status: 400 } };
        writeReply(res, rec, reply);
      } catch (err) {
        res.statusCode = 500;
        res.end(`fake AWS handler for ${rec.key} threw: ${(err as Error).message}`);
      }
    });
  });
  // Keep-alive sockets would hold close() open; the SDK reconnects as needed.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (key) => requests.filter((r) => r.key === key),
    handle: (key, handler) => void handlers.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Sample data and handler builders
// ---------------------------------------------------------------------------------------------

export const SAMPLE_ACCOUNT = {
  accountName: 'acme-prod',
  accountId: '123456789012',
  roleArn: 'arn:aws:iam::123456789012:role/plainfra-readonly',
  externalId: 'plainfra-ext-3f9c2a7d1e',
  regions: ['us-east-1', 'eu-west-1'],
};

/**
 * Points the AWS SDK of this process at `fake`, with hawk's own (static, fake) identity: what a
 * test of an in-process hawk runner needs before it assumes any account's role.
 */
export function useFakeAwsAsHawk(fake: FakeAws): void {
  process.env.AWS_ENDPOINT_URL = fake.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDFAKEHAWKIDENTITY';
  process.env.AWS_SECRET_ACCESS_KEY = 'fake-hawk-secret';
  process.env.AWS_REGION = 'us-east-1';
}

/**
 * STS AssumeRole that enforces the ExternalId like a real trust policy: missing or wrong → the
 * same 403 AccessDenied AWS gives. Issues temporary ASIA… credentials valid for `DurationSeconds`.
 */
export function assumeRoleHandler(opts: { externalId: string; roleArn?: string }): FakeHandler {
  let n = 0;
  return (req) => {
    const f = req.form ?? {};
    if (f.ExternalId !== opts.externalId || (opts.roleArn && f.RoleArn !== opts.roleArn)) {
      return {
        error: {
          code: 'AccessDenied',
          message: `User: arn:aws:iam::999999999999:role/hawk is not authorized to perform: sts:AssumeRole on resource: ${f.RoleArn}`,
        },
      };
    }
    n++;
    const seconds = Number(f.DurationSeconds ?? 3600);
    return {
      result: {
        Credentials: {
          AccessKeyId: `ASIAFAKESESSION${String(n).padStart(5, '0')}`,
          SecretAccessKey: `fakeSessionSecret${n}`,
          SessionToken: `fakeSessionToken${n}`,
          Expiration: new Date(Date.now() + seconds * 1000),
        },
        AssumedRoleUser: { AssumedRoleId: `AROAFAKE:${f.RoleSessionName}`, Arn: `${f.RoleArn}/${f.RoleSessionName}` },
        SourceIdentity: f.SourceIdentity,
      },
    };
  };
}

export function callerIdentityHandler(account = SAMPLE_ACCOUNT): FakeHandler {
  return () => ({
    result: {
      Account: account.accountId,
      Arn: `arn:aws:sts::${account.accountId}:assumed-role/plainfra-readonly/hawk`,
      UserId: 'AROAFAKE:hawk',
    },
  });
}

/** Serves `items` in pages of `pageSize` for JSON protocols; the token is the next offset. */
export function pagedJson(
  items: unknown[],
  pageSize: number,
  opts: { listKey: string; tokenIn?: string; tokenOut?: string; extra?: Record<string, unknown> },
): FakeHandler {
  const tokenIn = opts.tokenIn ?? 'NextToken';
  const tokenOut = opts.tokenOut ?? tokenIn;
  return (req) => {
    const offset = Number(req.json?.[tokenIn] ?? 0);
    const next = offset + pageSize;
    return {
      result: { ...opts.extra, [opts.listKey]: items.slice(offset, next), ...(next < items.length && { [tokenOut]: String(next) }) },
    };
  };
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
/** Deterministic severity mix: 5 % critical, 15 % high, 30 % medium, 30 % low, 20 % informational. */
export function severityOf(i: number): (typeof SEVERITIES)[number] {
  const b = i % 20;
  return b === 0 ? 'CRITICAL' : b <= 3 ? 'HIGH' : b <= 9 ? 'MEDIUM' : b <= 15 ? 'LOW' : 'INFORMATIONAL';
}

/** ASFF findings as Security Hub returns them (with the bulky fields real findings carry). */
export function sampleFindings(n: number, start = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const sev = severityOf(i);
    return {
      SchemaVersion: '2018-10-08',
      Id:
        'arn:aws:securityhub:us-east-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/' +
        `EC2.${i}/finding/${i.toString(16).padStart(8, '0')}`,
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
      ProductName: i % 3 === 0 ? 'GuardDuty' : 'Security Hub',
      CompanyName: 'AWS',
      GeneratorId: `security-control/EC2.${i % 40}`,
      AwsAccountId: '123456789012',
      Region: 'us-east-1',
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
      FirstObservedAt: '2024-05-01T10:00:00.000Z',
      UpdatedAt: '2024-05-20T10:00:00.000Z',
      CreatedAt: '2024-05-01T10:00:00.000Z',
      Severity: { Label: sev, Normalized: 70, Original: sev },
      Title: `EC2 security group ${i} allows unrestricted access to port 22`,
      Description: 'This control checks whether security groups allow unrestricted incoming traffic to port 22. '.repeat(3),
      Remediation: {
        Recommendation: { Text: 'Remove the 0.0.0.0/0 rule.', Url: 'https://docs.aws.amazon.com/console/securityhub/EC2.13/remediation' },
      },
      Resources: [
        {
          Type: 'AwsEc2SecurityGroup',
          Id: `arn:aws:ec2:us-east-1:123456789012:security-group/sg-${i.toString(16).padStart(8, '0')}`,
          Region: 'us-east-1',
          Details: {
            AwsEc2SecurityGroup: {
              GroupName: `sg-${i}`,
              IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
            },
          },
        },
      ],
      Compliance: { Status: 'FAILED', SecurityControlId: `EC2.${i % 40}` },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      FindingProviderFields: { Severity: { Label: sev }, Types: ['Software and Configuration Checks'] },
    };
  });
}

export interface SampleInstance {
  InstanceId: string;
  InstanceType: string;
  State: { Name: string; Code: number };
  LaunchTime: string;
  PrivateIpAddress: string;
  PublicIpAddress?: string;
  AvailabilityZone: string;
  VpcId: string;
  SubnetId: string;
  ImageId: string;
  Tags: { Key: string; Value: string }[];
}

const TYPES = ['t3.micro', 't3.large', 'm5.xlarge', 'c6g.2xlarge', 'r6i.large'];
const STATES: [string, number][] = [
  ['running', 16],
  ['running', 16],
  ['running', 16],
  ['stopped', 80],
  ['terminated', 48],
];

export function sampleInstances(n: number, start = 0): SampleInstance[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const [name, code] = STATES[i % STATES.length];
    return {
      InstanceId: `i-${(0x1000000 + i).toString(16).padStart(17, '0')}`,
      InstanceType: TYPES[i % TYPES.length],
      State: { Name: name, Code: code },
      LaunchTime: '2024-03-01T08:00:00.000Z',
      PrivateIpAddress: `10.0.${(i >> 8) & 255}.${i & 255}`,
      ...(i % 4 === 0 && { PublicIpAddress: `54.1.${(i >> 8) & 255}.${i & 255}` }),
      AvailabilityZone: i % 2 ? 'us-east-1a' : 'us-east-1b',
      VpcId: 'vpc-0abc1234',
      SubnetId: `subnet-0${i % 3}`,
      ImageId: 'ami-0123456789abcdef0',
      Tags: [
        { Key: 'Name', Value: `web-${i}` },
        { Key: 'team', Value: i % 2 ? 'payments' : 'search' },
      ],
    };
  });
}

function instanceXml(i: SampleInstance): string {
  const tags = i.Tags.map((t) => `<item><key>${escapeXml(t.Key)}</key><value>${escapeXml(t.Value)}</value></item>`).join('');
  return (
    `<item><instanceId>${i.InstanceId}</instanceId><imageId>${i.ImageId}</imageId>` +
    `<instanceState><code>${i.State.Code}</code><name>${i.State.Name}</name></instanceState>` +
    `<privateIpAddress>${i.PrivateIpAddress}</privateIpAddress>${i.PublicIpAddress ? `<ipAddress>${i.PublicIpAddress}</ipAddress>` : ''}` +
    `<instanceType>${i.InstanceType}</instanceType><launchTime>${i.LaunchTime}</launchTime>` +
    `<placement><availabilityZone>${i.AvailabilityZone}</availabilityZone><tenancy>default</tenancy></placement>` +
    `<subnetId>${i.SubnetId}</subnetId><vpcId>${i.VpcId}</vpcId><architecture>x86_64</architecture>` +
    `<groupSet><item><groupId>sg-0aaa</groupId><groupName>web</groupName></item></groupSet>` +
    `<metadataOptions><httpTokens>required</httpTokens></metadataOptions><tagSet>${tags}</tagSet></item>`
  );
}

/** `DescribeInstancesResponse` XML: one reservation per instance, as EC2 does for single launches. */
export function describeInstancesXml(instances: SampleInstance[], nextToken?: string): string {
  const reservations = instances
    .map(
      (i) =>
        `<item><reservationId>r-${i.InstanceId.slice(2)}</reservationId><ownerId>123456789012</ownerId>` +
        `<instancesSet>${instanceXml(i)}</instancesSet></item>`,
    )
    .join('');
  return ec2Response(
    'DescribeInstances',
    `<reservationSet>${reservations}</reservationSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}`,
  );
}

/** Serves EC2 instances page by page; the token is the next offset. */
export function pagedInstances(
  instances: SampleInstance[] | ((offset: number, size: number) => SampleInstance[]),
  total: number,
  pageSize: number,
): FakeHandler {
  return (req) => {
    const offset = Number(req.form?.NextToken ?? 0);
    const size = Math.min(Number(req.form?.MaxResults ?? pageSize), pageSize);
    const page =
      typeof instances === 'function' ? instances(offset, Math.min(size, total - offset)) : instances.slice(offset, offset + size);
    const next = offset + size;
    return { xml: describeInstancesXml(page, next < total ? String(next) : undefined) };
  };
}

const SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Relational Database Service',
  'Amazon Simple Storage Service',
  'AWS Lambda',
  'Amazon CloudFront',
];

/** GetCostAndUsage output: MONTHLY periods grouped by SERVICE. */
export function sampleCostAndUsage(opts: { months?: string[]; services?: string[] } = {}): Record<string, unknown> {
  const months = opts.months ?? ['2024-04-01', '2024-05-01', '2024-06-01'];
  const services = opts.services ?? SERVICES;
  return {
    GroupDefinitions: [{ Type: 'DIMENSION', Key: 'SERVICE' }],
    DimensionValueAttributes: [],
    ResultsByTime: months.slice(0, -1).map((start, m) => ({
      TimePeriod: { Start: start, End: months[m + 1] },
      Total: {},
      Estimated: false,
      Groups: services.map((s, k) => ({
        Keys: [s],
        Metrics: { UnblendedCost: { Amount: String((k + 1) * 100 + m * 10 + 0.5), Unit: 'USD' } },
      })),
    })),
  };
}

/** Lambda functions with environment variables holding secrets, as real ones too often do. */
export function sampleLambdaFunctions(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    FunctionName: `orders-${i}`,
    FunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:orders-${i}`,
    Runtime: i % 2 ? 'nodejs20.x' : 'python3.12',
    Role: 'arn:aws:iam::123456789012:role/orders-lambda',
    Handler: 'index.handler',
    CodeSize: 1024 * (i + 1),
    Timeout: 30,
    MemorySize: 512,
    LastModified: '2024-05-01T10:00:00.000+0000',
    CodeSha256: 'abc',
    Environment: {
      Variables: { DB_PASSWORD: 'hunter2-super-secret', STRIPE_KEY: 'sk_live_51HxYzSECRET', AWS_KEY: 'AKIAIOSFODNN7EXAMPLE' },
    },
    Architectures: ['arm64'],
    PackageType: 'Zip',
  }));
}
