/** Workspaces, AWS accounts and channel bindings: who may ask about which account. */
export { addAccount, bindChannel, accountsForChannel, externalIdsOf, type BoundAccount } from './manage.js';
export { unbindChannel, listBindings, formatListing } from './bindings.js';
export {
  listAccounts,
  rotateExternalId,
  cancelRotation,
  recordVerification,
  revealExternalId,
  removeAccount,
  findAccount,
  type VerifyOutcome,
} from './lifecycle.js';
export { REFUSAL_REASONS, resolveScope, type RefusalReason } from './scope.js';
