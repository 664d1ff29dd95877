/**
 * What hawk needs to know to run one allowlisted operation. One `OperationSpec` per allowlist entry;
 * the per-service files in `./ops/` define them and `registry.ts` indexes them.
 */
import type { z } from 'zod';
import type { ParamPin } from './account-pin.js';
import type { ListShape } from './collector.js';
import type { FieldSpec } from './shape.js';

/** An AWS SDK v3 command instance: hawk builds one per request and hands it to `send`. */
export interface SdkCommand {
  readonly input: object;
}

/** The settings hawk gives a client (`clients.ts`, and the eval's replay clients). */
export interface SdkClientConfig {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
  retryMode?: 'standard' | 'adaptive';
  maxAttempts?: number;
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number };
  /** S3 only: follow a bucket's region redirect. */
  followRegionRedirects?: boolean;
}

/**
 * A handler and a middleware of the SDK's stack, as hawk writes them. Declared as methods so their
 * parameters are checked bivariantly: each client's stack is typed with its own service's input
 * and output unions, which one shared type cannot name.
 */
interface SdkHandlerSignature {
  handle(args: { input: object }): Promise<{ output: unknown }>;
}
interface SdkMiddlewareSignature {
  wrap(next: SdkHandlerSignature['handle']): SdkHandlerSignature['handle'];
}
export type SdkMiddleware = SdkMiddlewareSignature['wrap'];

/**
 * What hawk asks of an AWS SDK v3 client. The 23 client classes share no useful common type of their
 * own (each is generic over its service's input and output unions), but each satisfies this shape.
 */
export interface SdkClient {
  send(command: SdkCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  destroy(): void;
  middlewareStack: {
    // One overload per step hawk uses, as the SDK's own stack declares them.
    add(middleware: SdkMiddleware, options: { step: 'initialize'; priority: 'high' | 'low'; name: string }): void;
    add(middleware: SdkMiddleware, options: { step: 'finalizeRequest'; priority: 'high' | 'low'; name: string }): void;
  };
}

export type ClientClass = new (config: SdkClientConfig) => SdkClient;

/**
 * Any SDK command class. Each takes its own operation's input type, while hawk builds input at run
 * time from validated params; a construct signature's parameter is checked contravariantly, so only
 * `any` admits every command class without a cast at each of the 70-odd spec entries.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one parameter type every command constructor accepts (see above)
export type CommandClass = new (input: any) => SdkCommand;

/**
 * Declared as a method so TypeScript checks its parameters bivariantly: each SDK paginator takes its
 * own client class and input type, which `Paginator` cannot name for all services at once.
 */
interface PaginatorSignature {
  paginate(config: { client: SdkClient; pageSize?: number }, input: object, ...extra: unknown[]): AsyncIterable<unknown>;
}
/** An SDK `paginateX` function (created by smithy's createPaginator). */
export type Paginator = PaginatorSignature['paginate'];

/**
 * - `global`: one endpoint, called in us-east-1 (ce, budgets, iam, organizations, health, support,
 *   sts, s3 ListBuckets, ec2 DescribeRegions).
 * - `regional`: called in `input.region`, or fanned out over the account's regions.
 * - `bucket`: S3 bucket configuration: called once (in `input.region` or us-east-1) with the client
 *   following the redirect to the bucket's own region.
 */
export type Scope = 'global' | 'regional' | 'bucket';

export interface Paging {
  /** Request member carrying the token (`NextToken`, `Marker`, `NextPageToken` …). */
  input: string;
  /** Response member carrying the next token; its presence after the page cap means "truncated". */
  output: string;
  /** Request member setting the page size, if the API has one. */
  sizeParam?: string;
  /** Page size hawk asks for (the API's maximum, so the page cap covers as much as possible). */
  pageSize?: number;
  /** Params that the API refuses to combine with a page size (EC2: `InstanceIds` with `MaxResults`). */
  noSizeWith?: string[];
  /** The SDK paginator, where the SDK has one; otherwise hawk loops on the token itself. */
  paginator?: Paginator;
}

/**
 * `Page` is the command's output type, `Item` one list item and `Summary` what a hand-written item
 * shaper makes of it, so the shapers in `./ops/` are checked against the SDK's types (`sdkOp`). The
 * registry and the runner hold specs erased, with the defaults.
 */
export interface OperationSpec<Page = unknown, Item = unknown, Summary = Item> {
  service: string;
  operation: string;
  client: ClientClass;
  command: CommandClass;
  scope: Scope;
  /** Validates the model's params and turns them into SDK input. Strict: unknown members are refused. */
  params: z.ZodType<Record<string, unknown>>;
  /**
   * Params that name a resource by ARN (or an account by id): each value must belong to the bound
   * account, else the call is refused before any AWS request (`account-pin.ts`).
   */
  pins?: readonly ParamPin[];
  /** Input hawk adds itself (e.g. Budgets' AccountId from the role ARN, EC2 snapshots `OwnerIds: ['self']`). */
  fixedInput?: (params: Record<string, unknown>, accountId: string) => Record<string, unknown>;
  paging?: Paging;
  /** Set for list-like operations: summarised page by page. */
  list?: ListShape<Page, Item, Summary>;
  /** Set for single-object operations. Exactly one of `list` / `single`. */
  single?: FieldSpec | ((output: Page) => unknown);
  /**
   * Error codes that are an answer, not a failure ("this bucket has no encryption configuration").
   * They become `{ absent: true, code, note }` results.
   */
  absentOn?: Record<string, string>;
}

/**
 * What a service asks of the runner beyond a plain SDK call. Declared once per service in
 * `registry.ts` (`CALL_POLICIES`) and carried by each of its registry entries, so the runner asks
 * the entry instead of naming the service.
 */
export interface CallPolicy {
  /**
   * `per-request`: AWS bills every request (Cost Explorer: $0.01 per request and per page). Each page
   * is reserved against the spend budget (`budget.ts`) before it is sent; a spent budget refuses the call.
   */
  billing?: 'per-request';
  /** Shaped results are shared through Redis (`ce-cache.ts`) for `ttlSeconds(operation, sdkInput)` seconds. */
  cache?: { ttlSeconds(operation: string, input: Record<string, unknown>): number };
  /**
   * AWS's request quota per account and region, shared by every hawk process (`SharedRateLimiter`):
   * the `Limits` field giving the rate.
   */
  rateLimit?: 'securityHubRps';
}

/** An operation as the registry holds it: its spec and its service's call policy. */
export interface RegistryEntry extends OperationSpec {
  readonly callPolicy: CallPolicy;
}

/** Helper so per-service files get type checking without repeating the interface name. */
export const defineOps = (ops: OperationSpec[]): OperationSpec[] => ops;
