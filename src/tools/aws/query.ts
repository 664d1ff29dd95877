/**
 * The first step of an aws_query: from what the model asked for to a `Query` hawk can run (the
 * allowlisted operation, validated params, the regions, the SDK input), or the refusal it hears.
 * No I/O.
 */
import type { Logger } from 'pino';
import type { AllowedOperation } from '../allowlist.js';
import { accountScopeOf } from './account-pin.js';
import { regionsFor } from './assemble.js';
import { prepare } from './refusal.js';
import { accountIdOf } from './session.js';
import type { RegistryEntry } from './spec.js';
import type { AccountTarget, AwsQueryInput, AwsQueryOutcome, QueryContext } from './types.js';

type Refused = Extract<AwsQueryOutcome, { status: 'refused' }>;

/** One aws_query, validated and resolved: what every step after the refusal check reads. */
export interface Query {
  account: AccountTarget;
  ctx: QueryContext;
  allowed: AllowedOperation;
  spec: RegistryEntry;
  /** The model's params, validated. */
  params: Record<string, unknown>;
  /** `params` plus what hawk adds itself (`fixedInput`). */
  sdkInput: Record<string, unknown>;
  regions: string[];
  log: Logger;
}

/** The query to run, or the refusal: not allowed, bad params, a foreign ARN, or no region to call. */
export function resolveQuery(account: AccountTarget, ctx: QueryContext, input: AwsQueryInput, log: Logger): Query | Refused {
  // The bound account, from the role ARN: ARNs and account ids among the params must be its own.
  const prepared = prepare(input, accountScopeOf(account.accountName, account.roleArn));
  if (!prepared.ok) {
    log.info({ reason: prepared.reason }, 'hawk refused aws_query');
    return { status: 'refused', reason: prepared.reason };
  }
  const { spec, allowed, params } = prepared;
  const regions = regionsFor(spec, account, input.region, params);
  if (regions.length === 0) {
    return {
      status: 'refused',
      reason: `No regions are configured for account "${account.accountName}"; pass a region for ${allowed.service}:${allowed.operation}.`,
    };
  }
  const sdkInput = { ...params, ...spec.fixedInput?.(params, accountIdOf(account.roleArn)) };
  return { account, ctx, allowed, spec, params, sdkInput, regions, log };
}
