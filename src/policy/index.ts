/**
 * plainfra policy: the `plainfra policy check` linter (loaded lazily by the CLI). The helpers that
 * keep the read-only role template in step with the code allowlist (render-role-template.ts,
 * snapshot.ts) are used inside this folder and by its tests, so they are not exported here.
 */
export { policyCheckCommand } from './command.js';
export { parsePolicySource, PolicyInputError } from './load.js';
