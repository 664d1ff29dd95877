/**
 * `plainfra doctor`'s checks, one file per dependency. Each is loaded only when a role needs it (the
 * sentinel's doctor never loads the AWS SDK, hawk's never loads Slack), so this door hands out
 * loaders rather than the checks themselves.
 */
export type { DoctorCheck, DoctorRole } from './types.js';
export const loadStorageChecks = () => import('./storage.js');
export const loadSlackCheck = () => import('./slack.js');
export const loadAwsChecks = () => import('./aws.js');
export const loadBedrockCheck = () => import('./bedrock.js');
export const loadAnthropicCheck = () => import('./llm.js');
