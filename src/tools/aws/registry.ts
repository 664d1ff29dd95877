/**
 * The executable side of the allowlist: one OperationSpec per `ALLOWED_OPERATIONS` entry, keyed
 * `service:Operation` exactly as the allowlist spells it. A test asserts both key sets are equal,
 * so an allowlist entry without a shaper (or a shaper without an allowlist entry) fails CI.
 */
import { ALLOWED_OPERATIONS, findAllowedOperation, type AllowedOperation } from '../allowlist.js';
import { costOps } from './ops/cost.js';
import { computeOps } from './ops/compute.js';
import { identityOps } from './ops/identity.js';
import { observabilityOps } from './ops/observability.js';
import { securityOps } from './ops/security.js';
import { storageOps } from './ops/storage.js';
import { ttlSeconds } from './ce-cache.js';
import type { CallPolicy, RegistryEntry } from './spec.js';

export const opKey = (service: string, operation: string) => `${service}:${operation}`;

/** Services whose calls need more than a plain SDK call; every other service gets `{}`. */
const CALL_POLICIES: Readonly<Record<string, CallPolicy>> = {
  // Cost Explorer bills every request and its data moves slowly: budget each page, share answers.
  ce: { billing: 'per-request', cache: { ttlSeconds } },
  // GetFindings' quota is 3 req/s per account and region, for all of hawk's processes together.
  securityhub: { rateLimit: 'securityHubRps' },
};

export const REGISTRY: ReadonlyMap<string, RegistryEntry> = (() => {
  const map = new Map<string, RegistryEntry>();
  for (const spec of [...costOps, ...securityOps, ...computeOps, ...storageOps, ...identityOps, ...observabilityOps]) {
    const key = opKey(spec.service, spec.operation);
    if (map.has(key)) throw new Error(`duplicate registry entry ${key}`);
    if (!spec.list === !spec.single) throw new Error(`${key} must define exactly one of list/single`);
    map.set(key, { ...spec, callPolicy: CALL_POLICIES[spec.service] ?? {} });
  }
  return map;
})();

/** Resolves a (case-insensitive) model request to its allowlist entry and spec, if both exist. */
export function lookupOperation(service: string, operation: string): { allowed: AllowedOperation; spec: RegistryEntry } | undefined {
  const allowed = findAllowedOperation(service, operation);
  if (!allowed) return undefined;
  const spec = REGISTRY.get(opKey(allowed.service, allowed.operation));
  return spec ? { allowed, spec } : undefined;
}

/** IAM actions of one service's allowlisted operations: the content of that service's session policy. */
export function iamActionsOfService(service: string): string[] {
  return [...new Set(ALLOWED_OPERATIONS.filter((o) => o.service === service).map((o) => o.iamAction))].sort();
}
