/** Workspaces, AWS accounts and channel bindings: who may ask about which account. */
export {
  addAccount,
  bindChannel,
  accountsForChannel,
  externalIdOf,
  externalIdsOf,
  newExternalId,
  AccountsError,
  type AddAccountInput,
  type BindInput,
  type ChannelScope,
  type BoundAccount,
  type AccountWithSecret,
} from './manage.js';
export { unbindChannel, listBindings, formatListing, type UnbindInput, type UnbindResult, type ChannelListing } from './bindings.js';
export {
  listAccounts,
  rotateExternalId,
  cancelRotation,
  recordVerification,
  revealExternalId,
  removeAccount,
  findAccount,
  externalIdFingerprint,
  type AccountListing,
  type VerifyOutcome,
  type RemoveResult,
} from './lifecycle.js';
export { REFUSAL_REASONS, resolveScope, type RefusalReason } from './scope.js';
